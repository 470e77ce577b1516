package io.sparkgan.spark.strategy;

import io.sparkgan.spark.StrategyConfig;
import java.io.Serializable;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What every worker task of a run needs besides its payload; small, shipped in the task closure.
 *
 * @param runId keys the run's worker state in executor memory
 * @param checkpointUri the run's checkpoint folder, or null
 * @param labelled whether shard rows carry a label ({@link io.sparkgan.spark.Shards})
 */
record WorkerJob(String runId, StrategyConfig config, String checkpointUri, String dtype, boolean labelled) implements Serializable {
    DataType dataType() {
        return DataType.valueOf(dtype);
    }
}
