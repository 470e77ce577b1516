package io.sparkgan.cli;

import io.sparkgan.core.config.Setting;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The run settings shared by {@code train} and {@code compare}: a config file and flags that override it. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with the same keys as the flags (flags override it).")
    Path config;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not run by spark-submit (default: ${DEFAULT-VALUE}).", defaultValue = "local[*]")
    String master;

    @Option(names = "--preset", paramLabel = "NAME", description = "Start from a named setup: mdgan-mnist-mlp (the MD-GAN paper's MNIST MLP with ACGAN), dcgan-mnist. Config file and flags override it.") String preset;

    /** The settings given as flags, in the order given; their options are derived by {@link #addSettingFlags}. */
    private final Map<Setting<?>, Object> given = new LinkedHashMap<>();

    /**
     * Adds one flag per configuration {@link Setting} to {@code command} (whose mixin this is, under
     * the field name {@code options}): {@code --<key>}, typed as the setting, with its doc and default
     * as the description. Settings in {@code except} get no flag (the command sets them itself).
     */
    static void addSettingFlags(CommandSpec command, Set<Setting<?>> except) {
        ConfigOptions target = (ConfigOptions) command.mixins().get("options").userObject();
        RunConfig defaults = new RunConfig();
        for (Setting<?> s : defaults.settings()) {
            if (s.equals(RunConfig.PRESET) || except.contains(s)) {
                continue;
            }
            Class<?> t = s.type();
            boolean plain = t == Integer.class || t == Long.class || t == Double.class || t == Boolean.class;
            OptionSpec.Builder b = OptionSpec.builder(s.flag())
                    .type(plain ? t : String.class)
                    .paramLabel(t == Integer.class || t == Long.class ? "N" : t == Double.class ? "X" : t == Boolean.class ? "BOOL" : "VALUE")
                    .description(s.doc() + " Default: " + defaultText(s) + ".")
                    .setter(new CommandLine.Model.ISetter() {
                        @Override
                        @SuppressWarnings("unchecked")
                        public <T> T set(T value) {
                            // picocli resets every option to its initial value (null) before parsing.
                            return (T) (value == null ? target.given.remove(s) : target.given.put(s, value));
                        }
                    });
            if (t == Boolean.class) {
                b.arity("0..1").fallbackValue("true");
            }
            command.addOption(b.build());
        }
    }

    /**
     * Gives the options of {@code command} that set one of {@code settings} (found by the setting's
     * flag; other names such as {@code sample --steps} stay) the setting's doc and default as their
     * description, so a command with its own fields still shows what the declaration says.
     */
    static void describeFromSettings(CommandSpec command, List<Setting<?>> settings) {
        for (Setting<?> s : settings) {
            OptionSpec o = command.findOption(s.flag());
            if (o != null) {
                command.remove(o);
                command.addOption(o.toBuilder().description(s.doc() + " Default: " + defaultText(s) + ".").build());
            }
        }
    }

    /** As if {@code s}'s flag had been given with {@code value} (for code that builds options itself). */
    ConfigOptions flag(Setting<?> s, Object value) {
        given.put(s, value);
        return this;
    }

    /** The value given to {@code s}'s flag, or null when the flag was not given. */
    Object given(Setting<?> s) {
        return given.get(s);
    }

    /** Numbers as people write them: 10, 0.0001, not 10.0 or 1.0E-4. */
    private static String shown(Object v) {
        return v instanceof Double d ? java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString() : String.valueOf(v);
    }

    /** A setting's default as --help shows it, with the objectives that recommend another. */
    static String defaultText(Setting<?> s) {
        String text = shown(s.toJsonDefault());
        StringBuilder by = new StringBuilder();
        for (io.sparkgan.core.objective.Objectives.Kind k : io.sparkgan.core.objective.Objectives.KINDS) {
            Object v = io.sparkgan.core.objective.Objectives.defaults(k.name()).get(s);
            if (v != null && !v.equals(s.defaultValue())) {
                by.append(by.length() == 0 ? "; " : ", ").append(k.name()).append(": ").append(shown(v));
            }
        }
        return (text.isEmpty() ? "\"\"" : text) + by;
    }

    /** Defaults, then {@code base} adjustments, then the preset, then the config file, then the flags; validated. */
    RunConfig resolve(java.util.function.Consumer<RunConfig> base) {
        RunConfig c = new RunConfig();
        base.accept(c);
        Configs.File file = config == null ? null : Configs.load(config);
        // One preset, the flag's or else the file's, goes under the file's keys and the flags.
        String named = presetName(file);
        if (named != null) {
            Presets.apply(named, c);
        }
        return flagsOnto(file == null ? c : Configs.apply(file, c));
    }

    /**
     * A resumed run's configuration: the stored one with the config file's keys and the flags laid
     * over it, validated. A preset is compared by name instead of being applied again: its values are
     * already in the stored configuration, under whatever the run's file and flags changed.
     */
    RunConfig resolveOnto(RunConfig stored) {
        RunConfig c = Configs.fromMap(Configs.toMap(stored));
        Configs.File file = config == null ? null : Configs.load(config);
        String named = presetName(file);
        if (named != null && !named.equals(stored.getPreset())) {
            throw new UsageException("--resume: 'preset' was " + (stored.getPreset().isEmpty() ? "none" : "'" + stored.getPreset() + "'")
                    + " in this run but is now '" + named + "'; " + Resume.KEEPS);
        }
        return flagsOnto(file == null ? c : Configs.apply(file, c));
    }

    private String presetName(Configs.File file) {
        return preset != null ? preset.toLowerCase(Locale.ROOT) : file == null ? null : file.preset();
    }

    private RunConfig flagsOnto(RunConfig c) {
        try {
            given.forEach((s, v) -> put(c, s, v));
            c.validate();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return c;
    }

    /** A flag's value onto {@code c}: texts in lower case, except paths (a dataset with a path keeps its case). */
    private static <T> void put(RunConfig c, Setting<T> s, Object v) {
        if (v instanceof String text && !s.equals(RunConfig.DATA_DIR) && !(s.equals(RunConfig.DATASET) && text.contains(":"))) {
            v = text.toLowerCase(Locale.ROOT);
        }
        c.set(s, s.fromValue(v));
    }
}
