package io.sparkgan.core.train;

/** Receives the progress of a training run (progress bars, metrics files). */
public interface TrainingListener {
    /** Before the first iteration; {@code startIteration} is non-zero for a resumed run. */
    default void onStart(int startIteration, int totalIterations) {}

    /** After every iteration, with that iteration's losses (for progress display). */
    default void onProgress(int iteration, double dLoss, double gLoss) {}

    /** At every logged iteration (every log-every iterations, every evaluation point and the last one). */
    default void onRecord(IterationRecord record) {}

    /**
     * Once the data is split, before training: the split mode, rows per worker and rows per worker
     * and class ([worker][class]; no columns for unlabelled data).
     */
    default void onShards(String mode, long[] sizes, long[][] classHistogram) {}

    default void onEnd() {}

    /**
     * Something the user should know that does not stop the run, e.g. a damaged checkpoint skipped
     * for an older one. Logged by default; a command line prints it as a line of its own.
     */
    default void onWarning(String message) {
        org.slf4j.LoggerFactory.getLogger(TrainingListener.class).warn(message);
    }
}
