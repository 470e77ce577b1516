package io.sparkgan.core.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Batch;
import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.stabilizer.Stabilizers;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SemiSupervisedTest {
    private final SemiSupervised ssl = new SemiSupervised(3);

    private static INDArray m(int rows, double... v) {
        return Nd4j.create(v, new long[] {rows, v.length / rows}, 'c');
    }

    private static double lse(double... l) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : l) {
            max = Math.max(max, x);
        }
        double s = 0;
        for (double x : l) {
            s += Math.exp(x - max);
        }
        return max + Math.log(s);
    }

    private static double softplus(double t) {
        return Math.log1p(Math.exp(t));
    }

    @Test
    void theLossIsSupervisedCrossEntropyPlusHalfTheRealAndGeneratedTerms() {
        // Rows 0 and 1 labelled (classes 2 and 0), row 2 unlabelled.
        double[] r = {0.5, -1, 2, 1.5, 0.2, -0.3, -2, 0.1, 0.4};
        double[] f = {0.3, 0.3, -1, -0.5, 1, 2};
        int[] y = {2, 0, -1};
        Objective.Loss loss = ssl.discriminatorLoss(m(3, r), y, m(2, f), null);
        double sup = ((lse(0.5, -1, 2) - 2) + (lse(1.5, 0.2, -0.3) - 1.5)) / 2;
        double unl = 0.5 * softplus(-lse(-2, 0.1, 0.4));
        double gen = 0.5 * (softplus(lse(0.3, 0.3, -1)) + softplus(lse(-0.5, 1, 2))) / 2;
        assertEquals(sup + unl + gen, loss.value(), 1e-12);
        double h = 1e-6;
        for (int i = 0; i < r.length; i++) {
            double[] p = r.clone();
            double[] q = r.clone();
            p[i] += h;
            q[i] -= h;
            double num = (ssl.discriminatorLoss(m(3, p), y, m(2, f), null).value() - ssl.discriminatorLoss(m(3, q), y, m(2, f), null).value()) / (2 * h);
            assertEquals(num, loss.realGrad().getDouble(i / 3, i % 3), 1e-8, "real logit " + i);
        }
        for (int i = 0; i < f.length; i++) {
            double[] p = f.clone();
            double[] q = f.clone();
            p[i] += h;
            q[i] -= h;
            double num = (ssl.discriminatorLoss(m(3, r), y, m(2, p), null).value() - ssl.discriminatorLoss(m(3, r), y, m(2, q), null).value()) / (2 * h);
            assertEquals(num, loss.fakeGrad().getDouble(i / 3, i % 3), 1e-8, "generated logit " + i);
            double gnum = (ssl.generatorLoss(m(2, p), null).value() - ssl.generatorLoss(m(2, q), null).value()) / (2 * h);
            assertEquals(gnum, ssl.generatorLoss(m(2, f), null).fakeGrad().getDouble(i / 3, i % 3), 1e-8, "generator loss, logit " + i);
        }
        assertEquals((softplus(-lse(0.3, 0.3, -1)) + softplus(-lse(-0.5, 1, 2))) / 2, ssl.generatorLoss(m(2, f), null).value(), 1e-12);
    }

    @Test
    void withUnsupervisedWeightZeroOnlyTheLabelledRowsTrainTheClassifier() {
        SemiSupervised supervised = new SemiSupervised(3, 0);
        double[] r = {0.5, -1, 2, -2, 0.1, 0.4};
        Objective.Loss loss = supervised.discriminatorLoss(m(2, r), new int[] {2, -1}, m(1, 0.3, 0.3, -1), null);
        assertEquals(lse(0.5, -1, 2) - 2, loss.value(), 1e-12);
        assertEquals(0.0, loss.realGrad().getRow(1).amaxNumber().doubleValue(), 0.0, "the unlabelled row is ignored");
        assertEquals(0.0, loss.fakeGrad().amaxNumber().doubleValue(), 0.0, "generated samples are ignored");
    }

    @Test
    void theEnergyIsMinusTheLogDensityRatioAndProbabilitiesAreTheSoftmax() {
        INDArray out = m(1, 0.5, -1, 2);
        Objective.SampleEnergy e = ssl.energy(out, null);
        assertEquals(-lse(0.5, -1, 2), e.values()[0], 1e-12);
        INDArray p = SemiSupervised.probabilities(out);
        assertEquals(1.0, p.sumNumber().doubleValue(), 1e-12);
        assertEquals(Math.exp(2 - lse(0.5, -1, 2)), p.getDouble(0, 2), 1e-12);
        assertEquals(-p.getDouble(0, 2), e.outGrad().getDouble(0, 2), 1e-12);
        assertNull(e.inputGrad());
    }

    @Test
    void theGeneratorIsUnconditionalAndFeatureMatchingIsRecommended() {
        assertEquals(0, ssl.classes());
        assertEquals(3, ssl.discriminatorOutputs(784));
        GanConfig c = new GanConfig();
        c.setObjective("semi-supervised");
        assertEquals("feature-matching", c.get(Stabilizers.SETTING));
        assertTrue(Objectives.conditional("semi-supervised"), "it needs labelled data");
        assertEquals(10, Objectives.classesFromOutputs("semi-supervised", 10, 784, c));
        assertEquals(10, Objectives.classesFromOutputs("acgan", 11, 784, c));
    }

    @Test
    void theSamplerDrawsLabelledBatchesFromTheFewLabelledRowsOnly() {
        float[][] x = new float[20][];
        int[] y = new int[20];
        for (int i = 0; i < 20; i++) {
            x[i] = new float[] {i};
            y[i] = i % 5 == 0 ? i / 5 : -1; // rows 0, 5, 10, 15 keep classes 0..3
        }
        BatchSampler s = new BatchSampler(x, y, GanRandom.stream(1, "t", 0));
        assertEquals(4, s.labelledSize());
        Set<Integer> seen = new HashSet<>();
        Batch b = s.nextLabelled(8, DataType.DOUBLE);
        for (int i = 0; i < 8; i++) {
            int row = (int) b.x().getDouble(i, 0);
            assertEquals(0, row % 5);
            assertEquals(row / 5, b.labels()[i]);
            seen.add(row);
        }
        assertEquals(4, seen.size(), "two full passes over the labelled rows");
        // The labelled pass survives a checkpoint.
        BatchSampler.State st = s.state();
        Batch next = s.nextLabelled(3, DataType.DOUBLE);
        BatchSampler t = new BatchSampler(x, y, GanRandom.stream(1, "t", 0));
        t.restore(st);
        assertEquals(next.x(), t.nextLabelled(3, DataType.DOUBLE).x());
        Batch real = Batch.labelledThenUnlabelled(s.nextLabelled(2, DataType.DOUBLE), s.next(3, DataType.DOUBLE));
        assertEquals(5, real.rows());
        assertEquals(-1, real.labels()[2]);
        assertEquals(-1, real.labels()[4]);
        assertTrue(real.labels()[0] >= 0 && real.labels()[1] >= 0);
        assertNull(new BatchSampler(x, null, GanRandom.stream(1, "t", 0)).nextLabelled(2, DataType.DOUBLE));
    }
}
