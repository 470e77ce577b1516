package io.sparkgan.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Central finite differences for gradient checks (use double precision). */
public final class FiniteDifferences {
    public static final double EPS = 1e-6;

    private FiniteDifferences() {}

    /** A [rows, cols] double matrix of seeded Gaussian values times {@code scale}. */
    public static INDArray gaussian(long seed, int rows, int cols, double scale) {
        io.sparkgan.core.GanRandom r = new io.sparkgan.core.GanRandom(seed);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * r.nextGaussian();
        }
        return org.nd4j.linalg.factory.Nd4j.create(v, new long[] {rows, cols}, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    }

    /**
     * Max over entries of |a-b| / max(|a|+|b|, 1e-3 · the largest |a|+|b|), with entries below 1e-9
     * in both ignored. The floor: central differences carry an absolute rounding error of about
     * ε·|loss|/h (≈ 2e-10 for a loss of 2 at h = 1e-6), so an entry four orders below the largest
     * cannot be checked relative to itself; it is checked to 1e-3 of the gradient's scale instead.
     * (Without the floor, an entry of 8.6e-5 against a largest of 0.63 failed at 1.9e-6 on one
     * ND4J build and passed on another.)
     */
    public static double relError(INDArray analytic, double[] numeric) {
        double[] a = analytic.ravel().toDoubleVector();
        assertEquals(numeric.length, a.length);
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]) + Math.abs(numeric[i]));
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double den = Math.abs(a[i]) + Math.abs(numeric[i]);
            if (den > 1e-9) {
                worst = Math.max(worst, Math.abs(a[i] - numeric[i]) / Math.max(den, 1e-3 * scale));
            }
        }
        return worst;
    }

    /** Central differences of {@code loss} over every entry of {@code x} (perturbed in place). */
    public static double[] numericGradient(INDArray x, Supplier<Double> loss) {
        INDArray flat = x.reshape(x.length());
        double[] g = new double[(int) x.length()];
        for (int i = 0; i < g.length; i++) {
            double v = flat.getDouble(i);
            flat.putScalar(i, v + EPS);
            double plus = loss.get();
            flat.putScalar(i, v - EPS);
            double minus = loss.get();
            flat.putScalar(i, v);
            g[i] = (plus - minus) / (2 * EPS);
        }
        return g;
    }
}
