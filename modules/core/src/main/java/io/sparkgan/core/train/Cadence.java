package io.sparkgan.core.train;

import io.sparkgan.core.GanConfig;
import java.util.Map;
import java.util.function.Supplier;

/**
 * When a run logs, evaluates and checkpoints, shared by every strategy so their metrics files line
 * up row for row. A strategy reports after each step; a step may cover one iteration (standalone,
 * MD-GAN) or a whole round of local iterations (FL-GAN): an event is due when the step crossed a
 * multiple of its period, and at the last iteration.
 */
public final class Cadence {
    private final GanConfig config;
    private final TrainingListener listener;
    private final long start = System.nanoTime();
    private final double wallBefore;
    private double dSum;
    private double gSum;
    private int window;
    private Map<String, Double> lastMetrics = Map.of();

    public Cadence(GanConfig config, TrainingListener listener, double wallBefore) {
        this(config, listener, wallBefore, Window.EMPTY);
    }

    /** A cadence that continues a resumed run, whose next logged row also averages over {@code window}. */
    public Cadence(GanConfig config, TrainingListener listener, double wallBefore, Window window) {
        this.config = config;
        this.listener = listener;
        this.wallBefore = wallBefore;
        this.dSum = window.dSum();
        this.gSum = window.gSum();
        this.window = window.iterations();
    }

    /**
     * The losses summed since the last logged row: checkpointed, so that the first row a resumed run
     * logs averages over the same iterations as an uninterrupted run's.
     */
    public record Window(double dSum, double gSum, int iterations) {
        public static final Window EMPTY = new Window(0, 0, 0);
    }

    public Window window() {
        return new Window(dSum, gSum, window);
    }

    /** Wall seconds of the run so far, earlier segments of a resumed run included. */
    public double wallSeconds() {
        return wallBefore + (System.nanoTime() - start) / 1e9;
    }

    static boolean crossed(int from, int to, int period) {
        return to / period > from / period;
    }

    /** Whether a step from {@code from} to {@code to} ends at an evaluation point (the last iteration is one). */
    public static boolean evaluationDue(io.sparkgan.core.GanConfig config, int from, int to) {
        return crossed(from, to, config.getEvalEvery()) || to >= config.getIterations();
    }

    public boolean checkpointDue(int from, int to) {
        return crossed(from, to, config.getCheckpointEvery()) || to >= config.getIterations();
    }

    /**
     * Reports a step that took the run from iteration {@code from} to {@code to} with the given mean
     * losses; evaluates (through {@code evaluate}) and logs when due.
     */
    public void after(int from, int to, double dLoss, double gLoss, Traffic traffic, Supplier<Map<String, Double>> evaluate) {
        after(from, to, dLoss, gLoss, traffic, 0, 0, evaluate);
    }

    /** As above, with the run's cumulative worker restores and the iterations they lost. */
    public void after(int from, int to, double dLoss, double gLoss, Traffic traffic, int restores, long lostIterations,
            Supplier<Map<String, Double>> evaluate) {
        dSum += dLoss * (to - from);
        gSum += gLoss * (to - from);
        window += to - from;
        listener.onProgress(to, dLoss, gLoss);
        boolean end = to >= config.getIterations();
        boolean eval = evaluate != null && evaluationDue(config, from, to);
        if (eval) {
            lastMetrics = evaluate.get();
        }
        if (eval || end || crossed(from, to, config.getLogEvery())) {
            listener.onRecord(new IterationRecord(to, wallSeconds(), dSum / window, gSum / window, traffic, restores, lostIterations,
                    eval ? lastMetrics : Map.of()));
            dSum = 0;
            gSum = 0;
            window = 0;
        }
    }

    /** Metrics of the latest evaluation. */
    public Map<String, Double> lastMetrics() {
        return lastMetrics;
    }
}
