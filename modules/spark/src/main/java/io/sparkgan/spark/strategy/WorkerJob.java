package io.sparkgan.spark.strategy;

import io.sparkgan.spark.StrategyConfig;
import java.io.Serializable;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What every worker task of a run needs besides its payload; small, shipped in the task closure.
 *
 * @param runId keys the run's worker state in executor memory
 * @param checkpointUri the run's checkpoint folder, or null
 */
record WorkerJob(String runId, StrategyConfig config, String checkpointUri, String dtype) implements Serializable {
    DataType dataType() {
        return DataType.valueOf(dtype);
    }
}
