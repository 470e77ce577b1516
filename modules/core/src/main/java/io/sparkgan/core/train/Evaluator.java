package io.sparkgan.core.train;

import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Scores a set of generated samples; implementations live in the metrics module. */
public interface Evaluator {
    /** The metric names, in the order they become columns of metrics.csv. */
    List<String> metricNames();

    /** Metric values for {@code samples} ([n, d], inference-mode generator output). */
    Map<String, Double> evaluate(INDArray samples);

    /**
     * Scores {@code evalSamples} samples of {@code g} at {@code iteration}, drawn from an
     * evaluation stream of their own (seeded by the iteration): evaluating never shifts the
     * training draws, and every strategy is scored on the same codes.
     */
    default Map<String, Double> score(Generator g, GanConfig config, int iteration) {
        INDArray z = g.latent(GanRandom.stream(config.getSeed(), "eval", iteration), config.getEvalSamples());
        return new LinkedHashMap<>(evaluate(g.sample(z)));
    }

    /**
     * Whether {@link #scoreDiscriminator} reads a trained discriminator: a strategy whose
     * discriminators live on the workers then fetches one at evaluation points.
     */
    default boolean readsDiscriminator() {
        return false;
    }

    /**
     * Metrics of trained discriminator {@code d} at {@code iteration} (InfoGAN's Q reading real
     * images whose factors are known, say); none by default. Strategies pass discriminator 0.
     */
    default Map<String, Double> scoreDiscriminator(io.sparkgan.core.Discriminator d, GanConfig config, int iteration) {
        return Map.of();
    }
}
