package io.sparkgan.metrics;

/**
 * The Inception-score formula (Salimans et al., "Improved Techniques for Training GANs", NeurIPS
 * 2016, §4) applied to the class probabilities of our own evaluation classifier:
 * <pre>  exp( E_x KL( p(y|x) ‖ p(y) ) ),   p(y) = mean of p(y|x) over the samples</pre>
 * It ranges from 1 (every sample gets the same prediction, or no prediction is confident) to the
 * number of classes (confident predictions spread evenly over all classes). As in the paper's
 * reference code, the samples may be cut into {@code splits} consecutive parts, each scored with its
 * own p(y), and the result is the mean and the (population) standard deviation of the part scores.
 */
public final class ClassifierScore {
    /** How far a row's sum may stray from 1: float32 softmax outputs are off by far less. */
    static final double SUM_TOLERANCE = 1e-3;

    private ClassifierScore() {}

    /** Mean and population standard deviation of the per-split scores. */
    public record Result(double mean, double std, int splits) {}

    /** The score of {@code probabilities} ([n][classes], rows are probability vectors) as one split. */
    public static double score(float[][] probabilities) {
        return score(probabilities, 1).mean();
    }

    /** The score over {@code splits} consecutive parts of the rows (1 ≤ splits ≤ n). */
    public static Result score(float[][] probabilities, int splits) {
        int n = probabilities.length;
        if (n == 0) {
            throw new IllegalArgumentException("no probability rows; expected at least one");
        }
        if (splits < 1 || splits > n) {
            throw new IllegalArgumentException("splits " + splits + " is invalid; expected 1 to " + n + " (the number of rows)");
        }
        int classes = probabilities[0].length;
        for (int r = 0; r < n; r++) {
            check(probabilities[r], r, classes);
        }
        double[] scores = new double[splits];
        for (int s = 0; s < splits; s++) {
            // The same cut as the reference code: part s holds rows [s·n/splits, (s+1)·n/splits).
            int from = (int) ((long) s * n / splits);
            int to = (int) ((long) (s + 1) * n / splits);
            scores[s] = partScore(probabilities, from, to, classes);
        }
        double mean = 0;
        for (double v : scores) {
            mean += v;
        }
        mean /= splits;
        double var = 0;
        for (double v : scores) {
            var += (v - mean) * (v - mean);
        }
        return new Result(mean, Math.sqrt(var / splits), splits);
    }

    private static double partScore(float[][] p, int from, int to, int classes) {
        double[] marginal = new double[classes];
        for (int r = from; r < to; r++) {
            for (int k = 0; k < classes; k++) {
                marginal[k] += p[r][k];
            }
        }
        double[] logMarginal = new double[classes];
        for (int k = 0; k < classes; k++) {
            logMarginal[k] = Math.log(marginal[k] / (to - from));
        }
        double klSum = 0;
        for (int r = from; r < to; r++) {
            for (int k = 0; k < classes; k++) {
                double q = p[r][k];
                // 0·log 0 = 0; and q > 0 implies the marginal is > 0, so the log is finite.
                if (q > 0) {
                    klSum += q * (Math.log(q) - logMarginal[k]);
                }
            }
        }
        return Math.exp(klSum / (to - from));
    }

    private static void check(float[] row, int r, int classes) {
        if (row.length != classes) {
            throw new IllegalArgumentException("probability row " + r + " has " + row.length + " classes; expected " + classes + " like row 0");
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            if (!(row[k] >= 0) || Float.isInfinite(row[k])) {
                throw new IllegalArgumentException("probability row " + r + " holds " + row[k] + " at class " + k
                        + "; expected a probability vector (non-negative entries summing to 1)");
            }
            sum += row[k];
        }
        if (Math.abs(sum - 1) > SUM_TOLERANCE) {
            throw new IllegalArgumentException("probability row " + r + " sums to " + sum
                    + "; expected a probability vector (non-negative entries summing to 1)");
        }
    }
}
