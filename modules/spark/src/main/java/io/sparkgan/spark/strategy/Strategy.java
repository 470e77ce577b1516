package io.sparkgan.spark.strategy;

import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.train.TrainingLoop;
import io.sparkgan.spark.StrategyConfig;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A way of training a GAN on sharded data: its driver step (a {@link TrainingLoop.Step}), which
 * reaches its workers through the runtime ({@link io.sparkgan.spark.runtime.Workers}) with its own
 * worker step and messages. Strategies share one configuration, one training loop (resume,
 * cadence, checkpoints, clean stops), one metrics schema and one run-folder layout. Adding a
 * strategy means adding an implementation and a name in {@link Strategies}.
 */
public interface Strategy {
    String name();

    /** The driver step of a run in {@code context}. */
    TrainingLoop.Step step(StrategyContext context);

    /**
     * How many discriminators a trained model of this strategy has (what sample refinement can use):
     * one by default (standalone's, FL-GAN's average).
     */
    default int discriminators(StrategyConfig config) {
        return 1;
    }

    /**
     * The discriminators of a run at its checkpoint {@code iteration}, in worker order: by default
     * the driver's ({@code driverParts}, standalone's or FL-GAN's averaged one).
     *
     * @param driverParts the driver's checkpoint at {@code iteration}
     * @param checkpointUri the run's checkpoint folder (workers' checkpoints are below it)
     * @throws RuntimeException when a discriminator is missing or unreadable
     */
    default List<MultiLayerNetwork> discriminators(StrategyConfig config, Map<String, byte[]> driverParts, String checkpointUri, int iteration,
            Configuration hadoop) {
        return List.of(io.sparkgan.core.Gan.readDiscriminator(config, driverParts, ModelParts.DISCRIMINATOR));
    }

    /** Trains with {@code context}'s data, budget and listener. */
    default StrategyResult train(StrategyContext context) {
        return context.train(this);
    }
}
