package io.sparkgan.cli;

import io.sparkgan.core.config.Setting;
import io.sparkgan.spark.StrategyConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's table of settings, generated from the settings' declarations (flag, YAML key, Spark
 * ML param, default, meaning), so that it cannot drift from the code: {@code SettingsTableTest}
 * compares it with the README.
 */
final class SettingsTable {
    static final String BEGIN = "<!-- settings table: generated from the settings' declarations by SettingsTable; do not edit -->";
    static final String END = "<!-- end of settings table -->";

    private SettingsTable() {}

    /** The settings every run has first, then each component's own, in declaration order. */
    static List<Setting<?>> rows() {
        List<Setting<?>> general = new ArrayList<>();
        List<Setting<?>> scoped = new ArrayList<>();
        for (Setting<?> s : RunConfig.SETTINGS) {
            if (!s.equals(RunConfig.PRESET)) {
                (s.scope().isEmpty() ? general : scoped).add(s);
            }
        }
        general.addAll(scoped);
        return general;
    }

    static String markdown() {
        StringBuilder b = new StringBuilder(BEGIN).append('\n');
        b.append("| flag = YAML key | Spark ML param | default | meaning |\n| --- | --- | --- | --- |\n");
        for (Setting<?> s : rows()) {
            String param = StrategyConfig.SETTINGS.contains(s) ? "`" + s.camelName() + "`" : "(CLI only)";
            b.append("| `").append(s.flag()).append("` | ").append(param).append(" | ")
                    .append(ConfigOptions.defaultText(s).replace("|", "\\|")).append(" | ")
                    .append(s.doc().replace("|", "\\|")).append(" |\n");
        }
        return b.append(END).append('\n').toString();
    }
}
