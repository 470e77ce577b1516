package io.sparkgan.core.train;

import java.util.Map;

/**
 * One logged row of a run: the iteration (generator updates so far), wall seconds since the run
 * started (earlier segments of a resumed run included), the discriminator and generator losses
 * averaged over the iterations since the previous row, the cumulative {@link Traffic}, the
 * cumulative worker restores and the discriminator iterations they lost (a worker restored from a
 * checkpoint older than its state loses the iterations in between), and evaluation metrics when
 * this iteration was an evaluation point (empty otherwise).
 */
public record IterationRecord(int iteration, double wallSeconds, double dLoss, double gLoss, Traffic traffic, int restores,
        long lostIterations, Map<String, Double> metrics) {
    public IterationRecord {
        traffic = traffic == null ? Traffic.NONE : traffic;
        metrics = metrics == null ? Map.of() : metrics;
    }

    /** A row of a run without worker restores. */
    public IterationRecord(int iteration, double wallSeconds, double dLoss, double gLoss, Traffic traffic, Map<String, Double> metrics) {
        this(iteration, wallSeconds, dLoss, gLoss, traffic, 0, 0, metrics);
    }
}
