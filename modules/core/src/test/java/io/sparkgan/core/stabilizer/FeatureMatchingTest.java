package io.sparkgan.core.stabilizer;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Batch;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
import io.sparkgan.core.objective.NonSaturating;
import io.sparkgan.core.objective.Objective;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class FeatureMatchingTest {
    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiLayerNetwork d(int dim, long seed) {
        return Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 7, 5), dim, 1, new Sgd(0.1), seed, DataType.DOUBLE);
    }

    /** ‖mean_real f − mean_fake f‖² of layer {@code layer}, straight from inference passes. */
    private static double direct(MultiLayerNetwork net, int layer, INDArray real, INDArray fake) {
        INDArray fr = net.feedForwardToLayer(layer, real, false).get(layer + 1).mean(0);
        INDArray ff = net.feedForwardToLayer(layer, fake, false).get(layer + 1).mean(0);
        INDArray diff = fr.sub(ff);
        return diff.mul(diff).sumNumber().doubleValue();
    }

    @Test
    void theFeedbackIsTheGradientOfTheFeatureDistanceWithRespectToEachGeneratedSample() {
        MultiLayerNetwork net = d(3, 11);
        Objective fm = new FeatureMatching(-1).apply(new NonSaturating());
        Discriminator disc = new Discriminator(net, fm);
        INDArray real = gaussian(1, 6, 3, 1.0);
        INDArray fake = gaussian(2, 4, 3, 1.0);
        Discriminator.Feedback f = disc.feedback(Batch.of(fake), Batch.of(real));
        // The last hidden layer (index 1, width 5) by default.
        assertEquals(direct(net, 1, real, fake), f.generatorLoss(), 1e-12);
        double[] numeric = numericGradient(fake, () -> direct(net, 1, real, fake));
        assertTrue(relError(f.gradient(), numeric) < 1e-6, "feedback against finite differences: " + relError(f.gradient(), numeric));
    }

    @Test
    void aChosenLayerIsMatchedAndTheDiscriminatorLossIsTheObjectives() {
        MultiLayerNetwork net = d(3, 12);
        Discriminator disc = new Discriminator(net, new FeatureMatching(0).apply(new NonSaturating()));
        Discriminator plain = new Discriminator(net, new NonSaturating());
        INDArray real = gaussian(3, 5, 3, 1.0);
        INDArray fake = gaussian(4, 5, 3, 1.0);
        Discriminator.Feedback f = disc.feedback(Batch.of(fake), Batch.of(real));
        assertEquals(direct(net, 0, real, fake), f.generatorLoss(), 1e-12);
        double[] numeric = numericGradient(fake, () -> direct(net, 0, real, fake));
        assertTrue(relError(f.gradient(), numeric) < 1e-6);
        assertEquals(plain.loss(real, fake), disc.loss(real, fake), 0.0, "D trains on its objective as before");
    }

    @Test
    void withoutARealBatchOrOnTheOutputLayerItIsRefused() {
        Discriminator disc = new Discriminator(d(3, 13), new FeatureMatching(-1).apply(new NonSaturating()));
        INDArray fake = gaussian(5, 4, 3, 1.0);
        assertThrows(IllegalArgumentException.class, () -> disc.feedback(Batch.of(fake)));
        Discriminator output = new Discriminator(d(3, 13), new FeatureMatching(2).apply(new NonSaturating()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> output.feedback(Batch.of(fake), Batch.of(gaussian(6, 4, 3, 1.0))));
        assertEquals("feature-layer 2 is not a hidden layer of the discriminator; expected 0..1 or -1", e.getMessage());
    }
}
