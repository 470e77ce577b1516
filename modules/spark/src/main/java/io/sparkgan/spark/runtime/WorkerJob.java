package io.sparkgan.spark.runtime;

import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.HadoopConfs;
import io.sparkgan.spark.StrategyConfig;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What every worker task of a run needs besides its request; small, shipped in the task closure.
 *
 * @param runId keys the run's worker state in executor memory
 * @param checkpointUri the run's checkpoint folder, or null
 * @param labelled whether shard rows carry a label ({@link io.sparkgan.spark.Shards})
 * @param hadoop the driver's Hadoop settings that differ from Hadoop's defaults ({@link HadoopConfs#overrides}),
 *     so that tasks reach the checkpoint folder's file system as the driver does
 */
public record WorkerJob(String runId, StrategyConfig config, String checkpointUri, String dtype, boolean labelled, Map<String, String> hadoop)
        implements Serializable {
    /** A job whose tasks see Hadoop's defaults only. */
    public WorkerJob(String runId, StrategyConfig config, String checkpointUri, String dtype, boolean labelled) {
        this(runId, config, checkpointUri, dtype, labelled, Map.of());
    }

    /** A new run's job: a fresh run id and the driver's Hadoop settings. */
    public static WorkerJob of(JavaSparkContext sc, StrategyConfig config, String checkpointUri, DataType dtype, boolean labelled) {
        return new WorkerJob(UUID.randomUUID().toString(), config, checkpointUri, dtype.name(), labelled,
                new TreeMap<>(HadoopConfs.overrides(sc.hadoopConfiguration())));
    }

    public DataType dataType() {
        return DataType.valueOf(dtype);
    }

    /** The Hadoop configuration of this job's tasks. */
    public Configuration hadoopConf() {
        return HadoopConfs.with(hadoop);
    }

    /** Worker {@code worker}'s checkpoint folder: {@code <checkpoints>/workers/worker-NNNNN/}. */
    public CheckpointStore workerStore(int worker) {
        return new CheckpointStore(workerStoreUri(checkpointUri, worker), hadoopConf());
    }

    /** Worker {@code worker}'s checkpoint folder below a run's checkpoint folder {@code checkpointUri}. */
    public static String workerStoreUri(String checkpointUri, int worker) {
        return checkpointUri + "/workers/" + String.format("worker-%05d", worker);
    }
}
