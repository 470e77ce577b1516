package io.sparkgan.spark;

import io.sparkgan.core.GanRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a dataset is split across workers: which worker holds each row. Pure and seeded, so the same
 * seed, data and worker count always give the same shards (and tests can check the split without
 * Spark). Three modes:
 *
 * <ul>
 *   <li>{@code iid}: rows dealt by a seeded permutation; shard sizes differ by at most one.
 *   <li>{@code label-skew:c}: every worker holds exactly {@code c} classes, the non-IID split of
 *   McMahan et al. ("Communication-Efficient Learning of Deep Networks from Decentralized Data",
 *   AISTATS 2017) made exact: classes are put in a seeded random order and worker {@code n} takes
 *   classes {@code n·c, …, n·c + c − 1} of that order (cyclically); each class's rows are shuffled
 *   and divided evenly among the workers holding it. {@code workers × c} must reach the number of
 *   classes, or some classes would be dropped.
 *   <li>{@code dirichlet:α}: per class, the share of each worker is drawn from Dirichlet(α) (Hsu,
 *   Qi and Brown, "Measuring the Effects of Non-Identical Data Distribution for Federated Visual
 *   Classification", 2019); small α gives very skewed shards, large α nearly IID ones. Draws are
 *   repeated (from the same stream) until every worker holds at least one row.
 * </ul>
 */
public record ShardPlan(String mode, int[] workerOf, int workers, int classes) {
    public static final String MODES = "iid, label-skew:C (classes per worker) or dirichlet:ALPHA";

    /** Checks a mode string without data (the CLI calls this before any Spark job). */
    public static void validateMode(String mode) {
        parse(mode);
    }

    /**
     * @param labels each row's class, or null for unlabelled data (then only iid is possible)
     * @param rows the number of rows
     */
    public static ShardPlan of(String mode, int[] labels, int rows, int workers, long seed) {
        Object[] m = parse(mode);
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        if (rows < workers) {
            throw new IllegalArgumentException("the data has " + rows + " rows but " + workers + " workers were asked for; each worker needs at least one row");
        }
        String kind = (String) m[0];
        if (!kind.equals("iid") && labels == null) {
            throw new IllegalArgumentException("--shards " + mode + " needs labelled data (a 'label' column); this data has none, use --shards iid");
        }
        int classes = labels == null ? 0 : Arrays.stream(labels).max().orElse(-1) + 1;
        GanRandom rng = GanRandom.stream(seed, "shards", 0);
        int[] workerOf = switch (kind) {
            case "iid" -> iid(rows, workers, rng);
            case "label-skew" -> labelSkew(labels, classes, (Integer) m[1], workers, rng, mode);
            default -> dirichlet(labels, classes, (Double) m[1], workers, rng);
        };
        return new ShardPlan(mode, workerOf, workers, classes);
    }

    private static Object[] parse(String mode) {
        String s = mode == null ? "" : mode.trim().toLowerCase(Locale.ROOT);
        if (s.equals("iid")) {
            return new Object[] {"iid"};
        }
        try {
            if (s.startsWith("label-skew:")) {
                int c = Integer.parseInt(s.substring("label-skew:".length()));
                if (c >= 1) {
                    return new Object[] {"label-skew", c};
                }
            } else if (s.startsWith("dirichlet:")) {
                double a = Double.parseDouble(s.substring("dirichlet:".length()));
                if (a > 0 && Double.isFinite(a)) {
                    return new Object[] {"dirichlet", a};
                }
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("--shards '" + mode + "' is not valid; expected " + MODES + " (C a positive integer, ALPHA a positive number)");
    }

    private static int[] iid(int rows, int workers, GanRandom rng) {
        int[] perm = rng.permutation(rows);
        int[] workerOf = new int[rows];
        for (int i = 0; i < rows; i++) {
            workerOf[i] = perm[i] % workers;
        }
        return workerOf;
    }

    private static int[] labelSkew(int[] labels, int classes, int perWorker, int workers, GanRandom rng, String mode) {
        if (perWorker > classes) {
            throw new IllegalArgumentException("--shards " + mode + " asks for " + perWorker + " classes per worker but the data has " + classes);
        }
        if ((long) workers * perWorker < classes) {
            throw new IllegalArgumentException("--shards " + mode + " with " + workers + " workers covers " + workers * perWorker + " of "
                    + classes + " classes; expected workers × " + perWorker + " ≥ " + classes);
        }
        int[] classOrder = rng.permutation(classes);
        List<List<Integer>> holders = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            holders.add(new ArrayList<>());
        }
        for (int w = 0; w < workers; w++) {
            for (int j = 0; j < perWorker; j++) {
                holders.get(classOrder[(w * perWorker + j) % classes]).add(w);
            }
        }
        int[] workerOf = new int[labels.length];
        int[][] rowsByClass = rowsByClass(labels, classes);
        for (int k = 0; k < classes; k++) {
            int[] rows = rowsByClass[k];
            int[] perm = rng.permutation(rows.length);
            List<Integer> h = holders.get(k);
            for (int i = 0; i < rows.length; i++) {
                workerOf[rows[perm[i]]] = h.get(i % h.size());
            }
        }
        return workerOf;
    }

    private static int[] dirichlet(int[] labels, int classes, double alpha, int workers, GanRandom rng) {
        int[][] rowsByClass = rowsByClass(labels, classes);
        for (int attempt = 0; attempt < 1000; attempt++) {
            int[] workerOf = new int[labels.length];
            long[] sizes = new long[workers];
            for (int k = 0; k < classes; k++) {
                int[] rows = rowsByClass[k];
                double[] p = new double[workers];
                double sum = 0;
                for (int w = 0; w < workers; w++) {
                    p[w] = gamma(rng, alpha);
                    sum += p[w];
                }
                // Cumulative shares turned into row counts; the last worker takes the rounding remainder.
                int[] perm = rng.permutation(rows.length);
                double cum = 0;
                int start = 0;
                for (int w = 0; w < workers; w++) {
                    cum += p[w] / sum;
                    int end = w == workers - 1 ? rows.length : (int) Math.round(cum * rows.length);
                    for (int i = start; i < end; i++) {
                        workerOf[rows[perm[i]]] = w;
                    }
                    // Cumulative shares only grow, so end >= start.
                    sizes[w] += end - start;
                    start = end;
                }
            }
            if (Arrays.stream(sizes).allMatch(s -> s > 0)) {
                return workerOf;
            }
        }
        throw new IllegalArgumentException("dirichlet:" + alpha + " left a worker without data in 1000 draws; use a larger alpha or fewer workers");
    }

    /** The row indexes of each class, in row order (one pass over the labels). */
    private static int[][] rowsByClass(int[] labels, int classes) {
        int[] counts = new int[classes];
        for (int y : labels) {
            counts[y]++;
        }
        int[][] rows = new int[classes][];
        for (int k = 0; k < classes; k++) {
            rows[k] = new int[counts[k]];
        }
        int[] next = new int[classes];
        for (int i = 0; i < labels.length; i++) {
            rows[labels[i]][next[labels[i]]++] = i;
        }
        return rows;
    }

    /** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape < 1. */
    static double gamma(GanRandom rng, double shape) {
        if (shape < 1) {
            double u = rng.nextDouble();
            return gamma(rng, shape + 1) * Math.pow(Math.max(u, Double.MIN_VALUE), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = rng.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /** Rows per worker. */
    public long[] sizes() {
        long[] s = new long[workers];
        for (int w : workerOf) {
            s[w]++;
        }
        return s;
    }

    /** Rows per worker and class, [worker][class] (empty rows for unlabelled data). */
    public long[][] histogram(int[] labels) {
        long[][] h = new long[workers][classes];
        if (labels != null) {
            for (int i = 0; i < workerOf.length; i++) {
                h[workerOf[i]][labels[i]]++;
            }
        }
        return h;
    }
}
