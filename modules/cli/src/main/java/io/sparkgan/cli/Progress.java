package io.sparkgan.cli;

import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a run: a progress bar (iteration, losses, ETA) on a terminal; elsewhere (a cluster's
 * driver log, CI) one line at a steady rate, at most every {@link #LOG_SECONDS} seconds and at every
 * evaluation point, with the iteration, losses, metrics, bytes moved and worker restores. Nothing is
 * printed per task or per iteration.
 */
final class Progress implements TrainingListener {
    /** Seconds between progress lines in a log. */
    static final int LOG_SECONDS = 30;

    private final String task;
    private final boolean terminal;
    private final PrintStream log;
    private ProgressBar bar;
    private int total;
    private long lastLine;

    Progress(String task, boolean terminal) {
        this(task, terminal, System.err);
    }

    Progress(String task, boolean terminal, PrintStream log) {
        this.task = task;
        this.terminal = terminal;
        this.log = log;
    }

    /**
     * True when the progress output (stderr) is a terminal: stdin and stdout are (System.console), and
     * on Linux stderr itself is, so that {@code train ... 2> run.log} gets lines, not a redrawn bar.
     */
    static boolean isTerminal() {
        if (System.console() == null) {
            return false;
        }
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return true; // no /proc: trust the console
        }
    }

    @Override
    public void onStart(int startIteration, int totalIterations) {
        total = totalIterations;
        lastLine = System.nanoTime();
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalIterations)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).showSpeed().build();
            bar.stepTo(startIteration);
        } else {
            log.printf(Locale.ROOT, "%s: %s at iteration %d of %d%n", task, startIteration == 0 ? "starting" : "resuming", startIteration, totalIterations);
        }
    }

    @Override
    public void onProgress(int iteration, double dLoss, double gLoss) {
        if (bar != null) {
            bar.stepTo(iteration);
            bar.setExtraMessage(String.format(Locale.ROOT, "D %.3f G %.3f", dLoss, gLoss));
        }
    }

    @Override
    public void onRecord(IterationRecord r) {
        if (terminal) {
            return;
        }
        boolean due = System.nanoTime() - lastLine >= LOG_SECONDS * 1_000_000_000L;
        if (!due && r.metrics().isEmpty()) {
            return;
        }
        lastLine = System.nanoTime();
        log.println(line(task, r, total));
    }

    /** One progress line, e.g. {@code train mdgan: iteration 1200/5000, D 0.693 G 0.702, 12.3 MB moved, 0 restores, fid=41.2}. */
    static String line(String task, IterationRecord r, int total) {
        long bytes = r.traffic().toWorkers() + r.traffic().fromWorkers() + r.traffic().betweenWorkers();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s: iteration %d/%d, D %.4f G %.4f, %.1f s, %.1f MB moved, %d restores",
                task, r.iteration(), total, r.dLoss(), r.gLoss(), r.wallSeconds(), bytes / 1e6, r.restores()));
        if (r.lostIterations() > 0) {
            sb.append(String.format(Locale.ROOT, " (%d discriminator iterations lost)", r.lostIterations()));
        }
        r.metrics().forEach((k, v) -> sb.append(String.format(Locale.ROOT, ", %s=%.4g", k, v)));
        return sb.toString();
    }

    /** A warning is a line of its own, on the terminal as in a log. */
    @Override
    public void onWarning(String message) {
        if (bar != null) {
            bar.pause();
        }
        log.println(message);
        if (bar != null) {
            bar.resume();
        }
    }

    @Override
    public void onEnd() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
