package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Batch;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.objective.NonSaturating;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Weight normalisation (Salimans and Kingma 2016): a freshly normalised D computes what it did
 * before; the step's gradients with respect to the directions v and to the scales g against finite
 * differences in double precision (MLP and convolutional D); the scales' Adam step by hand.
 */
class WeightNormTest {
    private static final double LR = 0.01;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiLayerNetwork net(String kind) {
        return kind.equals("mlp")
                ? Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 6, 5), 3, 1, new Adam(LR, 0.5, 0.999, 1e-8), 7, DataType.DOUBLE)
                : Networks.discriminator(NetworkSpec.parse("dcgan:2,3:tanh"), 784, 1, new Adam(LR, 0.5, 0.999, 1e-8), 7, DataType.DOUBLE);
    }

    private static Batch batch(String kind, long seed) {
        return Batch.of(kind.equals("mlp") ? io.sparkgan.core.FiniteDifferences.gaussian(seed, 5, 3, 1.0)
                : io.sparkgan.core.FiniteDifferences.gaussian(seed, 3, 784, 0.5));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mlp", "conv"})
    void theGradientsWithRespectToDirectionsAndScalesAreThoseOfTheNormalisedLoss(String kind) {
        MultiLayerNetwork net = net(kind);
        MultiLayerNetwork plainNet = net.clone();
        WeightNorm wn = WeightNorm.attach(net);
        Discriminator d = new Discriminator(net, new NonSaturating());
        Discriminator plain = new Discriminator(plainNet, new NonSaturating());
        Batch real = batch(kind, 4);
        Batch fake = batch(kind, 5);
        assertEquals(plain.loss(real.x(), fake.x()), d.loss(real.x(), fake.x()), 1e-12, "the scales start at the norms: nothing changes yet");

        // Move the scales off the norms so that g and v both matter.
        for (int j = 0; j < 3; j++) {
            wn.scales(j).muli(Nd4j.linspace(0.5, 1.5, wn.scales(j).length(), DataType.DOUBLE));
        }
        INDArray analytic = d.stepGradient(real, fake).getSecond().gradient().dup();
        double[] numeric = numericGradient(net.params(), () -> d.stepGradient(real, fake).getFirst());
        // Central differences in double leave about 1e-10 of round-off; a wrong gradient is off by far more.
        assertTrue(relError(analytic, numeric) < 1e-5 && maxAbsDiff(analytic, numeric) < 1e-8, kind + ": the directions' gradient against finite differences: " + relError(analytic, numeric)
                + " (largest absolute difference " + maxAbsDiff(analytic, numeric) + " of entries up to " + analytic.amaxNumber() + ")");
        for (int j = 0; j < 3; j++) {
            d.stepGradient(real, fake);
            double[] dg = wn.scaleGradient(j);
            INDArray g = wn.scales(j);
            double[] numericG = numericGradient(g, () -> d.stepGradient(real, fake).getFirst());
            assertTrue(relError(Nd4j.create(dg), numericG) < 1e-5 && maxAbsDiff(Nd4j.create(dg), numericG) < 1e-8,
                    kind + ": layer " + j + "'s scales against finite differences: " + relError(Nd4j.create(dg), numericG));
        }
    }

    private static double maxAbsDiff(INDArray a, double[] b) {
        double[] x = a.ravel().toDoubleVector();
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - b[i]));
        }
        return worst;
    }

    @Test
    void theScalesTakeAnAdamStepAtTheNetworksRate() {
        MultiLayerNetwork net = net("mlp");
        WeightNorm wn = WeightNorm.attach(net);
        Discriminator d = new Discriminator(net, new NonSaturating());
        Batch real = batch("mlp", 8);
        Batch fake = batch("mlp", 9);
        d.stepGradient(real, fake);
        double[] dg = wn.scaleGradient(0).clone();
        double[] before = wn.scales(0).toDoubleVector();
        d.step(real, fake);
        double[] after = wn.scales(0).toDoubleVector();
        // Adam's first step: m = (1 − β1) g, v = (1 − β2) g², step = lr·√(1 − β2)/(1 − β1), so Δ = −lr·g/(|g| + ε/√(1 − β2)).
        for (int k = 0; k < before.length; k++) {
            double expected = before[k] - LR * Math.sqrt(1 - 0.999) / (1 - 0.5) * (0.5 * dg[k]) / (Math.sqrt(0.001 * dg[k] * dg[k]) + 1e-8);
            assertEquals(expected, after[k], 1e-12, "unit " + k);
        }
        assertEquals(1, net.getLayerWiseConfigurations().getIterationCount(), "one update of the network");
    }

    @Test
    void itDoesNotCombineWithSpectralNormalisation() {
        io.sparkgan.core.GanConfig c = new io.sparkgan.core.GanConfig();
        c.set(WeightNorm.SETTING, true);
        c.validate();
        c.set(SpectralNorm.SETTING, true);
        assertEquals("spectral-norm and weight-norm both reparameterise D's weights; expected one of them",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, c::validate).getMessage());
    }
}
