package io.sparkgan.spark.ml;

import io.sparkgan.spark.Shards;
import io.sparkgan.spark.strategy.StrategyResult;
import java.io.Serializable;
import java.util.Map;

/**
 * What training produced besides the generator: final metrics, wall time, bytes moved, restores,
 * and the shard sizes.
 */
public record Summary(int iterations, Map<String, Double> metrics, double wallSeconds, long bytesToWorkers,
        long bytesFromWorkers, long bytesBetweenWorkers, int restores, long lostIterations, double workerComputeSeconds, double driverComputeSeconds,
        long[] shardSizes)
        implements Serializable {

    static Summary of(StrategyResult r, Shards shards) {
        return new Summary(r.iteration(), Map.copyOf(r.metrics()), r.wallSeconds(), r.traffic().toWorkers(),
                r.traffic().fromWorkers(), r.traffic().betweenWorkers(), r.restores(), r.lostIterations(), r.workerComputeSeconds(), r.driverComputeSeconds(),
                shards.sizes());
    }

    public long totalBytes() {
        return bytesToWorkers + bytesFromWorkers + bytesBetweenWorkers;
    }
}
