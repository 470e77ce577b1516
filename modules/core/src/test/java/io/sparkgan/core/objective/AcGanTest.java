package io.sparkgan.core.objective;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Batch;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** The ACGAN objective's values and gradients, and the conditional generator's inputs. */
class AcGanTest {
    private static final int C = 3;
    private final AcGan ac = new AcGan(C);

    @Test
    void lossesMatchTheirDefinitionOnAHandCase() {
        // One real and one generated sample, logits chosen by hand.
        INDArray real = Nd4j.create(new double[][] {{2, 1, 0, -1}});
        INDArray fake = Nd4j.create(new double[][] {{-1, 0, 3, 0}});
        double ceReal = Math.log(Math.exp(1) + Math.exp(0) + Math.exp(-1)) - 1;            // label 0
        double ceFake = Math.log(Math.exp(0) + Math.exp(3) + Math.exp(0)) - 3;             // label 1
        double d = Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-1)) + ceReal + ceFake;
        double g = Math.log1p(Math.exp(1)) + ceFake;
        assertEquals(d, ac.discriminatorLoss(real, new int[] {0}, fake, new int[] {1}).value(), 1e-12);
        assertEquals(g, ac.generatorLoss(fake, new int[] {1}).value(), 1e-12);
        assertEquals(1 + C, ac.discriminatorOutputs(2));
    }

    @Test
    void gradientsAreThoseOfTheLossesByFiniteDifferences() {
        INDArray r = gaussian(1, 5, 1 + C, 2.0);
        INDArray f = gaussian(2, 4, 1 + C, 2.0);
        int[] yr = {0, 1, 2, 2, 1};
        int[] yf = {2, 0, 0, 1};
        Objective.Loss d = ac.discriminatorLoss(r, yr, f, yf);
        Objective.Loss g = ac.generatorLoss(f, yf);
        double[] dReal = numericGradient(r, () -> ac.discriminatorLoss(r, yr, f, yf).value());
        double[] dFake = numericGradient(f, () -> ac.discriminatorLoss(r, yr, f, yf).value());
        double[] gFake = numericGradient(f, () -> ac.generatorLoss(f, yf).value());
        for (int i = 0; i < r.length(); i++) {
            assertEquals(dReal[i], d.realGrad().getDouble(i), 1e-7);
        }
        for (int i = 0; i < f.length(); i++) {
            assertEquals(dFake[i], d.fakeGrad().getDouble(i), 1e-7);
            assertEquals(gFake[i], g.fakeGrad().getDouble(i), 1e-7);
        }
    }

    @Test
    void feedbackCarriesTheClassTermAndIsTheInputGradient() {
        Discriminator disc = new Discriminator(
                Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 7), 4, 1 + C, new Sgd(0.1), 3, DataType.DOUBLE), ac);
        INDArray x = gaussian(4, 3, 4, 2.0);
        int[] y = {1, 2, 0};
        INDArray fb = disc.feedback(new Batch(x, y)).gradient().dup();
        double[] num = numericGradient(x, () -> ac.generatorLoss(disc.network().output(x, false), y).value());
        for (int i = 0; i < x.length(); i++) {
            assertEquals(num[i], fb.getDouble(i), 1e-6);
        }
        // The labels matter: the same samples judged as other classes get other feedback.
        INDArray other = disc.feedback(new Batch(x, new int[] {0, 1, 2})).gradient();
        assertTrue(fb.sub(other).norm2Number().doubleValue() > 1e-6);
    }

    @Test
    void conditionalGeneratorAppendsOneHotClassesToItsCodes() {
        GanConfig c = new GanConfig().setObjective("acgan").setClasses(C).setLatentDim(2)
                .setGenerator(NetworkSpec.mlp("relu", "tanh", 5));
        Generator g = Gan.generator(c, 6, DataType.FLOAT);
        assertEquals(C, g.classes());
        INDArray z = g.latent(new GanRandom(1), 300);
        assertEquals(2 + C, z.columns());
        int[] labels = g.labels(z);
        int[] counts = new int[C];
        for (int i = 0; i < labels.length; i++) {
            counts[labels[i]]++;
            assertEquals(1.0, z.getDouble(i, 2 + labels[i]), 0.0);
            assertEquals(1.0, z.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 2 + C)).sumNumber().doubleValue(), 0.0);
        }
        for (int k = 0; k < C; k++) {
            assertTrue(counts[k] > 70, "classes are drawn uniformly: " + java.util.Arrays.toString(counts));
        }
        assertArrayEquals(new int[] {2, 0, 1, 1}, g.labels(g.latent(new GanRandom(2), new int[] {2, 0, 1, 1})));
        assertEquals(6, g.generate(z).columns());
        assertThrows(IllegalArgumentException.class, () -> new AcGan(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ac.generatorLoss(Nd4j.zeros(2, 1 + C), null));
        assertEquals("objective acgan needs a class label for every generated sample; the data has none", e.getMessage());
    }
}
