package io.sparkgan.core.refine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.FiniteDifferences;
import io.sparkgan.core.GanRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Langevin dynamics on a known energy, a quadratic well, whose stationary law is N(μ, s²I). */
class LangevinTest {
    private static final double[] MU = {3.0, -2.0};
    private static final double S = 0.5;

    /** E(x) = ‖x − μ‖² / (2s²), ∇E = (x − μ) / s². */
    static final Energy WELL = x -> {
        INDArray mu = Nd4j.create(MU, new long[] {1, MU.length}, DataType.DOUBLE);
        INDArray diff = x.subRowVector(mu);
        double[] e = diff.mul(diff).sum(1).div(2 * S * S).toDoubleVector();
        return new Energy.Evaluation(e, diff.div(S * S));
    };

    private static INDArray start(int n) {
        // Far from the well and too narrow: both the mean and the spread have to move.
        return FiniteDifferences.gaussian(5, n, 2, 0.1);
    }

    private static double[][] meanAndVariance(INDArray x) {
        double[][] m = x.toDoubleMatrix();
        int d = m[0].length;
        double[] mean = new double[d];
        double[] var = new double[d];
        for (double[] row : m) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / m.length;
            }
        }
        for (double[] row : m) {
            for (int j = 0; j < d; j++) {
                var[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / (m.length - 1);
            }
        }
        return new double[][] {mean, var};
    }

    @Test
    void withNoiseOfRootEpsilonTheSamplesReachTheWellsMeanAndVariance() {
        double eps = 0.005;
        INDArray x = new Langevin(1000, eps, Math.sqrt(eps)).run(WELL, start(2000), new GanRandom(1));
        double[][] mv = meanAndVariance(x);
        for (int j = 0; j < 2; j++) {
            // Standard error of the mean: s/√2000 ≈ 0.011.
            assertEquals(MU[j], mv[0][j], 0.05, "mean of coordinate " + j);
            // Discretisation inflates the variance by 1/(1 − ε/(4s²)) ≈ 1.005; sampling error ≈ 3 %.
            assertEquals(S * S, mv[1][j], 0.1 * S * S, "variance of coordinate " + j);
        }
    }

    @Test
    void everyRowTakesExactlyItsStepsWhenTheSamplesSpanSeveralChunks() {
        // Gradient descent on the well: x_S = μ + (1 − ε/(2s²))^S (x₀ − μ), row by row.
        int n = 2 * Langevin.CHUNK + 452;
        double eps = 0.01;
        INDArray x0 = start(n);
        INDArray x = new Langevin(7, eps, 0).run(WELL, x0, new GanRandom(1));
        double shrink = Math.pow(1 - eps / (2 * S * S), 7);
        INDArray mu = Nd4j.create(MU, new long[] {1, MU.length}, DataType.DOUBLE);
        INDArray expected = x0.subRowVector(mu).mul(shrink).addRowVector(mu);
        assertEquals(0, x.sub(expected).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void withoutNoiseTheSamplesCollapseOntoTheMinimum() {
        INDArray x = new Langevin(1000, 0.005, 0).run(WELL, start(200), new GanRandom(1));
        double[][] mv = meanAndVariance(x);
        for (int j = 0; j < 2; j++) {
            assertEquals(MU[j], mv[0][j], 1e-3);
            assertTrue(mv[1][j] < 1e-4 * S * S, "variance " + mv[1][j]);
        }
    }

    @Test
    void zeroStepsLeaveTheSamplesAndTheInputIsNeverChanged() {
        INDArray x0 = start(10);
        INDArray copy = x0.dup();
        assertEquals(copy, new Langevin(0, 0.1, 1).run(WELL, x0, new GanRandom(1)));
        new Langevin(5, 0.1, 1).run(WELL, x0, new GanRandom(1));
        assertEquals(copy, x0);
    }

    @Test
    void deterministicForASeedAndDifferentForAnother() {
        Langevin l = new Langevin(20, 0.01, 0.1);
        double[] a = l.run(WELL, start(50), new GanRandom(7)).ravel().toDoubleVector();
        double[] b = l.run(WELL, start(50), new GanRandom(7)).ravel().toDoubleVector();
        double[] c = l.run(WELL, start(50), new GanRandom(8)).ravel().toDoubleVector();
        assertArrayEquals(a, b, 0.0);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void refusesBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new Langevin(-1, 0.1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Langevin(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Langevin(1, 0.1, -0.5));
        assertThrows(IllegalArgumentException.class, () -> new Langevin(1, Double.NaN, 0));
    }
}
