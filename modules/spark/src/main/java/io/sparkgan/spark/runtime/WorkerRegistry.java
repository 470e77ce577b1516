package io.sparkgan.spark.runtime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Worker state kept in executor memory across Spark jobs, keyed by run and worker, the way BigDL
 * and TensorFlowOnSpark keep model replicas next to their data. The driver sends a worker's tasks
 * back to the executor that holds its state ({@link Placement}); a task that finds the state
 * missing or stale (the executor was lost, the task ran elsewhere) restores it from the worker's
 * checkpoint ({@link WorkerContext#state}) and the restore is reported.
 *
 * <p>One registry per JVM (a static map): in local mode the driver and the executor share it, which
 * is also what lets tests look at worker state directly.
 */
public final class WorkerRegistry {
    private static final Map<String, Slot<?>> SLOTS = new ConcurrentHashMap<>();

    private WorkerRegistry() {}

    /**
     * A worker's state and what the runtime keeps beside it.
     *
     * @param <S> the strategy's worker state
     */
    public static final class Slot<S> {
        public final S state;
        /** The iteration the state is current for. */
        volatile int iteration;
        /** The last request's target iteration and reply, so a repeated request is answered without training twice. */
        volatile int repliedTarget = -1;
        volatile byte[] reply;
        /** The request that reply answered (kept by reference, not copied). */
        volatile byte[] repliedRequest;
        /** A swap's outgoing message and its iteration, so a re-run send repeats the same bytes. */
        volatile int sentAt = -1;
        volatile byte[] sent;

        Slot(S state, int iteration) {
            this.state = state;
            this.iteration = iteration;
        }
    }

    private static String key(String runId, int worker) {
        return runId + "/" + worker;
    }

    @SuppressWarnings("unchecked")
    public static <S> Slot<S> slot(String runId, int worker) {
        return (Slot<S>) SLOTS.get(key(runId, worker));
    }

    /** The state of worker {@code worker}, or null. */
    public static <S> S get(String runId, int worker) {
        Slot<S> s = slot(runId, worker);
        return s == null ? null : s.state;
    }

    /** Worker {@code worker}'s state in whichever run holds one in this JVM (tests run one at a time), or null. */
    @SuppressWarnings("unchecked")
    public static <S> S anyRun(int worker) {
        for (Map.Entry<String, Slot<?>> e : SLOTS.entrySet()) {
            if (e.getKey().endsWith("/" + worker)) {
                return (S) e.getValue().state;
            }
        }
        return null;
    }

    static <S> Slot<S> put(String runId, int worker, S state, int iteration) {
        Slot<S> s = new Slot<>(state, iteration);
        SLOTS.put(key(runId, worker), s);
        return s;
    }

    /** Drops every worker state of every run held by this JVM: what losing an executor does. */
    public static void clearAll() {
        SLOTS.clear();
    }

    /** Drops every worker of a run held by this JVM. */
    public static void clear(String runId) {
        SLOTS.keySet().removeIf(k -> k.startsWith(runId + "/"));
    }
}
