package io.sparkgan.spark.strategy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Strategies by name: the one registry. Flags, YAML keys, Spark ML params and messages list the
 * names from here ({@link io.sparkgan.spark.StrategyConfig#STRATEGIES}).
 */
public final class Strategies {
    private static final Map<String, Supplier<Strategy>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("standalone", StandaloneStrategy::new);
        REGISTRY.put("mdgan", MdGan::new);
        REGISTRY.put("flgan", FlGan::new);
    }

    private Strategies() {}

    /** The strategies' names, in the order they are documented. */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    public static Strategy byName(String name) {
        Supplier<Strategy> s = REGISTRY.get(name);
        if (s == null) {
            throw new IllegalArgumentException("strategy '" + name + "' is unknown; expected one of " + names());
        }
        return s.get();
    }
}
