package io.sparkgan.spark.strategy;

import io.sparkgan.core.checkpoint.CheckpointStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The checkpoint folder of one worker: {@code <checkpoints>/workers/worker-NNNNN/iter-.../}. */
final class WorkerCheckpoints {
    /** The strategies' non-network checkpoint parts: a worker's and the driver's bookkeeping. */
    static final String WORKER = "worker.json";
    static final String DRIVER = "driver.json";

    private WorkerCheckpoints() {}

    static CheckpointStore store(String checkpointUri, int worker) {
        return new CheckpointStore(checkpointUri + "/workers/" + String.format("worker-%05d", worker));
    }

    /** The newest checkpoint at or before {@code iteration}. */
    static Optional<Integer> atMost(CheckpointStore store, int iteration) {
        List<Integer> all = store.iterations();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i) <= iteration) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    static Map<String, byte[]> load(String checkpointUri, int worker, int iteration) {
        if (checkpointUri == null) {
            throw new IllegalStateException("worker " + worker + " lost its state and this run keeps no checkpoints to restore it from"
                    + " (give the run a checkpoint folder)");
        }
        CheckpointStore store = store(checkpointUri, worker);
        int it = atMost(store, iteration).orElseThrow(() -> new IllegalStateException(
                "worker " + worker + " lost its state and has no checkpoint at or before iteration " + iteration + " in " + checkpointUri));
        return store.load(it);
    }
}
