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

    /**
     * The trained discriminators of a run at its checkpoint {@code iteration}, in worker order, with
     * the run's objective. A conditional objective's class count is read off the networks' outputs
     * (a configuration may have left it to the data).
     *
     * @param driverParts the driver's checkpoint at {@code iteration}
     */
    public static List<io.sparkgan.core.Discriminator> discriminators(io.sparkgan.spark.StrategyConfig config, Map<String, byte[]> driverParts,
            String checkpointUri, int iteration, org.apache.hadoop.conf.Configuration hadoop) {
        List<io.sparkgan.core.Discriminator> out = new java.util.ArrayList<>();
        for (org.deeplearning4j.nn.multilayer.MultiLayerNetwork net : byName(config.getStrategy())
                .discriminators(config, driverParts, checkpointUri, iteration, hadoop)) {
            int classes = config.getClasses();
            if (io.sparkgan.core.objective.Objectives.conditional(config.getObjective())
                    && net.getLayerWiseConfigurations().getConf(net.getnLayers() - 1).getLayer() instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer last
                    && net.getLayerWiseConfigurations().getConf(0).getLayer() instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer first) {
                // ACGAN's head is the real/fake logit then one logit per class; the semi-supervised one a logit per class.
                classes = io.sparkgan.core.objective.Objectives.classesFromOutputs(config.getObjective(), last.getNOut(), (int) first.getNIn(), config);
            }
            out.add(new io.sparkgan.core.Discriminator(net, io.sparkgan.core.Gan.objective(withClasses(config, classes))));
        }
        return out;
    }

    private static io.sparkgan.spark.StrategyConfig withClasses(io.sparkgan.spark.StrategyConfig config, int classes) {
        io.sparkgan.spark.StrategyConfig c = (io.sparkgan.spark.StrategyConfig) org.apache.commons.lang3.SerializationUtils.clone(config);
        c.setClasses(classes);
        return c;
    }

    public static Strategy byName(String name) {
        Supplier<Strategy> s = REGISTRY.get(name);
        if (s == null) {
            throw new IllegalArgumentException("strategy '" + name + "' is unknown; expected one of " + names());
        }
        return s.get();
    }
}
