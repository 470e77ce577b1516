package io.sparkgan.spark;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session a run works in. Under spark-submit the master and settings come from the
 * submit command; when the JVM was started directly (bin/sparkgan, tests) a local master is used,
 * and Spark's scratch space goes inside the run's own folder so nothing is left in /tmp.
 */
public final class SparkSessions {
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
        if (System.getProperty("spark.local.dir") == null && scratch != null) {
            b.config("spark.local.dir", scratch.toAbsolutePath().toString());
        }
        return b.config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "8")
                .getOrCreate();
    }
}
