package io.sparkgan.spark.strategy;

import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.train.Evaluator;
import io.sparkgan.core.train.Traffic;
import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.core.train.TrainingLoop;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.StrategyConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a strategy trains with.
 *
 * @param evaluator scores generated samples at evaluation points (may be null)
 * @param checkpointUri folder for driver and worker checkpoints on a Hadoop FileSystem (may be null:
 *     no checkpoints, and a worker that loses its state then fails the run)
 * @param resume continue from the latest readable checkpoint in {@code checkpointUri}
 */
public record StrategyContext(StrategyConfig config, Shards shards, JavaSparkContext sc, Evaluator evaluator,
        TrainingListener listener, String checkpointUri, boolean resume, DataType dtype) {

    /** Runs {@code strategy}'s step in the shared training loop. */
    StrategyResult train(Strategy strategy) {
        return train(strategy.step(this), Traffic.NONE);
    }

    /** Runs {@code step} in the shared training loop, with {@code initial} traffic counted before it. */
    StrategyResult train(TrainingLoop.Step step, Traffic initial) {
        CheckpointStore store = checkpointUri == null ? null : new CheckpointStore(checkpointUri, sc.hadoopConfiguration());
        TrainingLoop.Result r = new TrainingLoop(config, evaluator, listener, store).run(step, resume, initial);
        return new StrategyResult(r.generator(), r.iteration(), r.metrics(), r.traffic(), r.wallSeconds(), r.restores(), r.lostIterations(),
                r.workerSeconds(), r.driverSeconds());
    }
}
