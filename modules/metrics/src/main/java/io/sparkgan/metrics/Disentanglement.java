package io.sparkgan.metrics;

import io.sparkgan.core.GanRandom;
import java.util.Arrays;

/**
 * Disentanglement metrics of a representation against ground-truth factors of variation, for data
 * whose factors are known (dSprites): the mutual information gap and the FactorVAE score, the two
 * metrics InfoGAN-CR and ModelCentrality (Lin et al., seed 003) report.
 *
 * <ul>
 *   <li><b>MIG</b> (Chen, Li, Grosse and Duvenaud, "Isolating Sources of Disentanglement in
 *       Variational Autoencoders", NeurIPS 2018): for each factor v_k, the gap between the two
 *       largest mutual informations I(z_j; v_k) over the code dimensions, divided by H(v_k), averaged
 *       over the factors. Codes are discretised into equal-width bins per dimension (20 by default,
 *       as in Locatello et al.'s disentanglement_lib), and the informations are the plug-in
 *       estimates from counts. 1 when every factor is read off one dimension alone, 0 when every
 *       factor is spread evenly over two or more.
 *   <li><b>FactorVAE score</b> (Kim and Mnih, "Disentangling by Factorising", ICML 2018, §4): a vote
 *       draws a factor k and a batch of L samples sharing one value of k (the other factors
 *       random), divides each code dimension by its standard deviation over the whole data, and
 *       takes the dimension of least variance within the batch; a majority-vote classifier from
 *       dimensions to factors is trained on half of the votes and scored on the other half. Code
 *       dimensions whose overall standard deviation is below 0.05 (collapsed) never win a vote.
 * </ul>
 */
public final class Disentanglement {
    /** Equal-width bins per code dimension for MIG. */
    public static final int BINS = 20;
    /** Dimensions with a smaller overall standard deviation take no part in FactorVAE votes. */
    static final double COLLAPSED = 0.05;

    private Disentanglement() {}

    /**
     * The mutual information gap of codes {@code z} [n][d] against discrete factors {@code v} [n][K]
     * (values 0..{@code values[k]}−1). Factors that take a single value in the data (entropy 0) are
     * left out of the mean.
     */
    public static double mig(double[][] z, int[][] v, int[] values) {
        return migPerFactor(z, v, values, BINS)[values.length];
    }

    /**
     * Per factor, the normalised gap (NaN for a factor with one value in the data), then the mean
     * over the others at index K.
     */
    public static double[] migPerFactor(double[][] z, int[][] v, int[] values, int bins) {
        int n = z.length;
        int d = z[0].length;
        int[][] binned = new int[d][n];
        for (int j = 0; j < d; j++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double[] row : z) {
                lo = Math.min(lo, row[j]);
                hi = Math.max(hi, row[j]);
            }
            double width = (hi - lo) / bins;
            for (int i = 0; i < n; i++) {
                binned[j][i] = width == 0 ? 0 : Math.min(bins - 1, (int) ((z[i][j] - lo) / width));
            }
        }
        int factors = values.length;
        double[] out = new double[factors + 1];
        double sum = 0;
        int counted = 0;
        for (int k = 0; k < factors; k++) {
            int[] vk = column(v, k);
            double h = entropy(vk, values[k]);
            if (h <= 0) {
                out[k] = Double.NaN;
                continue;
            }
            double first = 0;
            double second = 0;
            for (int j = 0; j < d; j++) {
                double mi = mutualInformation(binned[j], bins, vk, values[k]);
                if (mi > first) {
                    second = first;
                    first = mi;
                } else if (mi > second) {
                    second = mi;
                }
            }
            out[k] = (first - second) / h;
            sum += out[k];
            counted++;
        }
        out[factors] = counted == 0 ? Double.NaN : sum / counted;
        return out;
    }

    /** Plug-in entropy in nats of {@code a} (values 0..{@code values}−1). */
    static double entropy(int[] a, int values) {
        double[] p = new double[values];
        for (int x : a) {
            p[x]++;
        }
        double h = 0;
        for (double c : p) {
            if (c > 0) {
                double q = c / a.length;
                h -= q * Math.log(q);
            }
        }
        return h;
    }

    /** Plug-in mutual information in nats of {@code a} and {@code b}. */
    static double mutualInformation(int[] a, int aValues, int[] b, int bValues) {
        int n = a.length;
        double[] joint = new double[aValues * bValues];
        double[] pa = new double[aValues];
        double[] pb = new double[bValues];
        for (int i = 0; i < n; i++) {
            joint[a[i] * bValues + b[i]]++;
            pa[a[i]]++;
            pb[b[i]]++;
        }
        double mi = 0;
        for (int x = 0; x < aValues; x++) {
            for (int y = 0; y < bValues; y++) {
                double c = joint[x * bValues + y];
                if (c > 0) {
                    mi += c / n * Math.log(c * n / (pa[x] * pb[y]));
                }
            }
        }
        return mi;
    }

    /** Draws factor rows and encodes them: what the FactorVAE score needs of the data and of the model. */
    public interface Source {
        /** {@code n} factor rows, each factor uniform, except factor {@code fixed} (if ≥ 0) equal to {@code value} in every row. */
        int[][] factors(int n, int fixed, int value, GanRandom rng);

        /** The representation of the data with factors {@code f} [n][K]: [n][d] codes. */
        double[][] encode(int[][] f);
    }

    /**
     * The FactorVAE score with {@code votes} votes of batches of {@code batch} samples; the scale of
     * each code dimension is its standard deviation over {@code reference} samples.
     *
     * @param values the number of values of each factor
     */
    public static double factorVaeScore(Source source, int[] values, int votes, int batch, int reference, GanRandom rng) {
        double[][] all = source.encode(source.factors(reference, -1, 0, rng));
        int d = all[0].length;
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            double mean = 0;
            for (double[] row : all) {
                mean += row[j] / all.length;
            }
            double var = 0;
            for (double[] row : all) {
                var += (row[j] - mean) * (row[j] - mean) / all.length;
            }
            scale[j] = Math.sqrt(var);
        }
        int factors = values.length;
        int[] voteDim = new int[votes];
        int[] voteFactor = new int[votes];
        for (int t = 0; t < votes; t++) {
            int k = rng.nextInt(factors);
            double[][] z = source.encode(source.factors(batch, k, rng.nextInt(values[k]), rng));
            int best = -1;
            double least = Double.POSITIVE_INFINITY;
            for (int j = 0; j < d; j++) {
                if (scale[j] < COLLAPSED) {
                    continue;
                }
                double mean = 0;
                for (double[] row : z) {
                    mean += row[j] / scale[j] / z.length;
                }
                double var = 0;
                for (double[] row : z) {
                    double x = row[j] / scale[j] - mean;
                    var += x * x / (z.length - 1);
                }
                if (var < least) {
                    least = var;
                    best = j;
                }
            }
            voteDim[t] = best;
            voteFactor[t] = k;
        }
        // The majority-vote classifier, trained on the first half of the votes and scored on the second.
        int train = votes / 2;
        int[][] counts = new int[d + 1][factors];
        for (int t = 0; t < train; t++) {
            counts[voteDim[t] + 1][voteFactor[t]]++; // index 0: every dimension collapsed
        }
        int[] predict = new int[d + 1];
        for (int j = 0; j <= d; j++) {
            int arg = 0;
            for (int k = 1; k < factors; k++) {
                if (counts[j][k] > counts[j][arg]) {
                    arg = k;
                }
            }
            predict[j] = arg;
        }
        int right = 0;
        for (int t = train; t < votes; t++) {
            right += predict[voteDim[t] + 1] == voteFactor[t] ? 1 : 0;
        }
        return (double) right / (votes - train);
    }

    /** Uniform factor rows over {@code values}, with factor {@code fixed} (if ≥ 0) set to {@code value}: the usual {@link Source#factors}. */
    public static int[][] uniformFactors(int[] values, int n, int fixed, int value, GanRandom rng) {
        int[][] f = new int[n][values.length];
        for (int[] row : f) {
            for (int k = 0; k < values.length; k++) {
                row[k] = k == fixed ? value : rng.nextInt(values[k]);
            }
        }
        return f;
    }

    static int[] column(int[][] v, int k) {
        return Arrays.stream(v).mapToInt(r -> r[k]).toArray();
    }
}
