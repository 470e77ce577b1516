package io.sparkgan.core.checkpoint;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;

/**
 * Hadoop configurations for code that runs in Spark tasks, where only Hadoop's defaults (and the site
 * files on the executor's classpath) are visible: the settings a user gave the driver, for example
 * {@code --conf spark.hadoop.fs.s3a.endpoint=...}, travel with the task as the entries that differ
 * from the defaults, and are put back on top of them there.
 */
public final class HadoopConfs {
    private static final Map<Map<String, String>, Configuration> WITH = new ConcurrentHashMap<>();

    private HadoopConfs() {}

    /** Hadoop's default configuration, parsed once: a fresh one re-reads its XML files (9–15 ms here). */
    public static Configuration defaults() {
        return Defaults.CONF;
    }

    /** The entries of {@code conf} whose raw values differ from {@link #defaults()}. */
    public static Map<String, String> overrides(Configuration conf) {
        Configuration d = defaults();
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : conf) {
            if (!Objects.equals(d.getRaw(e.getKey()), e.getValue())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** The defaults with {@code overrides} on top; one shared instance per distinct set of overrides. */
    public static Configuration with(Map<String, String> overrides) {
        if (overrides.isEmpty()) {
            return defaults();
        }
        return WITH.computeIfAbsent(Map.copyOf(overrides), o -> {
            Configuration c = new Configuration(defaults());
            o.forEach(c::set);
            return c;
        });
    }

    private static final class Defaults {
        static final Configuration CONF = new Configuration();
    }
}
