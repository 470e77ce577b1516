package io.sparkgan.cli;

import io.sparkgan.core.train.StopSignal;
import org.apache.spark.sql.SparkSession;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM end a command cleanly: a training loop finishes its current step,
 * writes a checkpoint and stops ({@link StopSignal}); outside a training loop (reading data,
 * training the evaluation classifier) the running Spark jobs are cancelled. Either way the command
 * prints one line and exits with 130 (INT) or 143 (TERM). A second signal stops at once.
 *
 * <p>Why handlers instead of the JVM's default: the default starts the JVM's shutdown, whose hooks
 * stop the SparkContext under the running jobs; that printed a page of
 * {@code RejectedExecutionException} and lost the chance to checkpoint.
 */
final class Signals {
    private static boolean installed;

    private Signals() {}

    static synchronized void install() {
        if (installed) {
            return;
        }
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), s -> received(s.getName()));
            } catch (IllegalArgumentException e) {
                // the JVM reserves it (e.g. started with -Xrs): keep the default behaviour
            }
        }
        installed = true;
    }

    /** The exit code of a command stopped by signal {@code name}: 128 + the signal's number, as shells report it. */
    static int exitCode(String name) {
        return "TERM".equals(name) ? 143 : 130;
    }

    private static void received(String name) {
        if (!StopSignal.request(name)) {
            System.err.println("sparkgan: SIG" + name + " again: stopping now, without a final checkpoint");
            Runtime.getRuntime().halt(exitCode(name));
        }
        if (StopSignal.looping()) {
            System.err.println("sparkgan: SIG" + name + ": stopping after the current step and writing a checkpoint (send it again to stop at once)");
        } else {
            System.err.println("sparkgan: SIG" + name + ": stopping (send it again to stop at once)");
            SparkSession.getDefaultSession().foreach(spark -> {
                spark.sparkContext().cancelAllJobs();
                return null;
            });
        }
    }
}
