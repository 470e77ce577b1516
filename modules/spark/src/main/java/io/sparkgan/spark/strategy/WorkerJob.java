package io.sparkgan.spark.strategy;

import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.core.checkpoint.HadoopConfs;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What every worker task of a run needs besides its payload; small, shipped in the task closure.
 *
 * @param runId keys the run's worker state in executor memory
 * @param checkpointUri the run's checkpoint folder, or null
 * @param labelled whether shard rows carry a label ({@link io.sparkgan.spark.Shards})
 * @param hadoop the driver's Hadoop settings that differ from Hadoop's defaults ({@link HadoopConfs#overrides}),
 *     so that tasks reach the checkpoint folder's file system as the driver does
 */
record WorkerJob(String runId, StrategyConfig config, String checkpointUri, String dtype, boolean labelled, Map<String, String> hadoop)
        implements Serializable {
    /** A job whose tasks see Hadoop's defaults only. */
    WorkerJob(String runId, StrategyConfig config, String checkpointUri, String dtype, boolean labelled) {
        this(runId, config, checkpointUri, dtype, labelled, Map.of());
    }

    /** What the run's driver and its tasks share: everything of {@code ctx} a task needs. */
    static WorkerJob of(StrategyContext ctx) {
        return new WorkerJob(UUID.randomUUID().toString(), ctx.config(), ctx.checkpointUri(), ctx.dtype().name(), ctx.shards().labelled(),
                new TreeMap<>(HadoopConfs.overrides(ctx.sc().hadoopConfiguration())));
    }

    DataType dataType() {
        return DataType.valueOf(dtype);
    }

    /** The Hadoop configuration of this job's tasks. */
    Configuration hadoopConf() {
        return HadoopConfs.with(hadoop);
    }
}
