package io.sparkgan.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;

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
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Finite-difference checks of the three GAN operations, in double precision: the feedback is
 * dL_G/dx, the generator gradient from feedback is the gradient of the composed loss L_G(D(G(z))),
 * and the discriminator's gradient is that of its loss.
 */
class GanStepsTest {
    private static final double EPS = FiniteDifferences.EPS;
    private static final double TOL = 1e-6;
    private static final Objective NS = new NonSaturating();

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiLayerNetwork d(int dim, long seed) {
        return Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 7, 5), dim, 1, new Sgd(0.1), seed, DataType.DOUBLE);
    }

    private static MultiLayerNetwork g(int latent, int dim, long seed) {
        return Networks.generator(NetworkSpec.mlp("tanh", "identity", 6), latent, dim, new Sgd(0.1), seed, DataType.DOUBLE);
    }

    @Test
    void feedbackIsTheGradientOfTheGeneratorLossWithRespectToEachSample() {
        Discriminator disc = new Discriminator(d(3, 11), NS);
        INDArray fake = gaussian(1, 6, 3, 1.0);
        INDArray feedback = disc.feedback(fake).gradient().dup();
        assertArrayEquals(new long[] {6, 3}, feedback.shape());
        double[] numeric = numericGradient(fake, () -> NS.generatorLoss(disc.network().output(fake, false)).value());
        assertTrue(relError(feedback, numeric) < TOL, "feedback differs from finite differences: " + relError(feedback, numeric));
    }

    @Test
    void generatorGradientFromFeedbackIsTheGradientOfTheComposedLoss() {
        Generator gen = new Generator(g(4, 3, 5), 4);
        Discriminator disc = new Discriminator(d(3, 6), NS);
        INDArray z = gaussian(2, 5, 4, 1.0);
        INDArray x = gen.generate(z);
        INDArray feedback = disc.feedback(x).gradient().dup();
        INDArray analytic = gen.gradient(z, feedback).gradient().dup();
        INDArray params = gen.network().params();
        double[] numeric = numericGradient(params,
                () -> NS.generatorLoss(disc.network().output(gen.network().output(z, false), false)).value());
        double err = relError(analytic, numeric);
        assertTrue(err < TOL, "generator gradient differs from finite differences of L_G(D(G(z))): " + err);
    }

    @Test
    void discriminatorGradientIsTheGradientOfItsLoss() {
        Discriminator disc = new Discriminator(d(2, 8), NS);
        INDArray real = gaussian(3, 4, 2, 1.0);
        INDArray fake = gaussian(4, 7, 2, 1.0);
        INDArray analytic = disc.lossAndGradient(real, fake).getSecond().gradient().dup();
        double[] numeric = numericGradient(disc.network().params(), () -> disc.loss(real, fake));
        assertTrue(relError(analytic, numeric) < TOL, "D gradient differs: " + relError(analytic, numeric));
    }

    @Test
    void generatorStepAppliesExactlyTheGradientWithSgd() {
        Generator gen = new Generator(g(4, 3, 5), 4);
        Discriminator disc = new Discriminator(d(3, 6), NS);
        INDArray z = gaussian(2, 5, 4, 1.0);
        INDArray x = gen.generate(z);
        INDArray feedback = disc.feedback(x).gradient().dup();
        INDArray grad = gen.gradient(z, feedback).gradient().dup();
        INDArray before = gen.network().params().dup();
        gen.step(z, feedback);
        INDArray expected = before.sub(grad.mul(0.1));
        assertTrue(expected.equalsWithEps(gen.network().params(), 1e-12), "SGD step is not params - lr * gradient");
    }

    @Test
    void firstAdamStepMovesEachParameterByTheLearningRateAgainstItsGradient() {
        MultiLayerNetwork net = Networks.generator(NetworkSpec.mlp("tanh", "identity", 6), 4, 3, new Adam(1e-3, 0.5, 0.999, 1e-12), 5, DataType.DOUBLE);
        Generator gen = new Generator(net, 4);
        INDArray z = gaussian(2, 5, 4, 1.0);
        INDArray feedback = gaussian(9, 5, 3, 1.0);
        INDArray grad = gen.gradient(z, feedback).gradient().dup();
        INDArray before = gen.network().params().dup();
        gen.step(z, feedback);
        double[] g = grad.toDoubleVector();
        double[] delta = gen.network().params().sub(before).toDoubleVector();
        for (int i = 0; i < g.length; i++) {
            if (Math.abs(g[i]) > 1e-9) {
                assertEquals(-1e-3 * Math.signum(g[i]), delta[i], 1e-8, "Adam's bias-corrected first step at parameter " + i);
            }
        }
        assertEquals(1, net.getLayerWiseConfigurations().getIterationCount(), "the optimizer step count is kept in the network");
    }

    @Test
    void discriminatorStepsLowerTheLossOnAFixedBatch() {
        MultiLayerNetwork net = Networks.discriminator(NetworkSpec.mlp("leakyrelu", "identity", 16, 16), 2, 1, new Adam(1e-2), 3, DataType.DOUBLE);
        Discriminator disc = new Discriminator(net, NS);
        INDArray real = gaussian(3, 32, 2, 1.0).addi(2);
        INDArray fake = gaussian(4, 32, 2, 1.0).subi(1);
        double before = disc.loss(real, fake);
        double first = disc.step(real, fake);
        assertEquals(before, first, 1e-9, "step reports the loss before its update");
        for (int i = 0; i < 30; i++) {
            disc.step(real, fake);
        }
        double after = disc.loss(real, fake);
        assertTrue(after < 0.5 * before, "D loss " + before + " -> " + after);
    }

    @Test
    void dcganNetworksProduceImagesAndTheirFeedbackIsExact() {
        NetworkSpec gs = new NetworkSpec("dcgan", new int[] {4, 2}, "relu", "tanh");
        NetworkSpec ds = new NetworkSpec("dcgan", new int[] {2, 3}, "leakyrelu", "identity");
        Generator gen = new Generator(Networks.generator(gs, 5, 784, new Sgd(0.01), 1, DataType.DOUBLE), 5);
        Discriminator disc = new Discriminator(Networks.discriminator(ds, 784, 1, new Sgd(0.01), 2, DataType.DOUBLE), NS);
        INDArray z = gaussian(1, 3, 5, 1.0);
        INDArray x = gen.generate(z);
        assertArrayEquals(new long[] {3, 784}, x.shape());
        assertTrue(x.amaxNumber().doubleValue() <= 1.0, "tanh output");
        INDArray feedback = disc.feedback(x).gradient().dup();
        assertArrayEquals(new long[] {3, 784}, feedback.shape());
        // Spot-check 20 coordinates with central differences (leaky ReLU kinks are measure-zero).
        INDArray flat = x.dup().reshape(x.length());
        INDArray fb = feedback.reshape(feedback.length());
        for (int k = 0; k < 20; k++) {
            int i = (k * 7919) % (int) flat.length();
            double v = flat.getDouble(i);
            flat.putScalar(i, v + EPS);
            double plus = NS.generatorLoss(disc.network().output(flat.reshape(3, 784), false)).value();
            flat.putScalar(i, v - EPS);
            double minus = NS.generatorLoss(disc.network().output(flat.reshape(3, 784), false)).value();
            flat.putScalar(i, v);
            assertEquals((plus - minus) / (2 * EPS), fb.getDouble(i), 1e-7, "feedback coordinate " + i);
        }
        gen.step(z, feedback);
        assertEquals(1, gen.network().getLayerWiseConfigurations().getIterationCount());
    }
}
