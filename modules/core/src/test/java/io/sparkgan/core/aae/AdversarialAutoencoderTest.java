package io.sparkgan.core.aae;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Batch;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.LatentPrior;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
import io.sparkgan.core.objective.NonSaturating;
import io.sparkgan.core.objective.Objective;
import io.sparkgan.core.objective.Wasserstein;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class AdversarialAutoencoderTest {
    private static final int DATA = 3;
    private static final int LATENT = 2;
    /** Plain SGD: a step moves the parameters by exactly −LR × the gradient, which the checks read back. */
    private static final double LR = 0.5;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiLayerNetwork mlp(int in, int out, long seed, double lr) {
        return Networks.generator(NetworkSpec.mlp("tanh", "identity", 6, 5), in, out, new Sgd(lr), seed, DataType.DOUBLE);
    }

    /** Encoder, decoder and code discriminator of small tanh networks, all by SGD (the code D's rate {@code dLr}). */
    private static AdversarialAutoencoder aae(Objective objective, LatentPrior prior, int classes, double dLr) {
        Generator encoder = new Generator(mlp(DATA, LATENT, 1, LR), DATA);
        Generator decoder = new Generator(mlp(LATENT, DATA, 2, LR), LATENT);
        MultiLayerNetwork dn = Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 7, 5), LATENT + classes, objective.discriminatorOutputs(LATENT + classes),
                new Sgd(dLr), 3, DataType.DOUBLE);
        return new AdversarialAutoencoder(encoder, decoder, new Discriminator(dn, objective), prior, classes);
    }

    private static double reconstruction(AdversarialAutoencoder a, INDArray x) {
        INDArray diff = a.decoder().network().output(a.encoder().network().output(x, false), false).sub(x);
        return diff.mul(diff).meanNumber().doubleValue();
    }

    @Test
    void theReconstructionPhaseStepsEncoderAndDecoderDownTheGradientOfTheSquaredError() {
        AdversarialAutoencoder a = aae(new NonSaturating(), LatentPrior.GAUSSIAN, 0, 0);
        INDArray x = gaussian(4, 5, DATA, 1.0);
        INDArray e = a.encoder().network().params();
        INDArray d = a.decoder().network().params();
        double[] numericE = numericGradient(e, () -> reconstruction(a, x));
        double[] numericD = numericGradient(d, () -> reconstruction(a, x));
        double before = reconstruction(a, x);
        INDArray e0 = e.dup();
        INDArray d0 = d.dup();
        assertEquals(before, a.reconstructionStep(x), 1e-12, "the loss returned is the one before the step");
        // The encoder's gradient comes through the decoder's input gradient, taken before the decoder moved.
        INDArray gradE = e0.sub(a.encoder().network().params()).divi(LR);
        INDArray gradD = d0.sub(a.decoder().network().params()).divi(LR);
        assertTrue(relError(gradE, numericE) < 1e-6, "encoder gradient against finite differences: " + relError(gradE, numericE));
        assertTrue(relError(gradD, numericD) < 1e-6, "decoder gradient against finite differences: " + relError(gradD, numericD));
        assertTrue(reconstruction(a, x) < before, "the step lowered the error");
        assertEquals(reconstruction(a, x), a.reconstructionError(x), 1e-12, "the inference-mode error is the squared error per coordinate");
    }

    /** The encoder's adversarial loss as the objective defines it, for the codes of {@code x} with classes {@code y}. */
    private static double adversarial(AdversarialAutoencoder a, INDArray x, int[] y) {
        return a.codeDiscriminator().feedback(a.codeBatch(a.encoder().network().output(x, false), y)).generatorLoss();
    }

    @Test
    void theRegularizationPhaseStepsTheEncoderDownTheGradientOfTheObjectivesGeneratorLossThroughTheCodeDiscriminator() {
        for (Objective objective : new Objective[] {new NonSaturating(), new Wasserstein(10)}) {
            // A code discriminator with rate 0 stays put, so the encoder's step is its gradient at the current D alone.
            AdversarialAutoencoder a = aae(objective, LatentPrior.GAUSSIAN, 0, 0);
            INDArray x = gaussian(5, 6, DATA, 1.0);
            INDArray e = a.encoder().network().params();
            double[] numeric = numericGradient(e, () -> adversarial(a, x, null));
            INDArray e0 = e.dup();
            double[] l = a.regularizationStep(Batch.of(x), new GanRandom(9), 2);
            INDArray grad = e0.sub(a.encoder().network().params()).divi(LR);
            assertTrue(relError(grad, numeric) < 1e-6, objective.name() + ": encoder gradient against finite differences: " + relError(grad, numeric));
            assertTrue(Double.isFinite(l[0]) && Double.isFinite(l[1]));
        }
    }

    @Test
    void underTheLabelledMixtureTheCodeDiscriminatorReadsTheClassAndTheEncoderGetsOnlyTheCodesGradient() {
        MixturePrior prior = new MixturePrior(3);
        AdversarialAutoencoder a = aae(new NonSaturating(), prior, 3, 0);
        INDArray x = gaussian(6, 6, DATA, 1.0);
        int[] y = {0, 2, 1, -1, 2, 0};
        Batch codes = a.codeBatch(Nd4j.zeros(DataType.DOUBLE, 6, LATENT), y);
        assertArrayEquals(new double[] {0, 0, 0, 0, 1}, codes.x().getRow(1).toDoubleVector(), 0.0, "code, then the one-hot class");
        assertArrayEquals(new double[] {0, 0, 0, 0, 0}, codes.x().getRow(3).toDoubleVector(), 0.0, "an unlabelled row has no class");
        INDArray e = a.encoder().network().params();
        double[] numeric = numericGradient(e, () -> adversarial(a, x, y));
        INDArray e0 = e.dup();
        a.regularizationStep(new Batch(x, y), new GanRandom(9), 1);
        assertTrue(relError(e0.sub(a.encoder().network().params()).divi(LR), numeric) < 1e-6);
        // The prior batch pairs each row with a draw from its class's component and the same one-hot.
        Batch p = a.priorBatch(new GanRandom(3), 6, y, DataType.DOUBLE);
        for (int i = 0; i < 6; i++) {
            assertEquals(codes.x().getRow(i).getDouble(LATENT + 1), p.x().getRow(i).getDouble(LATENT + 1), 0.0);
            if (y[i] >= 0) {
                double[] m = prior.mean(y[i], LATENT);
                double dist = Math.hypot(p.x().getDouble(i, 0) - m[0], p.x().getDouble(i, 1) - m[1]);
                assertTrue(dist < 6 * MixturePrior.SIGMA, "row " + i + " drawn from component " + y[i] + ", " + dist + " from its centre");
            }
        }
    }

    @Test
    void theCodeFeedbackOnEveryWorkersCodesTimesNIsEachWorkersOwnBatchGradient() {
        // MD-GAN's driver computes the feedback once on all N·b codes; worker n must receive the gradient of its own batch's mean loss.
        AdversarialAutoencoder a = aae(new NonSaturating(), LatentPrior.GAUSSIAN, 0, 0);
        INDArray c1 = gaussian(11, 4, LATENT, 1.0);
        INDArray c2 = gaussian(12, 4, LATENT, 1.0);
        INDArray all = a.codeFeedback(Nd4j.vstack(c1, c2), null, new GanRandom(1), 0).gradient().mul(2);
        // dup: the feedback may be a view of a buffer the next pass reuses.
        INDArray own1 = a.codeFeedback(c1, null, new GanRandom(1), 0).gradient().dup();
        INDArray own2 = a.codeFeedback(c2, null, new GanRandom(1), 0).gradient().dup();
        assertTrue(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4), org.nd4j.linalg.indexing.NDArrayIndex.all()).equalsWithEps(own1, 1e-12));
        assertTrue(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 8), org.nd4j.linalg.indexing.NDArrayIndex.all()).equalsWithEps(own2, 1e-12));
        // The two halves, called apart as MD-GAN's driver and worker call them, are the regularization phase.
        AdversarialAutoencoder whole = aae(new NonSaturating(), LatentPrior.GAUSSIAN, 0, 0.1);
        AdversarialAutoencoder split = aae(new NonSaturating(), LatentPrior.GAUSSIAN, 0, 0.1);
        INDArray x = gaussian(5, 6, DATA, 1.0);
        double[] l = whole.regularizationStep(Batch.of(x), new GanRandom(9), 2);
        AdversarialAutoencoder.CodeFeedback f = split.codeFeedback(split.encoder().generate(x), null, new GanRandom(9), 2);
        split.encoder().forgetForward();
        split.encoderStep(x, f.gradient());
        assertEquals(l[0], f.dLoss(), 0.0);
        assertEquals(l[1], f.gLoss(), 0.0);
        assertEquals(whole.encoder().network().params(), split.encoder().network().params());
        assertEquals(whole.codeDiscriminator().network().params(), split.codeDiscriminator().network().params());
    }

    @Test
    void theMixturePriorPutsEachComponentOnItsCentreAndTheDecoderSamplesFromIt() {
        MixturePrior prior = new MixturePrior(10);
        int n = 4000;
        int[] comp = new int[n];
        for (int i = 0; i < n; i++) {
            comp[i] = i % 10;
        }
        double[] z = prior.draw(new GanRandom(1), n, 3, comp);
        double[][] sum = new double[10][3];
        double[] sq = new double[3];
        for (int i = 0; i < n; i++) {
            double[] m = prior.mean(comp[i], 3);
            for (int d = 0; d < 3; d++) {
                sum[comp[i]][d] += z[i * 3 + d] / (n / 10);
                sq[d] += Math.pow(z[i * 3 + d] - m[d], 2) / n;
            }
        }
        for (int j = 0; j < 10; j++) {
            double[] m = prior.mean(j, 3);
            assertEquals(MixturePrior.RADIUS, Math.hypot(m[0], m[1]), 1e-12);
            for (int d = 0; d < 3; d++) {
                assertEquals(m[d], sum[j][d], 0.08, "component " + j + " coordinate " + d);
            }
        }
        for (int d = 0; d < 3; d++) {
            assertEquals(MixturePrior.SIGMA, Math.sqrt(sq[d]), 0.02);
        }
        // A generator with the prior draws its codes from it (every sampler goes through latent()).
        Generator g = new Generator(mlp(LATENT, DATA, 2, LR), LATENT).withPrior(prior);
        INDArray codes = g.latent(new GanRandom(2), 500);
        double radius = 0;
        for (int i = 0; i < 500; i++) {
            radius += Math.hypot(codes.getDouble(i, 0), codes.getDouble(i, 1)) / 500;
        }
        assertEquals(MixturePrior.RADIUS, radius, 0.1);
    }

    @Test
    void aConfigurationTheAutoencoderCannotTrainIsRefusedWithOneLine() {
        GanConfig c = new GanConfig();
        c.set(AdversarialAutoencoder.AUTOENCODER, "mixture");
        c.setObjective("acgan");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::validate);
        assertTrue(e.getMessage().startsWith("objective 'acgan' does not apply to the adversarial autoencoder's code discriminator"), e.getMessage());
        c.setObjective("hinge");
        c.setLatentDim(1);
        assertEquals("autoencoder mixture needs latent-dim of at least 2 (its components lie on a circle), got 1",
                assertThrows(IllegalArgumentException.class, c::validate).getMessage());
        c.setLatentDim(2);
        c.set(io.sparkgan.core.stabilizer.Stabilizers.SETTING, "virtual-batch-norm");
        assertTrue(assertThrows(IllegalArgumentException.class, c::validate).getMessage().startsWith("stabilizer virtual-batch-norm does not apply"));
        c.set(io.sparkgan.core.stabilizer.Stabilizers.SETTING, "");
        c.set(AdversarialAutoencoder.AUTOENCODER, "labelled-mixture");
        c.validate();
        assertEquals("autoencoder labelled-mixture needs a component per class: the data has 12 classes, prior-components is 10; expected prior-components 12 or more",
                assertThrows(IllegalArgumentException.class, () -> AdversarialAutoencoder.conditioning(c, 12)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdversarialAutoencoder.conditioning(c, 0));
        assertEquals(10, AdversarialAutoencoder.conditioning(c, 10));
        c.set(AdversarialAutoencoder.AUTOENCODER, "vae");
        assertEquals("autoencoder 'vae' is unknown; expected one of [none, gaussian, mixture, labelled-mixture]",
                assertThrows(IllegalArgumentException.class, c::validate).getMessage());
    }
}
