package io.sparkgan.spark;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session a run works in. Under spark-submit the master and settings come from the
 * submit command; when the JVM was started directly (bin/sparkgan, tests) a local master is used,
 * and Spark's scratch space goes inside the run's own folder so nothing is left in /tmp.
 *
 * <p>Executors are separate JVMs that bin/sparkgan never starts, so the settings it gives the
 * driver's JVM are passed to them here as defaults: anything the user set (spark-defaults.conf,
 * {@code --conf}) wins, and executor JVM options are appended to, never replaced.
 */
public final class SparkSessions {
    /**
     * The JavaCPP cache executors unpack ND4J's natives into (~390 MB): relative, so it lands in the
     * executor's working directory, which YARN and Kubernetes delete with the container and a
     * standalone Worker keeps under its work dir; never the home folder JavaCPP picks by default.
     */
    public static final String EXECUTOR_JAVACPP_CACHE = "javacpp-cache";

    /**
     * How long a task waits for a slot on the executor holding its worker's state before running
     * elsewhere. MD-GAN's discriminators live in executor memory, so a task placed elsewhere has to
     * restore from a checkpoint; Spark's 3 s default gives up too early when a slot is briefly busy.
     */
    public static final String LOCALITY_WAIT = "30s";

    private SparkSessions() {}

    /**
     * @param master the master to use when none was given by spark-submit (e.g. local[2])
     * @param scratch folder for Spark's local dirs (shuffle, spills, broadcast blocks)
     */
    public static SparkSession getOrCreate(String appName, String master, Path scratch) {
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (System.getProperty("spark.master") == null) {
            b.master(master);
        }
        String effectiveMaster = System.getProperty("spark.master", master);
        String appJar = System.getProperty("sparkgan.app.jar");
        // Started without spark-submit (bin/sparkgan --master spark://...), executors have none of the
        // application's classes: ship the application jar, as spark-submit would.
        if (effectiveMaster != null && !effectiveMaster.startsWith("local") && System.getProperty("spark.jars") == null && appJar != null) {
            if (!java.nio.file.Files.isRegularFile(Path.of(appJar))) {
                throw new IllegalStateException("master " + effectiveMaster + " runs tasks in other JVMs, which need the application jar "
                        + appJar + "; build it with 'mvn -B -DskipTests package'");
            }
            b.config("spark.jars", Path.of(appJar).toAbsolutePath().toString());
        }
        if (System.getProperty("spark.local.dir") == null && scratch != null) {
            b.config("spark.local.dir", scratch.toAbsolutePath().toString());
        }
        // spark-submit passes its settings to the driver as spark.* system properties; SparkConf reads them.
        executorDefaults(new SparkConf(), System.getProperty("org.bytedeco.javacpp.platform.extension")).forEach(b::config);
        return b.config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "8")
                .getOrCreate();
    }

    /**
     * The executor settings to add to {@code given}: only keys it lacks, and for
     * {@code spark.executor.extraJavaOptions} the given value plus the options it does not mention.
     *
     * @param nd4jExtension the driver's {@code org.bytedeco.javacpp.platform.extension} (null: not chosen),
     *     passed on so executors load the same ND4J build and round exactly as the driver and local mode do
     */
    public static Map<String, String> executorDefaults(SparkConf given, String nd4jExtension) {
        Map<String, String> d = new LinkedHashMap<>();
        // Spark runs one task per executor core; ND4J's default of several OpenMP threads per JVM would
        // oversubscribe the cores (docs/benchmarks.md), and spinning OpenMP threads starve OpenBLAS.
        putIfAbsent(d, given, "spark.executorEnv.OMP_NUM_THREADS", "1");
        putIfAbsent(d, given, "spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        putIfAbsent(d, given, "spark.locality.wait", LOCALITY_WAIT);
        String opts = given.get("spark.executor.extraJavaOptions", "").trim();
        String extended = appendIfMissing(opts, "-Dorg.bytedeco.javacpp.cachedir=", EXECUTOR_JAVACPP_CACHE);
        if (nd4jExtension != null) {
            extended = appendIfMissing(extended, "-Dorg.bytedeco.javacpp.platform.extension=", nd4jExtension);
        }
        if (!extended.equals(opts)) {
            d.put("spark.executor.extraJavaOptions", extended);
        }
        return d;
    }

    private static void putIfAbsent(Map<String, String> d, SparkConf given, String key, String value) {
        if (!given.contains(key)) {
            d.put(key, value);
        }
    }

    private static String appendIfMissing(String opts, String prefix, String value) {
        if (opts.contains(prefix)) {
            return opts;
        }
        // Spark splits these options like a shell would; a value with spaces needs quotes.
        String option = prefix + value;
        if (value.chars().anyMatch(Character::isWhitespace)) {
            option = "\"" + option + "\"";
        }
        return opts.isEmpty() ? option : opts + " " + option;
    }
}
