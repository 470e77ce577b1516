package io.sparkgan.spark.runtime;

import io.sparkgan.core.checkpoint.CheckpointStore;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;

/**
 * A strategy's worker: what a worker keeps in executor memory ({@code S}), how that state is made,
 * checkpointed and restored, and what the worker does with one request. The runtime does the rest
 * (finding the state, restoring it, stamping it, checkpointing it, answering repeated requests),
 * wherever the request came from (a per-iteration job or a session).
 *
 * @param <S> the worker's state
 */
public interface WorkerSide<S> extends Serializable {
    /** A new worker's state, at iteration 0. */
    S create(WorkerContext<S> ctx);

    /** The checkpoint parts of {@code state}. */
    Map<String, CheckpointStore.PartWriter> checkpoint(S state);

    /** A state from checkpoint parts; throws when they are unreadable or do not fit the run. */
    S restore(WorkerContext<S> ctx, Map<String, byte[]> parts);

    /**
     * Serves one request that takes the worker to iteration {@code target}. The implementation finds
     * its state with {@link WorkerContext#state} (which restores it when needed) and reads the rest
     * of the request from {@code request}.
     */
    Reply serve(WorkerContext<S> ctx, int target, DataInputStream request) throws IOException;

    /**
     * What a worker sends back: its losses, the nanoseconds of GAN computation, and the body
     * (e.g. the feedback) with its exact size.
     */
    record Reply(double dLoss, double gLoss, long nanos, long bodyBytes, io.sparkgan.spark.Payloads.Body body) {}
}
