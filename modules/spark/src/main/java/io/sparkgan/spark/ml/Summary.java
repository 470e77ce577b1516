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
        // In the evaluators' order (Map.copyOf's order changes from one JVM to the next, and with it final.json's).
        return new Summary(r.iteration(), java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(r.metrics())), r.wallSeconds(), r.traffic().toWorkers(),
                r.traffic().fromWorkers(), r.traffic().betweenWorkers(), r.restores(), r.lostIterations(), r.workerComputeSeconds(), r.driverComputeSeconds(),
                shards.sizes());
    }

    public long totalBytes() {
        return bytesToWorkers + bytesFromWorkers + bytesBetweenWorkers;
    }
}
