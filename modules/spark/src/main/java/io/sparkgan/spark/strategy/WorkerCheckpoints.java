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

    static CheckpointStore store(WorkerJob job, int worker) {
        return new CheckpointStore(job.checkpointUri() + "/workers/" + String.format("worker-%05d", worker), job.hadoopConf());
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

    static Map<String, byte[]> load(WorkerJob job, int worker, int iteration) {
        String checkpointUri = job.checkpointUri();
        if (checkpointUri == null) {
            throw new IllegalStateException("worker " + worker + " lost its state and this run keeps no checkpoints to restore it from"
                    + " (give the run a checkpoint folder)");
        }
        CheckpointStore store = store(job, worker);
        int it = atMost(store, iteration).orElseThrow(() -> new IllegalStateException(
                "worker " + worker + " lost its state and has no checkpoint at or before iteration " + iteration + " in " + checkpointUri));
        return store.load(it);
    }
}
