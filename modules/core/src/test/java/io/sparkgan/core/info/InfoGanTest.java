package io.sparkgan.core.info;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import io.sparkgan.core.objective.NonSaturating;
import io.sparkgan.core.objective.Objective;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class InfoGanTest {
    private static final double LAMBDA = 0.9;
    private static final double ALPHA = 0.7;
    /** One categorical code of 3 categories and 2 continuous codes: 3 factors. */
    private static final InfoCodes CODES = new InfoCodes(new int[] {3}, 2, ALPHA, 0, 0.0, 0);

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiLayerNetwork d(Objective o, int dim, long seed) {
        return Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 7, 5), dim, o.discriminatorOutputs(dim), new Sgd(0.1), seed, DataType.DOUBLE);
    }

    private static INDArray codeRows(InfoCodes codes, long seed, int n, int iteration) {
        InfoCodes.Draw draw = codes.draw(new GanRandom(seed), n, iteration);
        return Nd4j.create(draw.codes(), new long[] {n, codes.codeColumns()}, 'c');
    }

    private static double softplus(double v) {
        return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    }

    private static double logSumExp(double[] v, int from, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            max = Math.max(max, v[from + j]);
        }
        double s = 0;
        for (int j = 0; j < k; j++) {
            s += Math.exp(v[from + j] - max);
        }
        return max + Math.log(s);
    }

    /**
     * λ·L_Q + α·L_CR of outputs {@code out} on samples with code rows {@code c}, written out from the
     * definitions: output column 0 is the real/fake logit, 1..3 the categorical logits, 4..5 the
     * continuous means, 6..17 the pair embeddings (4 per factor).
     */
    private static double infoTerms(double[][] out, double[][] c) {
        int n = out.length;
        double q = 0;
        for (int i = 0; i < n; i++) {
            q += (logSumExp(out[i], 1, 3) - out[i][1 + (int) c[i][0]]) / n;
            for (int f = 0; f < 2; f++) {
                double diff = out[i][4 + f] - c[i][1 + f];
                q += 0.5 * diff * diff / n;
            }
        }
        double cr = 0;
        int pairs = 0;
        for (int i = 0; i + 1 < n; i += 2) {
            if (c[i][3] >= 0) {
                pairs++;
            }
        }
        for (int i = 0; i + 1 < n; i += 2) {
            if (c[i][3] < 0) {
                continue;
            }
            double[] logits = new double[3];
            for (int f = 0; f < 3; f++) {
                for (int e = 0; e < 4; e++) {
                    double diff = out[i][6 + 4 * f + e] - out[i + 1][6 + 4 * f + e];
                    logits[f] -= diff * diff;
                }
            }
            cr += (logSumExp(logits, 0, 3) - logits[(int) c[i][3]]) / pairs;
        }
        return LAMBDA * q + ALPHA * cr;
    }

    /** The non-saturating generator loss plus the InfoGAN terms, straight from an inference pass. */
    private static double directGeneratorLoss(MultiLayerNetwork net, INDArray fake, INDArray codes) {
        double[][] out = net.output(fake, false).toDoubleMatrix();
        double ns = 0;
        for (double[] row : out) {
            ns += softplus(-row[0]) / out.length;
        }
        return ns + infoTerms(out, codes.toDoubleMatrix());
    }

    private static double directDiscriminatorLoss(MultiLayerNetwork net, INDArray real, INDArray fake, INDArray codes) {
        double[][] r = net.output(real, false).toDoubleMatrix();
        double[][] f = net.output(fake, false).toDoubleMatrix();
        double ns = 0;
        for (double[] row : r) {
            ns += softplus(-row[0]) / r.length;
        }
        for (double[] row : f) {
            ns += softplus(row[0]) / f.length;
        }
        return ns + infoTerms(f, codes.toDoubleMatrix());
    }

    @Test
    void theFeedbackIsTheGradientOfTheGeneratorLossWithQAndThePairTermWithRespectToEachSample() {
        Objective o = new InfoGan(new NonSaturating(), CODES, LAMBDA);
        assertEquals(1 + 5 + 12, o.discriminatorOutputs(3));
        MultiLayerNetwork net = d(o, 3, 21);
        Discriminator disc = new Discriminator(net, o);
        INDArray fake = gaussian(1, 8, 3, 1.0);
        INDArray codes = codeRows(CODES, 2, 8, 1);
        Discriminator.Feedback f = disc.feedback(new Batch(fake, null, codes));
        assertEquals(directGeneratorLoss(net, fake, codes), f.generatorLoss(), 1e-12);
        double[] numeric = numericGradient(fake, () -> directGeneratorLoss(net, fake, codes));
        assertTrue(relError(f.gradient(), numeric) < 1e-6, "feedback against finite differences: " + relError(f.gradient(), numeric));
    }

    @Test
    void theDiscriminatorsParameterGradientIncludesQAndThePairClassifier() {
        Objective o = new InfoGan(new NonSaturating(), CODES, LAMBDA);
        MultiLayerNetwork net = d(o, 3, 22);
        Discriminator disc = new Discriminator(net, o);
        INDArray real = gaussian(3, 6, 3, 1.0);
        INDArray fake = gaussian(4, 8, 3, 1.0);
        INDArray codes = codeRows(CODES, 5, 8, 1);
        var lg = disc.stepGradient(Batch.of(real), new Batch(fake, null, codes));
        INDArray analytic = lg.getSecond().gradient().dup();
        assertEquals(directDiscriminatorLoss(net, real, fake, codes), lg.getFirst(), 1e-12);
        double[] numeric = numericGradient(net.params(), () -> directDiscriminatorLoss(net, real, fake, codes));
        assertTrue(relError(analytic, numeric) < 1e-6, "D's gradient against finite differences: " + relError(analytic, numeric));
    }

    @Test
    void pairsShareOneFactorAndTheNoiseAndKeepTheGapElsewhere() {
        InfoCodes codes = new InfoCodes(new int[] {4}, 3, 1.0, 10, 1.5, 20);
        GanConfig c = new GanConfig();
        c.setLatentDim(2).setBatchSize(8);
        c.set(InfoCodes.CATEGORICAL, "4");
        c.set(InfoCodes.CONTINUOUS, 3);
        c.set(InfoCodes.CR_WEIGHT, 1.0);
        c.set(InfoCodes.CR_FROM, 10);
        c.set(InfoCodes.CR_GAP, 1.5);
        c.set(InfoCodes.CR_GAP_UNTIL, 20);
        Generator g = Gan.generator(c, 3, DataType.DOUBLE);
        assertEquals(2 + 4 + 3, g.network().getLayerWiseConfigurations().getConf(0).getLayer() instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer l
                ? l.getNIn() : -1);
        // Before the schedule: independent rows, no pairs.
        Generator.Drawn before = g.draw(new GanRandom(7), 400, 10);
        for (double[] row : before.codes().toDoubleMatrix()) {
            assertEquals(-1, row[4]);
        }
        for (int t : new int[] {11, 25}) {
            Generator.Drawn d = g.draw(new GanRandom(t), 400, t);
            double[][] z = d.z().toDoubleMatrix();
            double[][] k = d.codes().toDoubleMatrix();
            double gap = t <= 20 ? 1.5 : 0;
            int[] sharedCount = new int[4];
            for (int i = 0; i < 400; i += 2) {
                int shared = (int) k[i][4];
                assertEquals(shared, (int) k[i + 1][4]);
                sharedCount[shared]++;
                assertArrayEquals(java.util.Arrays.copyOf(z[i], 2), java.util.Arrays.copyOf(z[i + 1], 2), 0.0, "the noise is shared");
                for (int f = 0; f < 4; f++) {
                    if (f == shared) {
                        assertEquals(k[i][f], k[i + 1][f], 0.0, "the shared factor's value");
                    } else if (f == 0 && gap > 0) {
                        assertNotEquals(k[i][0], k[i + 1][0], "another category under a gap");
                    } else if (f > 0) {
                        assertTrue(Math.abs(k[i][f] - k[i + 1][f]) >= gap - 1e-12, "unshared continuous codes at least the gap apart");
                        assertTrue(Math.abs(k[i][f]) <= 1 && Math.abs(k[i + 1][f]) <= 1);
                    }
                }
                // The input carries the codes: one-hot category, then the continuous values.
                assertEquals(1.0, z[i][2 + (int) k[i][0]]);
                assertEquals(k[i][1], z[i][6], 0.0);
            }
            for (int count : sharedCount) {
                assertTrue(count > 30, "every factor is shared now and then: " + java.util.Arrays.toString(sharedCount));
            }
        }
        assertEquals(codes.codeColumns(), g.info().codeColumns());
    }

    @Test
    void withoutPairsThereIsNoContrastiveTermAndQReadsItsOwnColumns() {
        Objective o = new InfoGan(new NonSaturating(), CODES, LAMBDA);
        MultiLayerNetwork net = d(o, 3, 23);
        INDArray fake = gaussian(6, 6, 3, 1.0);
        INDArray codes = codeRows(CODES, 7, 6, 0);
        for (double[] row : codes.toDoubleMatrix()) {
            assertEquals(-1, row[3]);
        }
        Discriminator.Feedback f = new Discriminator(net, o).feedback(new Batch(fake, null, codes));
        assertEquals(directGeneratorLoss(net, fake, codes), f.generatorLoss(), 1e-12);
        // Q's reading: the most likely category and the continuous means.
        double[][] out = net.output(fake, false).toDoubleMatrix();
        double[][] predicted = ((InfoGan) o).predictedCodes(net.output(fake, false));
        for (int i = 0; i < 6; i++) {
            int best = 0;
            for (int j = 1; j < 3; j++) {
                best = out[i][1 + j] > out[i][1 + best] ? j : best;
            }
            assertArrayEquals(new double[] {best, out[i][4], out[i][5]}, predicted[i], 0.0);
        }
    }

    @Test
    void aGeneratedBatchWithoutCodesOrWithBrokenPairsIsRefused() {
        Objective o = new InfoGan(new NonSaturating(), CODES, LAMBDA);
        Discriminator disc = new Discriminator(d(o, 3, 24), o);
        INDArray fake = gaussian(8, 4, 3, 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> disc.feedback(Batch.of(fake)));
        assertEquals("InfoGAN needs the codes of every generated sample; the generated batch has none", e.getMessage());
        INDArray codes = codeRows(CODES, 9, 4, 1);
        codes.putScalar(1, 3, ((int) codes.getDouble(0, 3) + 1) % 3);
        assertThrows(IllegalArgumentException.class, () -> disc.feedback(new Batch(fake, null, codes)));
    }

    @Test
    void configurationsTheCodesCannotTrainAreRefusedWithOneLine() {
        GanConfig c = new GanConfig();
        c.set(InfoCodes.CR_WEIGHT, 1.0);
        assertEquals("cr-weight 1.0 needs InfoGAN codes; expected info-categorical or info-continuous",
                assertThrows(IllegalArgumentException.class, c::validate).getMessage());
        c.set(InfoCodes.CONTINUOUS, 1);
        assertEquals("cr-weight 1.0 needs at least 2 codes to tell apart, got 1; expected more info-categorical or info-continuous codes",
                assertThrows(IllegalArgumentException.class, c::validate).getMessage());
        c.set(InfoCodes.CONTINUOUS, 2);
        c.setBatchSize(7);
        assertEquals("batch-size 7 must be even with cr-weight > 0 (generated rows come in pairs)",
                assertThrows(IllegalArgumentException.class, c::validate).getMessage());
        c.setBatchSize(8);
        c.validate();
        assertEquals("info-categorical '10,1' is not a list of category counts; expected whole numbers >= 2 such as 10 or 10,4",
                assertThrows(IllegalArgumentException.class, () -> InfoCodes.CATEGORICAL.parse("10,1")).getMessage());
        assertEquals("10,4", InfoCodes.CATEGORICAL.parse(" 10, 4"));
    }
}
