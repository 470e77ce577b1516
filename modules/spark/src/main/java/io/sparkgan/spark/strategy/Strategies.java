package io.sparkgan.spark.strategy;

import io.sparkgan.spark.StrategyConfig;

/** Strategies by name. */
public final class Strategies {
    private Strategies() {}

    public static Strategy byName(String name) {
        return switch (name) {
            case "standalone" -> new StandaloneStrategy();
            case "mdgan" -> new MdGan();
            case "flgan" -> new FlGan();
            default -> throw new IllegalArgumentException("strategy '" + name + "' is unknown; expected one of " + StrategyConfig.STRATEGIES);
        };
    }
}
