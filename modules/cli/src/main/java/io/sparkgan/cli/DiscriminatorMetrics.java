package io.sparkgan.cli;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.Generator;
import io.sparkgan.core.train.Evaluator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An evaluator that adds metrics read off discriminator 0 at every evaluation point (the standalone
 * run's D, FL-GAN's averaged D, MD-GAN's discriminator 0 fetched from the worker holding it) to
 * another one's: the seam of {@link Disentangling} and {@link SemiSupervisedEvaluation}, so that
 * several can stack.
 */
final class DiscriminatorMetrics {
    private DiscriminatorMetrics() {}

    /** {@code inner} (null: none) plus {@code names}, scored by {@code metrics} on discriminator 0. */
    static Evaluator add(Evaluator inner, List<String> names, Function<Discriminator, Map<String, Double>> metrics) {
        return new Evaluator() {
            @Override
            public List<String> metricNames() {
                List<String> all = new ArrayList<>(inner == null ? List.of() : inner.metricNames());
                all.addAll(names);
                return all;
            }

            @Override
            public Map<String, Double> evaluate(INDArray samples) {
                return inner == null ? Map.of() : inner.evaluate(samples);
            }

            @Override
            public Map<String, Double> score(Generator g, GanConfig config, int iteration) {
                return inner == null ? new LinkedHashMap<>() : inner.score(g, config, iteration);
            }

            @Override
            public boolean readsDiscriminator() {
                return true;
            }

            @Override
            public Map<String, Double> scoreDiscriminator(Discriminator d, GanConfig config, int iteration) {
                Map<String, Double> m = new LinkedHashMap<>();
                if (inner != null && inner.readsDiscriminator()) {
                    m.putAll(inner.scoreDiscriminator(d, config, iteration));
                }
                m.putAll(metrics.apply(d));
                return m;
            }
        };
    }
}
