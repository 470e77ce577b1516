package io.sparkgan.spark;

import io.sparkgan.data.DataSources;
import io.sparkgan.data.Samples;
import io.sparkgan.data.VectorFrames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The dataset split across workers: a cached RDD with exactly one partition per worker, partition
 * n being worker n's shard. Shards are built once, persisted, and never move; strategies zip their
 * per-iteration payloads with them, so each task runs where its shard (and its worker state) lives.
 *
 * <p>A row of the RDD is the sample's features followed, for labelled data, by its class as a
 * float (exact for any class count below 2^24); {@link #materialise} splits them again.
 */
public final class Shards {
    private final JavaRDD<float[]> rdd;
    private final long[] sizes;
    private final int dimension;
    private final boolean labelled;
    private final String mode;
    private final long[][] histogram;
    private final Broadcast<int[]> plan;
    /** Which rows' labels are hidden (semi-supervised runs), or null: kept alive with the plan, for the same lineage. */
    private final Broadcast<boolean[]> hidden;
    private final long labelledRows;

    private Shards(JavaRDD<float[]> rdd, long[] sizes, int dimension, boolean labelled, String mode, long[][] histogram, Broadcast<int[]> plan,
            Broadcast<boolean[]> hidden, long labelledRows) {
        this.plan = plan;
        this.hidden = hidden;
        this.labelledRows = labelledRows;
        this.rdd = rdd;
        this.sizes = sizes;
        this.dimension = dimension;
        this.labelled = labelled;
        this.mode = mode;
        this.histogram = histogram;
    }

    /** IID shards (see {@link ShardPlan}). */
    public static Shards iid(Dataset<Row> frame, int workers, long seed) {
        return build(frame, workers, seed, "iid");
    }

    /**
     * Shards by {@code mode} ({@link ShardPlan}: iid, label-skew:c, dirichlet:alpha). The labels, if
     * the frame has a {@code label} column, are collected to the driver to plan the split; the
     * samples go from the frame's partitions straight to their worker's partition.
     */
    public static Shards build(Dataset<Row> frame, int workers, long seed, String mode) {
        return build(frame, workers, seed, mode, 0);
    }

    /**
     * As {@link #build(Dataset, int, long, String)}, keeping the labels of only
     * {@code labelledPerClass} samples of every class (0: all of them) for a semi-supervised run:
     * the kept samples are drawn per class from the run seed, before the split, so they land on
     * whichever shards the plan sends them to; every other row's label becomes −1 (unlabelled). The
     * split itself (label-skew, say) still follows the true classes, which describe how the data is
     * spread, not what the learner is told.
     */
    public static Shards build(Dataset<Row> frame, int workers, long seed, String mode, int labelledPerClass) {
        VectorFrames.validateSchema(frame.schema());
        ShardPlan.validateMode(mode);
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        boolean labelled = Arrays.asList(frame.schema().fieldNames()).contains(VectorFrames.LABEL);
        Dataset<Row> cols = labelled ? frame.select(VectorFrames.FEATURES, VectorFrames.LABEL) : frame.select(VectorFrames.FEATURES);
        JavaRDD<float[]> rows = cols.javaRDD().map(r -> {
            Vector v = r.getAs(0);
            int d = v.size();
            float[] x = new float[labelled ? d + 1 : d];
            for (int j = 0; j < d; j++) {
                x[j] = (float) v.apply(j);
            }
            if (labelled) {
                double y = ((Number) r.get(1)).doubleValue();
                if (y < 0 || y != Math.rint(y) || y >= 1 << 24) {
                    throw new IllegalArgumentException("label " + y + " is not a class index; expected integers 0, 1, 2, ...");
                }
                x[d] = (float) y;
            }
            return x;
        });
        // The source (an IDX file, images, a table) is read once: planning needs the labels or the
        // row count, and zipWithIndex and the shuffle read the rows again, so they are cached until
        // the shards themselves are.
        rows.persist(StorageLevel.MEMORY_ONLY());
        try {
            int[] labels = null;
            long n;
            try {
                if (labelled) {
                    labels = rows.map(x -> (int) x[x.length - 1]).collect().stream().mapToInt(Integer::intValue).toArray();
                    n = labels.length;
                } else {
                    n = rows.count();
                }
            } catch (Exception e) { // SparkException is checked in Java's eyes but thrown unchecked by the Scala API
                // The first read of the data: a bad file surfaces here with its own one-line message.
                throw DataSources.userError(e);
            }
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("more than 2^31 rows are not supported, got " + n);
            }
            ShardPlan plan = ShardPlan.of(mode, labels, (int) n, workers, seed);
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(frame.sparkSession().sparkContext());
            Broadcast<int[]> planB = jsc.broadcast(plan.workerOf());
            boolean[] hide = labelled && labelledPerClass > 0 ? hiddenLabels(labels, labelledPerClass, seed) : null;
            Broadcast<boolean[]> hiddenB = hide == null ? null : jsc.broadcast(hide);
            long kept = labels == null ? 0 : hide == null ? labels.length : java.util.stream.IntStream.range(0, hide.length).filter(i -> !hide[i]).count();
            JavaPairRDD<Integer, float[]> keyed = rows.zipWithIndex().mapToPair(t -> {
                int i = (int) (long) t._2();
                float[] x = t._1();
                if (hiddenB != null && hiddenB.value()[i]) {
                    x = x.clone();
                    x[x.length - 1] = -1;
                }
                return new Tuple2<>(planB.value()[i], x);
            });
            JavaRDD<float[]> sharded = keyed.partitionBy(new WorkerPartitioner(workers)).values().persist(StorageLevel.MEMORY_ONLY());
            sharded.count();
            int dim = sharded.first().length - (labelled ? 1 : 0);
            // The plan's broadcast lives as long as the shards: a lost executor takes its cached shard
            // partitions (and shuffle output) with it, and Spark rebuilds them from this lineage,
            // which reads the plan again.
            return new Shards(sharded, plan.sizes(), dim, labelled, mode, plan.histogram(labels), planB, hiddenB, kept);
        } finally {
            rows.unpersist(false);
        }
    }

    /**
     * Which labels to hide so that {@code perClass} samples of every class keep theirs: per class, the
     * first {@code perClass} rows of a random order drawn from the run seed (all of a class smaller
     * than that).
     */
    static boolean[] hiddenLabels(int[] labels, int perClass, long seed) {
        int classes = java.util.Arrays.stream(labels).max().orElse(-1) + 1;
        boolean[] hide = new boolean[labels.length];
        java.util.Arrays.fill(hide, true);
        for (int c = 0; c < classes; c++) {
            int cls = c;
            int[] rows = java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == cls).toArray();
            int[] order = io.sparkgan.core.GanRandom.stream(seed, "labelled", c).permutation(rows.length);
            for (int j = 0; j < Math.min(perClass, rows.length); j++) {
                hide[rows[order[j]]] = false;
            }
        }
        return hide;
    }

    /** Rows whose label the learner sees: all of a labelled dataset's, or the few a semi-supervised run keeps. */
    public long labelledRows() {
        return labelledRows;
    }

    /** Whether rows carry a class label. */
    public boolean labelled() {
        return labelled;
    }

    /** The split mode, e.g. "iid" or "label-skew:2". */
    public String mode() {
        return mode;
    }

    /** Rows per worker and class, [worker][class]; no columns for unlabelled data. */
    public long[][] histogram() {
        long[][] h = new long[histogram.length][];
        for (int w = 0; w < h.length; w++) {
            h[w] = histogram[w].clone();
        }
        return h;
    }

    public JavaRDD<float[]> rdd() {
        return rdd;
    }

    public int workers() {
        return sizes.length;
    }

    public long size(int worker) {
        return sizes[worker];
    }

    public long[] sizes() {
        return sizes.clone();
    }

    public long totalSize() {
        long t = 0;
        for (long s : sizes) {
            t += s;
        }
        return t;
    }

    public int dimension() {
        return dimension;
    }

    /** A shard's samples (and labels, for labelled shards), from the cached partition's iterator. */
    public static Samples materialise(Iterator<float[]> it, boolean labelled) {
        List<float[]> rows = new ArrayList<>();
        it.forEachRemaining(rows::add);
        float[][] x = new float[rows.size()][];
        int[] y = labelled ? new int[rows.size()] : null;
        for (int i = 0; i < x.length; i++) {
            float[] r = rows.get(i);
            if (labelled) {
                x[i] = Arrays.copyOf(r, r.length - 1);
                y[i] = (int) r[r.length - 1];
            } else {
                x[i] = r;
            }
        }
        return new Samples(x, y);
    }

    /** A batch sampler over a materialised shard. */
    public static io.sparkgan.core.BatchSampler sampler(Samples shard, io.sparkgan.core.GanRandom rng) {
        return new io.sparkgan.core.BatchSampler(shard.features(), shard.labels(), rng);
    }

    public void release() {
        rdd.unpersist(false);
        plan.destroy();
    }

    /** Partition n holds the records keyed n. */
    public static final class WorkerPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int workers;

        public WorkerPartitioner(int workers) {
            this.workers = workers;
        }

        @Override
        public int numPartitions() {
            return workers;
        }

        @Override
        public int getPartition(Object key) {
            return (Integer) key;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof WorkerPartitioner p && p.workers == workers;
        }

        @Override
        public int hashCode() {
            return workers;
        }
    }
}
