package io.sparkgan.core.train;

import java.util.Map;

/**
 * One logged row of a run: the iteration (generator updates so far), wall seconds since the run
 * started (earlier segments of a resumed run included), the discriminator and generator losses
 * averaged over the iterations since the previous row, the cumulative {@link Traffic}, and
 * evaluation metrics when this iteration was an evaluation point (empty otherwise).
 */
public record IterationRecord(int iteration, double wallSeconds, double dLoss, double gLoss, Traffic traffic, Map<String, Double> metrics) {
    public IterationRecord {
        traffic = traffic == null ? Traffic.NONE : traffic;
        metrics = metrics == null ? Map.of() : metrics;
    }
}
