package io.sparkgan.cli;

import io.sparkgan.core.objective.Objectives;
import io.sparkgan.data.DataOptions;
import io.sparkgan.data.DataSources;
import io.sparkgan.data.Datasets;
import io.sparkgan.data.ImageShape;
import io.sparkgan.core.nn.Networks;
import java.util.Locale;

/**
 * What a run asks of its data, checked against what is known about the data: before Spark starts
 * (the embedded mixtures and the fetched datasets are known by name), and again once the data has
 * been read (headers, listings, the table check), before the evaluation classifier or the shards
 * are built. The rules are those the split ({@code ShardPlan}), the networks and the objectives
 * apply later, so a run refused here would have failed there, after the expensive steps.
 */
final class DataChecks {
    private DataChecks() {}

    /**
     * What is known about a dataset; -1 where it is not known yet.
     *
     * @param classes 0 for unlabelled data
     * @param shape image shape, or null (vectors, or not known)
     */
    record Facts(long rows, int classes, int dimension, ImageShape shape, String description) {
        /** What the configuration alone tells: everything for a mixture, the classes and image size of a fetched dataset. */
        static Facts of(RunConfig c) {
            if (c.synthetic()) {
                int modes = Datasets.mixture(c.getDataset()).modes();
                return new Facts(c.getDatasetSize(), modes, 2, null,
                        c.getDataset() + " (" + count(c.getDatasetSize(), "row") + ", " + modes + " classes)");
            }
            if (DataSources.NAMED.containsKey(c.getDataset())) {
                DataOptions o = RunData.options(c);
                ImageShape shape = o.resizeTo() != null ? o.resizeTo() : new ImageShape(28, 28, o.channels());
                return new Facts(-1, DataSources.NAMED.get(c.getDataset()).size(), shape.size(), shape, c.getDataset());
            }
            return new Facts(-1, -1, -1, null, c.getDataset());
        }
    }

    /** @throws UsageException naming the setting, the data and what would work */
    static void check(RunConfig c, Facts f) {
        int workers = c.getWorkers();
        if (f.rows() >= 0 && f.rows() < workers) {
            throw new UsageException("workers is " + workers + " but " + f.description() + " has " + count(f.rows(), "row") + "; expected at most "
                    + count(f.rows(), "worker") + " (each needs at least one row)");
        }
        String mode = c.getShards().trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("iid") && f.classes() == 0) {
            throw new UsageException("--shards " + mode + " needs labelled data (a 'label' column) but " + f.description() + " has none; expected --shards iid");
        }
        if (mode.startsWith("label-skew:") && f.classes() > 0) {
            int perWorker = Integer.parseInt(mode.substring("label-skew:".length()));
            int classes = f.classes();
            if (perWorker > classes) {
                throw new UsageException("--shards " + mode + " asks for " + perWorker + " classes per worker but " + f.description() + " has "
                        + classes + "; expected label-skew:1 to label-skew:" + classes);
            }
            if ((long) workers * perWorker < classes) {
                throw new UsageException("--shards " + mode + " with " + workers + " workers covers " + (long) workers * perWorker + " of the "
                        + classes + " classes of " + f.description() + "; expected workers × " + perWorker + " ≥ " + classes + " (at least "
                        + ceilDiv(classes, perWorker) + " workers, or label-skew:" + ceilDiv(classes, workers) + ")");
            }
        }
        if (Objectives.conditional(c.getObjective())) {
            if (f.classes() == 0) {
                throw new UsageException("objective " + c.getObjective() + " needs labelled data (a 'label' column) but " + f.description()
                        + " has none; expected objective nonsaturating");
            }
            if (f.classes() > 0 && c.getClasses() > 0 && c.getClasses() < f.classes()) {
                throw new UsageException("classes is " + c.getClasses() + " but " + f.description() + " has " + f.classes()
                        + " classes; expected at least " + f.classes() + " (or 0 to take them from the data)");
            }
        }
        boolean dcgan = c.getGenerator().kind().equals("dcgan") || c.getDiscriminator().kind().equals("dcgan");
        int side = Networks.DCGAN_SIDE;
        if (dcgan && f.dimension() >= 0 && f.dimension() != side * side) {
            throw new UsageException("data dimension " + f.dimension() + (f.shape() == null ? "" : " (" + f.shape() + " images)") + " of "
                    + f.description() + " does not fit the dcgan networks (" + side + "x" + side + "x1 images) (expects " + side * side + ")");
        }
    }

    private static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
