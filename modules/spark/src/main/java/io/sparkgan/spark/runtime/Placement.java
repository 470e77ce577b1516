package io.sparkgan.spark.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;

/**
 * Where each worker's state lives, as the driver last saw it: the executor that ran the worker's
 * latest task. Every task reports its executor ({@link #here}), so after a restore on another
 * executor the worker's later tasks follow it there.
 */
final class Placement {
    private final String[] where;

    Placement(int workers) {
        where = new String[workers];
    }

    /** The executor this code runs in, as a Spark task location ({@code executor_<host>_<id>}). */
    static String here() {
        SparkEnv env = SparkEnv.get();
        return "executor_" + env.blockManager().blockManagerId().host() + "_" + env.executorId();
    }

    /** The executor id of a location made by {@link #here}. */
    static String executorId(String location) {
        String rest = location.substring("executor_".length());
        return rest.substring(rest.indexOf('_') + 1);
    }

    synchronized void record(int worker, String location) {
        where[worker] = location;
    }

    synchronized String of(int worker) {
        return where[worker];
    }

    /** Forgets the workers of a lost executor: their next tasks go wherever Spark finds room. */
    synchronized List<Integer> forget(String executorId) {
        List<Integer> lost = new ArrayList<>();
        for (int w = 0; w < where.length; w++) {
            if (where[w] != null && executorId(where[w]).equals(executorId)) {
                where[w] = null;
                lost.add(w);
            }
        }
        return lost;
    }

    /** One group per worker, each at its executor. */
    synchronized JavaRDD<WorkerGroupsRDD.WorkerShard> singletons(JavaRDD<float[]> shards) {
        List<int[]> groups = new ArrayList<>();
        List<String> locations = new ArrayList<>();
        for (int w = 0; w < where.length; w++) {
            groups.add(new int[] {w});
            locations.add(where[w]);
        }
        return rdd(shards, groups, locations);
    }

    /**
     * Workers grouped by executor, at most {@code slotsPerExecutor} groups per executor and
     * {@code maxGroups} in all, so every group of a session can run at once. Workers whose
     * executor is unknown are spread over groups of their own (they will be restored wherever
     * their task runs).
     */
    synchronized JavaRDD<WorkerGroupsRDD.WorkerShard> sessionGroups(JavaRDD<float[]> shards, int slotsPerExecutor, int maxGroups) {
        Map<String, List<Integer>> byExecutor = new LinkedHashMap<>();
        List<Integer> unknown = new ArrayList<>();
        for (int w = 0; w < where.length; w++) {
            if (where[w] == null) {
                unknown.add(w);
            } else {
                byExecutor.computeIfAbsent(where[w], k -> new ArrayList<>()).add(w);
            }
        }
        List<int[]> groups = new ArrayList<>();
        List<String> locations = new ArrayList<>();
        int budget = Math.max(1, maxGroups - (unknown.isEmpty() ? 0 : 1));
        for (Map.Entry<String, List<Integer>> e : byExecutor.entrySet()) {
            int room = Math.max(1, Math.min(slotsPerExecutor, budget / Math.max(1, byExecutor.size())));
            for (int[] chunk : chunks(e.getValue(), room)) {
                groups.add(chunk);
                locations.add(e.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            int room = maxGroups - groups.size();
            if (room > 0) {
                for (int[] chunk : chunks(unknown, room)) {
                    groups.add(chunk);
                    locations.add(null);
                }
            } else {
                // No slot left for groups of their own (a lost executor's workers while the cluster is
                // smaller): they join the existing groups and are restored on those executors.
                for (int i = 0; i < unknown.size(); i++) {
                    int g = i % groups.size();
                    int[] old = groups.get(g);
                    int[] grown = java.util.Arrays.copyOf(old, old.length + 1);
                    grown[old.length] = unknown.get(i);
                    groups.set(g, grown);
                }
            }
        }
        return rdd(shards, groups, locations);
    }

    /** {@code workers} in at most {@code parts} contiguous chunks of near-equal size. */
    static List<int[]> chunks(List<Integer> workers, int parts) {
        int n = Math.min(parts, workers.size());
        List<int[]> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < n; i++) {
            int to = from + (workers.size() - from) / (n - i);
            out.add(workers.subList(from, to).stream().mapToInt(Integer::intValue).toArray());
            from = to;
        }
        return out;
    }

    private static JavaRDD<WorkerGroupsRDD.WorkerShard> rdd(JavaRDD<float[]> shards, List<int[]> groups, List<String> locations) {
        WorkerGroupsRDD rdd = new WorkerGroupsRDD(shards.rdd(), groups, locations);
        return JavaRDD.fromRDD(rdd, rdd.elementClassTag());
    }

    @Override
    public synchronized String toString() {
        return Arrays.toString(where);
    }
}
