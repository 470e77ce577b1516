package io.sparkgan.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClassifierScoreTest {
    @Test
    void oneHotPredictionsSpreadEvenlyOverTenClassesScoreTen() {
        float[][] p = new float[200][10];
        for (int i = 0; i < p.length; i++) {
            p[i][i % 10] = 1;
        }
        assertEquals(10.0, ClassifierScore.score(p), 1e-9);
    }

    @Test
    void everySamplePredictingTheSameClassScoresOne() {
        float[][] p = new float[50][10];
        for (float[] row : p) {
            row[3] = 1;
        }
        assertEquals(1.0, ClassifierScore.score(p), 1e-12);
    }

    @Test
    void uniformPredictionsScoreOne() {
        float[][] p = new float[40][8];
        for (float[] row : p) {
            java.util.Arrays.fill(row, 0.125f);
        }
        assertEquals(1.0, ClassifierScore.score(p), 1e-12);
    }

    @Test
    void twoClassCaseMatchesTheHandComputedValue() {
        // p(y) = (0.55, 0.45); KL1 = 0.9 ln(0.9/0.55) + 0.1 ln(0.1/0.45), KL2 = 0.2 ln(0.2/0.55) + 0.8 ln(0.8/0.45);
        // exp((KL1 + KL2) / 2) = 1.3170522760436802 (tolerance covers 0.9f, 0.1f ... not being exact).
        float[][] p = {{0.9f, 0.1f}, {0.2f, 0.8f}};
        assertEquals(1.3170522760436802, ClassifierScore.score(p), 1e-6);
    }

    @Test
    void splitsScoreConsecutivePartsAndReportMeanAndPopulationStd() {
        // Part 1 is the two-class case above; part 2 is {0.5, 0.5}, {1, 0}: p(y) = (0.75, 0.25),
        // exp((0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25) + ln(1/0.75)) / 2) = 1.2408064788027995.
        float[][] p = {{0.9f, 0.1f}, {0.2f, 0.8f}, {0.5f, 0.5f}, {1f, 0f}};
        ClassifierScore.Result r = ClassifierScore.score(p, 2);
        assertEquals(2, r.splits());
        assertEquals((1.3170522760436802 + 1.2408064788027995) / 2, r.mean(), 1e-6);
        assertEquals((1.3170522760436802 - 1.2408064788027995) / 2, r.std(), 1e-6);
        ClassifierScore.Result one = ClassifierScore.score(p, 1);
        assertEquals(0.0, one.std());
        assertEquals(ClassifierScore.score(p), one.mean());
    }

    @Test
    void rowsThatAreNotProbabilityVectorsAreRejectedByName() {
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> ClassifierScore.score(new float[][] {{0.5f, 0.5f}, {1.2f, -0.2f}}));
        assertTrue(neg.getMessage().contains("row 1") && neg.getMessage().contains("-0.2"), neg.getMessage());
        IllegalArgumentException sum = assertThrows(IllegalArgumentException.class,
                () -> ClassifierScore.score(new float[][] {{0.5f, 0.3f}}));
        assertTrue(sum.getMessage().contains("sums to 0.8"), sum.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClassifierScore.score(new float[][] {{Float.NaN, 1f}}));
        assertThrows(IllegalArgumentException.class, () -> ClassifierScore.score(new float[][] {{1f, 0f}, {1f}}));
        assertThrows(IllegalArgumentException.class, () -> ClassifierScore.score(new float[0][]));
        IllegalArgumentException splits = assertThrows(IllegalArgumentException.class,
                () -> ClassifierScore.score(new float[][] {{1f, 0f}}, 2));
        assertTrue(splits.getMessage().contains("splits 2"), splits.getMessage());
    }
}
