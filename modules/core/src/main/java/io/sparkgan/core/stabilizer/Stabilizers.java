package io.sparkgan.core.stabilizer;

import io.sparkgan.core.config.Setting;
import io.sparkgan.core.config.SettingValues;
import io.sparkgan.core.objective.Objective;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The stabilizers users choose by name, each declared once here: its name, a one-line description,
 * its settings and how to build it. Adding one is its class and one entry in {@link #KINDS}; its
 * settings then appear as flags, YAML keys, Spark ML params, run.json entries and README rows by
 * themselves. A run names any number of them in {@link #SETTING}.
 */
public final class Stabilizers {
    /** How a stabilizer is built from the run's settings. */
    @FunctionalInterface
    public interface Factory {
        Stabilizer create(SettingValues config);
    }

    /**
     * One stabilizer as users choose it.
     *
     * @param name what {@code --stabilizers} lists
     * @param doc one line for tables and {@code --help}
     * @param settings the settings only this stabilizer reads
     */
    public record Kind(String name, String doc, List<Setting<?>> settings, Factory factory) {}

    public static final List<Kind> KINDS = List.of(
            new Kind("feature-matching", "Salimans et al. 2016 §3.1: G matches the mean of a D layer on real and generated batches",
                    List.of(FeatureMatching.LAYER), c -> new FeatureMatching(c.get(FeatureMatching.LAYER))),
            new Kind("historical-averaging", "Salimans et al. 2016 §3.3: penalty λ‖θ − mean of past θ‖² on G and on every D",
                    List.of(HistoricalAveraging.WEIGHT), c -> new HistoricalAveraging(c.get(HistoricalAveraging.WEIGHT))),
            new Kind("minibatch-discrimination", "Salimans et al. 2016 §3.2: a D layer comparing each sample with the rest of its batch",
                    List.of(MinibatchDiscrimination.KERNELS, MinibatchDiscrimination.KERNEL_DIMS),
                    c -> new MinibatchDiscrimination(c.get(MinibatchDiscrimination.KERNELS), c.get(MinibatchDiscrimination.KERNEL_DIMS))),
            new Kind("label-smoothing", "Salimans et al. 2016 §3.4: one-sided, real target t < 1 (nonsaturating, acgan)",
                    List.of(LabelSmoothing.REAL_TARGET), c -> new LabelSmoothing(c.get(LabelSmoothing.REAL_TARGET))),
            new Kind("virtual-batch-norm", "Salimans et al. 2016 §3.5: G's batch normalisation uses the statistics of a fixed reference batch",
                    List.of(VirtualBatchNorm.REFERENCE_BATCH), VirtualBatchNorm::of));

    /** Names as users write them. */
    public static final List<String> NAMES = KINDS.stream().map(Kind::name).toList();

    /** The run's stabilizers: a comma-separated list of {@link #NAMES}, empty for none. */
    public static final Setting<String> SETTING = Setting.text("stabilizers", "",
            "Comma-separated stabilizers (Salimans et al. 2016), any of: " + String.join(", ", NAMES) + " (empty: none).")
            .check((n, v) -> problem(v));

    /** Every stabilizer's own settings, in the order of {@link #KINDS}. */
    public static final List<Setting<?>> SETTINGS = KINDS.stream().flatMap(k -> k.settings().stream()).toList();

    private Stabilizers() {}

    /** The names in {@code list}, trimmed and lower-cased, in the order given. */
    public static List<String> names(String list) {
        List<String> out = new ArrayList<>();
        if (list == null || list.isBlank()) {
            return out;
        }
        for (String s : list.split(",")) {
            out.add(s.trim().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** Null when {@code list} names known stabilizers, each once; else the one-line message. */
    public static String problem(String list) {
        List<String> seen = new ArrayList<>();
        for (String name : names(list)) {
            if (!NAMES.contains(name)) {
                return "stabilizer '" + name + "' is unknown; expected a comma-separated list of " + NAMES;
            }
            if (seen.contains(name)) {
                return "stabilizer '" + name + "' is listed twice in '" + list + "'";
            }
            seen.add(name);
        }
        return null;
    }

    /** The stabilizers configuration {@code c} names, built with its settings. */
    public static List<Stabilizer> of(SettingValues c) {
        List<Stabilizer> out = new ArrayList<>();
        for (String name : names(c.get(SETTING))) {
            out.add(KINDS.stream().filter(k -> k.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(problem(name))).factory().create(c));
        }
        return out;
    }

    /** {@code objective} with every stabilizer of {@code stabilizers} applied, in order. */
    public static Objective apply(List<Stabilizer> stabilizers, Objective objective) {
        Objective o = objective;
        for (Stabilizer s : stabilizers) {
            o = s.apply(o);
        }
        return o;
    }
}
