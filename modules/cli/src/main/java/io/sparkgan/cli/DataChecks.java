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
                int classes = Datasets.classes(c.getDataset());
                return new Facts(c.getDatasetSize(), classes, Datasets.dimension(c.getDataset()), Datasets.imageShape(c.getDataset()),
                        c.getDataset() + " (" + count(c.getDatasetSize(), "row") + ", " + classes + " classes)");
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
        if (f.classes() >= 0) {
            try {
                // The same rule the adversarial autoencoder applies when it is built (a component per class).
                io.sparkgan.core.aae.AdversarialAutoencoder.conditioning(c, f.classes());
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage().replace("the data", f.description()));
            }
        }
        boolean dcgan = c.getGenerator().kind().equals("dcgan") || c.getDiscriminator().kind().equals("dcgan");
        int side = Networks.DCGAN_SIDE;
        if (dcgan && f.dimension() >= 0 && f.dimension() != side * side) {
            throw new UsageException("data dimension " + f.dimension() + (f.shape() == null ? "" : " (" + f.shape() + " images)") + " of "
                    + f.description() + " does not fit the dcgan networks (" + side + "x" + side + "x1 images) (expects " + side * side + ")");
        }
        checkSize(c, f, nd4jRoom());
    }

    /**
     * The memory ND4J's arrays can still take in this JVM: JavaCPP's process-size cap
     * (maxphysicalbytes, or the machine's memory when uncapped or smaller) less the process's size
     * now. Not maxbytes: ND4J's array buffers are not among the bytes JavaCPP counts against it,
     * while any allocation past maxphysicalbytes fails (src/bench/nd4j-memory-caps.sh,
     * docs/benchmarks.md). An upper bound on the room, as the check it feeds must not refuse a run
     * that would fit.
     */
    static long nd4jRoom() {
        long machine = org.bytedeco.javacpp.Pointer.totalPhysicalBytes();
        long cap = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
        long process = cap > 0 && (machine <= 0 || cap < machine) ? cap : machine;
        return Math.max(0, process - org.bytedeco.javacpp.Pointer.physicalBytes());
    }

    /**
     * Refuses fully connected networks that cannot fit in this JVM: ND4J allocates them outside the
     * heap and aborts the whole process (exit 134, a crash log in the working folder) instead of
     * throwing when an allocation fails, e.g. for a latent dimension with a few zeros too many.
     * Counted: parameters, gradients and Adam's two moments of one generator and one discriminator
     * (what the driver holds in every strategy), and a batch's activations and their gradients; a
     * lower bound, so nothing that would have run is refused.
     */
    static void checkSize(RunConfig c, Facts f, long budgetBytes) {
        if (f.dimension() < 0 || !c.getGenerator().kind().equals("mlp") || !c.getDiscriminator().kind().equals("mlp")) {
            return;
        }
        int classes = Objectives.conditional(c.getObjective()) ? Math.max(c.getClasses(), Math.max(f.classes(), 0)) : 0;
        int dOut = Objectives.conditional(c.getObjective()) ? classes + 1 : 1;
        double[] g = mlp(c.getLatentDim() + classes, c.getGenerator().widths(), f.dimension());
        double[] d = mlp(f.dimension(), c.getDiscriminator().widths(), dOut);
        double bytes = 4.0 * (4 * (g[0] + d[0]) + 2.0 * c.getBatchSize() * (g[1] + d[1]));
        if (bytes > budgetBytes) {
            throw new UsageException(String.format(Locale.ROOT, "the networks are too large for this JVM: generator %s on %d-d codes and discriminator %s"
                    + " on %d-d data have %.3g parameters, which with Adam's state and a batch of %d take about %s; expected at most %s"
                    + " (check latent-dim, the widths and batch-size, or raise org.bytedeco.javacpp.maxphysicalbytes)",
                    c.getGenerator(), c.getLatentDim() + classes, c.getDiscriminator(), f.dimension(), g[0] + d[0], c.getBatchSize(), size(bytes),
                    size(budgetBytes)));
        }
    }

    /** GB from 1 GB up, MB below it (a process cap of a few hundred MB must not read "0.0 GB"). */
    private static String size(double bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.1f GB", bytes / 1e9) : String.format(Locale.ROOT, "%.3g MB", bytes / 1e6);
    }

    /** {parameters, units per sample} of a fully connected network. */
    private static double[] mlp(int in, int[] widths, int out) {
        double params = 0;
        double units = in;
        double from = in;
        for (int w : widths) {
            params += (from + 1) * w;
            units += w;
            from = w;
        }
        params += (from + 1) * out;
        return new double[] {params, units + out};
    }

    private static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
