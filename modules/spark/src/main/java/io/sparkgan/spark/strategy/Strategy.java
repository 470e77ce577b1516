package io.sparkgan.spark.strategy;

/**
 * A way of training a GAN on sharded data. Strategies share one configuration, one metrics schema
 * and one run-folder layout; the driver loop of each is its own. Adding a strategy means adding an
 * implementation and a name in {@link Strategies}; no trainer code changes.
 */
public interface Strategy {
    String name();

    StrategyResult train(StrategyContext context);
}
