package io.sparkgan.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Worker state kept in executor memory across Spark jobs, keyed by run and worker, the way BigDL
 * and TensorFlowOnSpark keep model replicas next to their data. A task finds its worker's state here;
 * when the state is missing or stale (the task landed on another executor, or the executor was
 * replaced), the strategy restores it from the worker's latest checkpoint and reports the restore.
 *
 * <p>One registry per JVM (a static map): in local mode the driver and the executor share it, which
 * is also what lets tests look at worker state directly.
 */
public final class WorkerRegistry {
    private static final Map<String, Object> STATES = new ConcurrentHashMap<>();

    private WorkerRegistry() {}

    private static String key(String runId, int worker) {
        return runId + "/" + worker;
    }

    @SuppressWarnings("unchecked")
    public static <T> T get(String runId, int worker) {
        return (T) STATES.get(key(runId, worker));
    }

    public static void put(String runId, int worker, Object state) {
        STATES.put(key(runId, worker), state);
    }

    public static void remove(String runId, int worker) {
        STATES.remove(key(runId, worker));
    }

    /** Drops every worker state of every run held by this JVM: what losing an executor does. */
    public static void clearAll() {
        STATES.clear();
    }

    /** Drops the run's worker state from every executor that holds one of {@code shards}, and from this JVM. */
    public static void release(org.apache.spark.api.java.JavaRDD<float[]> shards, String runId) {
        shards.foreachPartition(it -> clear(runId));
        clear(runId);
    }

    /** Drops every worker of a run held by this JVM. */
    public static void clear(String runId) {
        STATES.keySet().removeIf(k -> k.startsWith(runId + "/"));
    }
}
