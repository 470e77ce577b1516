package io.sparkgan.core.train;

import java.util.Map;

/**
 * One logged row of a run: the iteration (generator updates so far), wall seconds since the run
 * (or its resumption) started plus the time of earlier segments, the discriminator and generator
 * losses averaged over the iterations since the previous row, and evaluation metrics when this
 * iteration was an evaluation point (empty otherwise).
 */
public record IterationRecord(int iteration, double wallSeconds, double dLoss, double gLoss, Map<String, Double> metrics) {}
