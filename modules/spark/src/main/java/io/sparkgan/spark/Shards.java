package io.sparkgan.spark;

import io.sparkgan.core.GanRandom;
import io.sparkgan.data.VectorFrames;
import java.util.ArrayList;
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
 */
public final class Shards {
    private final JavaRDD<float[]> rdd;
    private final long[] sizes;
    private final int dimension;

    private Shards(JavaRDD<float[]> rdd, long[] sizes, int dimension) {
        this.rdd = rdd;
        this.sizes = sizes;
        this.dimension = dimension;
    }

    /**
     * IID shards: rows are dealt to workers by a permutation drawn from the run seed, so shard sizes
     * differ by at most one and the split is the same for the same seed and worker count.
     */
    public static Shards iid(Dataset<Row> frame, int workers, long seed) {
        VectorFrames.validateSchema(frame.schema());
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        JavaRDD<float[]> rows = frame.select(VectorFrames.FEATURES).javaRDD().map(r -> {
            Vector v = r.getAs(0);
            float[] x = new float[v.size()];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) v.apply(j);
            }
            return x;
        });
        long n = rows.count();
        if (n < workers) {
            throw new IllegalArgumentException("the data has " + n + " rows but " + workers + " workers were asked for; each worker needs at least one row");
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("more than 2^31 rows are not supported, got " + n);
        }
        int[] perm = GanRandom.stream(seed, "shards", 0).permutation((int) n);
        Broadcast<int[]> permB = JavaSparkContext.fromSparkContext(frame.sparkSession().sparkContext()).broadcast(perm);
        JavaPairRDD<Integer, float[]> keyed = rows.zipWithIndex().mapToPair(t -> new Tuple2<>(permB.value()[(int) (long) t._2()] % workers, t._1()));
        JavaRDD<float[]> sharded = keyed.partitionBy(new WorkerPartitioner(workers)).values().persist(StorageLevel.MEMORY_ONLY());
        List<Long> counts = sharded.mapPartitions(it -> {
            long c = 0;
            while (it.hasNext()) {
                it.next();
                c++;
            }
            return List.of(c).iterator();
        }).collect();
        permB.destroy();
        int dim = sharded.first().length;
        return new Shards(sharded, counts.stream().mapToLong(Long::longValue).toArray(), dim);
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

    /** A shard's rows, from the cached partition's iterator. */
    public static float[][] materialise(Iterator<float[]> it) {
        List<float[]> rows = new ArrayList<>();
        it.forEachRemaining(rows::add);
        return rows.toArray(new float[0][]);
    }

    public void release() {
        rdd.unpersist(false);
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
