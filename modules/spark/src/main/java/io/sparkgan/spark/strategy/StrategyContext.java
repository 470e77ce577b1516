package io.sparkgan.spark.strategy;

import io.sparkgan.core.Generator;
import io.sparkgan.core.train.Evaluator;
import java.util.Map;
import io.sparkgan.core.train.TrainingListener;
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
 * @param resume continue from the latest checkpoint in {@code checkpointUri}
 */
public record StrategyContext(StrategyConfig config, Shards shards, JavaSparkContext sc, Evaluator evaluator,
        TrainingListener listener, String checkpointUri, boolean resume, DataType dtype) {

    /** The evaluator's score of {@code g} at {@code iteration} (see {@link Evaluator#score}). */
    public Map<String, Double> evaluate(Generator g, int iteration) {
        return evaluator.score(g, config, iteration);
    }
}
