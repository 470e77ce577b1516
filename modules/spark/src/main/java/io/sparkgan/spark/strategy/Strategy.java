package io.sparkgan.spark.strategy;

import io.sparkgan.core.train.TrainingLoop;

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

    /** Trains with {@code context}'s data, budget and listener. */
    default StrategyResult train(StrategyContext context) {
        return context.train(this);
    }
}
