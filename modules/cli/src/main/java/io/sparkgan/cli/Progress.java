package io.sparkgan.cli;

import io.sparkgan.core.train.TrainingListener;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A terminal progress bar (iteration, losses, ETA), shown only when the output is a terminal so
 * logs and CI output stay clean.
 */
final class Progress implements TrainingListener {
    private final String task;
    private final boolean enabled;
    private ProgressBar bar;

    Progress(String task, boolean enabled) {
        this.task = task;
        this.enabled = enabled;
    }

    /** True when stdout and stdin are attached to a terminal. */
    static boolean isTerminal() {
        return System.console() != null;
    }

    @Override
    public void onStart(int startIteration, int totalIterations) {
        if (enabled) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalIterations)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).showSpeed().build();
            bar.stepTo(startIteration);
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
    public void onEnd() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
