package io.sparkgan.spark.runtime;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.NarrowDependency;
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The run's workers in groups, one Spark partition per group, each group preferring the executor
 * that holds its workers' state. A task gets one {@link WorkerShard} per worker of its group; a
 * worker's shard rows are read from the cached shard partition only when the task asks for them
 * (to create or restore the worker), so serving an iteration moves no data.
 *
 * <p>Why not the shard RDD itself, or {@code coalesce}: worker state lives in the executor where a
 * task created or restored it, and every later task of that worker (iterations, swaps, sessions
 * hosting several workers) must run there. A cached partition's own preference, or coalesce's
 * host-level grouping, sends tasks to any executor of a host, so on a cluster with several
 * executors per host a swap found no state ("worker 2 has no current state to send"). An
 * executor-level preference ({@code executor_<host>_<id>}, Spark's own form for cached blocks)
 * keeps each worker on its executor.
 */
final class WorkerGroupsRDD extends RDD<WorkerGroupsRDD.WorkerShard> {
    private static final long serialVersionUID = 1L;
    private static final ClassTag<WorkerShard> TAG = ClassTag$.MODULE$.apply(WorkerShard.class);

    private final RDD<float[]> shards;
    private final Partition[] groups;

    /** One worker of a task's group, with lazy access to its shard. Lives only inside the task. */
    record WorkerShard(int worker, Supplier<Iterator<float[]>> rows) {}

    /** A group: its workers, their shard partitions, and where it prefers to run. */
    static final class Group implements Partition {
        private static final long serialVersionUID = 1L;
        final int index;
        final int[] workers;
        final Partition[] parents;
        final String[] locations;

        Group(int index, int[] workers, Partition[] parents, String[] locations) {
            this.index = index;
            this.workers = workers;
            this.parents = parents;
            this.locations = locations;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Group g && g.index == index;
        }

        @Override
        public int hashCode() {
            return index;
        }
    }

    /** Each partition of this RDD depends on the shard partitions of its group's workers. */
    private static final class GroupDependency extends NarrowDependency<float[]> {
        private static final long serialVersionUID = 1L;
        private final int[][] workers;

        GroupDependency(RDD<float[]> shards, int[][] workers) {
            super(shards);
            this.workers = workers;
        }

        @Override
        public Seq<Object> getParents(int partitionId) {
            List<Object> out = new ArrayList<>();
            for (int w : workers[partitionId]) {
                out.add(w);
            }
            return JavaConverters.asScalaBufferConverter(out).asScala().toSeq();
        }
    }

    /**
     * @param groups the workers of each partition
     * @param locations per group, the preferred location ({@code executor_<host>_<id>}), or null to
     *     follow the first worker's cached shard partition
     */
    WorkerGroupsRDD(RDD<float[]> shards, List<int[]> groups, List<String> locations) {
        super(shards.context(), deps(shards, groups), TAG);
        this.shards = shards;
        Partition[] parts = shards.partitions();
        this.groups = new Partition[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            int[] ws = groups.get(g);
            Partition[] parents = new Partition[ws.length];
            for (int i = 0; i < ws.length; i++) {
                parents[i] = parts[ws[i]];
            }
            String loc = locations.get(g);
            String[] prefs = loc != null ? new String[] {loc}
                    : ws.length == 0 ? new String[0]
                    : JavaConverters.seqAsJavaListConverter(shards.preferredLocations(parents[0])).asJava().toArray(new String[0]);
            this.groups[g] = new Group(g, ws, parents, prefs);
        }
    }

    private static Seq<org.apache.spark.Dependency<?>> deps(RDD<float[]> shards, List<int[]> groups) {
        List<org.apache.spark.Dependency<?>> d = new ArrayList<>();
        d.add(new GroupDependency(shards, groups.toArray(new int[0][])));
        return JavaConverters.asScalaBufferConverter(d).asScala().toSeq();
    }

    @Override
    public scala.collection.Iterator<WorkerShard> compute(Partition split, TaskContext context) {
        Group g = (Group) split;
        List<WorkerShard> out = new ArrayList<>(g.workers.length);
        for (int i = 0; i < g.workers.length; i++) {
            Partition parent = g.parents[i];
            out.add(new WorkerShard(g.workers[i], () -> JavaConverters.asJavaIteratorConverter(shards.iterator(parent, context)).asJava()));
        }
        return JavaConverters.asScalaIteratorConverter(out.iterator()).asScala();
    }

    @Override
    public Partition[] getPartitions() {
        return groups;
    }

    @Override
    public Seq<String> getPreferredLocations(Partition split) {
        return JavaConverters.asScalaBufferConverter(List.of(((Group) split).locations)).asScala().toSeq();
    }

    /** The workers of partition {@code index}. */
    int[] workers(int index) {
        return ((Group) groups[index]).workers;
    }
}
