package io.sparkgan.core.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Training diverged: a loss, a gradient, the feedback or the generated samples hold NaN or
 * infinity. Raised before anything computed from the bad values is checkpointed, so the last
 * checkpoint stays the last good state and the run can be resumed (with other settings) from it.
 */
public final class DivergenceException extends RuntimeException {
    private final int iteration;

    public DivergenceException(int iteration, String where) {
        super("training diverged at iteration " + iteration + ": " + where + " is not finite (NaN or infinity)");
        this.iteration = iteration;
    }

    public int iteration() {
        return iteration;
    }

    /** The divergence behind {@code t} (itself or a cause, e.g. wrapped by Spark), or null. */
    public static DivergenceException in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof DivergenceException d) {
                return d;
            }
        }
        return null;
    }

    /** Throws if {@code value} is not finite; {@code where} names it, e.g. "worker 3's discriminator loss". */
    public static void check(double value, int iteration, String where) {
        if (!Double.isFinite(value)) {
            throw new DivergenceException(iteration, where);
        }
    }

    /** Throws if any element of {@code values} is not finite. */
    public static void check(INDArray values, int iteration, String where) {
        if (!finite(values)) {
            throw new DivergenceException(iteration, where);
        }
    }

    /** Throws if any of {@code values} is not finite. */
    public static void check(float[] values, int iteration, String where) {
        if (!finite(values)) {
            throw new DivergenceException(iteration, where);
        }
    }

    /** Whether every element is finite (not a sum: large finite values could overflow one). */
    public static boolean finite(INDArray values) {
        return values.length() == 0
                || !(BooleanIndexing.or(values, Conditions.isNan()) || BooleanIndexing.or(values, Conditions.isInfinite()));
    }

    public static boolean finite(float[] values) {
        float sum = 0;
        for (float v : values) {
            sum += v * 0; // NaN * 0 and ±inf * 0 are NaN; every finite value contributes exactly 0
        }
        return sum == 0;
    }
}
