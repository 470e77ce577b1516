package io.sparkgan.spark.strategy;

import io.sparkgan.core.Generator;
import io.sparkgan.core.train.Traffic;
import java.util.Map;

/**
 * The outcome of training.
 *
 * @param restores how many times a worker found no (or stale) state in executor memory and restored
 *     it from its checkpoint
 * @param lostIterations discriminator iterations lost by restores from checkpoints older than the state they replaced
 * @param workerComputeSeconds summed time workers spent in GAN computation
 * @param driverComputeSeconds time the driver spent in GAN computation (generator work, averaging)
 */
public record StrategyResult(Generator generator, int iteration, Map<String, Double> metrics, Traffic traffic,
        double wallSeconds, int restores, long lostIterations, double workerComputeSeconds, double driverComputeSeconds) {}
