package io.sparkgan.spark.strategy;

import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.train.Evaluator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
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

    /**
     * Scores {@code evalSamples} samples of {@code g}, drawn from a stream of their own (seeded by the
     * iteration), so evaluating never shifts the training draws and every strategy is scored alike.
     */
    public Map<String, Double> evaluate(Generator g, int iteration) {
        INDArray z = g.latent(GanRandom.stream(config.getSeed(), "eval", iteration), config.getEvalSamples());
        return new LinkedHashMap<>(evaluator.evaluate(g.sample(z)));
    }
}
