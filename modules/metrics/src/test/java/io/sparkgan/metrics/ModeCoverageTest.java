package io.sparkgan.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class ModeCoverageTest {
    /** Four modes at the corners of a square, std 0.1: high quality means within 0.3 of a corner. */
    private final ModeCoverage square = new ModeCoverage(new double[][] {{0, 0}, {1, 0}, {0, 1}, {1, 1}}, 0.1);

    @Test
    void perfectBalanceOverAllModes() {
        ModeCoverage.Result r = square.evaluate(new double[][] {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0.05, 0}, {1, 0.05}, {0, 0.95}, {0.9, 1}});
        assertEquals(4, r.modesCovered());
        assertEquals(100.0, r.highQualityPct(), 1e-12);
        assertEquals(0.0, r.reverseKl(), 1e-12);
    }

    @Test
    void halfTheModesHalfTheSamplesHighQuality() {
        // 2 modes hit twice each, 4 samples far from every mode (0.5, 0.5) or beyond 3 std.
        ModeCoverage.Result r = square.evaluate(new double[][] {
            {0, 0}, {0.1, 0.1}, {1, 1}, {0.8, 0.9}, {0.5, 0.5}, {0.35, 0}, {1.5, 1.5}, {0.5, 0.49}});
        assertArrayEquals(new int[] {2, 0, 0, 2}, r.histogram());
        assertEquals(2, r.modesCovered());
        assertEquals(50.0, r.highQualityPct(), 1e-12);
        assertEquals(Math.log(2), r.reverseKl(), 1e-12, "uniform over 2 of 4 modes: KL = log(4/2)");
    }

    @Test
    void skewedHistogramGivesTheHandComputedKl() {
        List<double[]> s = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            s.add(new double[] {0, 0});
        }
        s.add(new double[] {1, 0});
        ModeCoverage.Result r = square.evaluate(s.toArray(new double[0][]));
        double expected = 0.75 * Math.log(0.75 * 4) + 0.25 * Math.log(0.25 * 4);
        assertEquals(expected, r.reverseKl(), 1e-12);
        assertEquals(2, r.modesCovered());
    }

    @Test
    void noHighQualitySampleMeansNothingCoveredAndUndefinedKl() {
        ModeCoverage.Result r = square.evaluate(new double[][] {{0.5, 0.5}, {3, 3}});
        assertEquals(0, r.modesCovered());
        assertEquals(0.0, r.highQualityPct());
        assertTrue(Double.isNaN(r.reverseKl()));
    }

    @Test
    void boundaryAtExactlyThreeStdCountsAsHighQuality() {
        assertEquals(1, square.evaluate(new double[][] {{0.3, 0}}).modesCovered());
        assertEquals(0, square.evaluate(new double[][] {{0.3001, 0}}).modesCovered());
    }

    @Test
    void evaluatorInterfaceReportsTheThreeNamedMetrics() {
        Map<String, Double> m = square.evaluate(Nd4j.create(new double[][] {{0, 0}, {1, 1}}).castTo(DataType.FLOAT));
        assertEquals(List.of("modes_covered", "high_quality_pct", "reverse_kl"), List.copyOf(m.keySet()));
        assertEquals(2.0, m.get("modes_covered"));
        assertEquals(100.0, m.get("high_quality_pct"), 1e-9);
        assertEquals(Math.log(2), m.get("reverse_kl"), 1e-9);
    }
}
