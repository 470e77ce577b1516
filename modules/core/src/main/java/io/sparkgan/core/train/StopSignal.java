package io.sparkgan.core.train;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A request to stop training cleanly (Ctrl-C, SIGTERM), shared by the command that receives the
 * signal and the training loop that honours it. The loop finishes the step in flight, writes a
 * checkpoint and ends with {@link RunInterruptedException}, so a stopped run always resumes from
 * where it stopped.
 *
 * <p>Why a flag and not the JVM's shutdown: a shutdown hook runs while Spark's own hook stops the
 * SparkContext under the running jobs, which is what printed a page of
 * {@code RejectedExecutionException} and "Cannot call methods on a stopped SparkContext".
 */
public final class StopSignal {
    private static final AtomicReference<String> REQUESTED = new AtomicReference<>();
    private static volatile boolean looping;

    private StopSignal() {}

    /** Records a request to stop, naming its cause (e.g. "INT"); returns false if one was already recorded. */
    public static boolean request(String cause) {
        return REQUESTED.compareAndSet(null, cause);
    }

    /** Whether a stop was requested. */
    public static boolean requested() {
        return REQUESTED.get() != null;
    }

    /** The cause of the request, or null. */
    public static String cause() {
        return REQUESTED.get();
    }

    /** Whether a training loop is running, i.e. will honour a request at the end of its current step. */
    public static boolean looping() {
        return looping;
    }

    static void looping(boolean running) {
        looping = running;
    }

    /** Forgets a request (a new command in the same JVM, or a test). */
    public static void reset() {
        REQUESTED.set(null);
    }
}
