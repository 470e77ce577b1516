package io.sparkgan.metrics;

import java.util.Arrays;
import java.util.List;

/**
 * ModelCentrality (Lin, Thekumparampil, Fanti and Oh, "InfoGAN-CR and ModelCentrality:
 * Self-supervised Model Training and Selection for Disentangling GANs", ICML 2020, §4): among
 * trained models, pick the one closest on average to all the others, using generated samples only.
 * The intuition of the paper: good models agree with one another, while bad models are bad in
 * different ways, so the medoid of the candidates under a similarity between models is a good
 * model, and no real data is needed to find it.
 *
 * <p>Here the similarity of two models is minus the Fréchet distance between their samples'
 * feature statistics ({@link Fid#distance}: in the evaluation classifier's feature space for image
 * data, the FID between the two models), the paper's choice for sample quality; a model's
 * centrality is its mean similarity to the other candidates, and the pick is the most central one.
 */
public final class ModelCentrality {
    private ModelCentrality() {}

    /**
     * @param distance the symmetric matrix of Fréchet distances between candidates
     * @param centrality each candidate's mean similarity (−distance) to the others
     * @param pick the index of the most central candidate (the first on a tie)
     */
    public record Ranking(double[][] distance, double[] centrality, int pick) {}

    /** Ranks {@code candidates} (at least two) by centrality. */
    public static Ranking rank(List<Fid.FeatureStats> candidates) {
        int n = candidates.size();
        if (n < 2) {
            throw new IllegalArgumentException("model selection needs at least 2 candidates, got " + n);
        }
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                d[i][j] = Fid.distance(candidates.get(i), candidates.get(j));
                d[j][i] = d[i][j];
            }
        }
        return rank(d);
    }

    /**
     * Ranks candidates by their mean pairwise {@code similarity} (the paper's form for
     * disentanglement: a FactorVAE-style score of one model's Q on another's samples, symmetrised);
     * the ranking's distances are {@code 1 − similarity} and its centralities the mean similarities.
     */
    public static Ranking rankBySimilarity(double[][] similarity) {
        int n = similarity.length;
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i][j] = i == j ? 0 : 1 - similarity[i][j];
            }
        }
        Ranking r = rank(d);
        double[] centrality = java.util.Arrays.stream(r.centrality()).map(c -> c + 1).toArray();
        return new Ranking(d, centrality, r.pick());
    }

    /** Ranks candidates by centrality from their pairwise distances. */
    public static Ranking rank(double[][] distance) {
        int n = distance.length;
        double[] centrality = new double[n];
        int pick = 0;
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    sum -= distance[i][j];
                }
            }
            centrality[i] = sum / (n - 1);
            if (centrality[i] > centrality[pick]) {
                pick = i;
            }
        }
        return new Ranking(distance, centrality, pick);
    }

    /** Spearman's rank correlation of {@code a} and {@code b} (ties get their mean rank); NaN when either is constant. */
    public static double spearman(double[] a, double[] b) {
        if (a.length != b.length || a.length < 2) {
            throw new IllegalArgumentException("rank correlation needs two series of the same length of at least 2, got " + a.length + " and " + b.length);
        }
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = Arrays.stream(ra).average().orElse(0);
        double mb = Arrays.stream(rb).average().orElse(0);
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < ra.length; i++) {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
    }

    /** Ranks 1..n of {@code x}, ties sharing their mean rank. */
    static double[] ranks(double[] x) {
        Integer[] order = new Integer[x.length];
        for (int i = 0; i < x.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (p, q) -> Double.compare(x[p], x[q]));
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; ) {
            int j = i;
            while (j + 1 < x.length && x[order[j + 1]] == x[order[i]]) {
                j++;
            }
            double mean = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = mean;
            }
            i = j + 1;
        }
        return r;
    }
}
