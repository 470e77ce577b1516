package io.sparkgan.data;

import org.apache.spark.sql.SparkSession;

/** The test suites' Spark session: local[2], no UI; shared by the test classes and stopped with the JVM. */
public final class TestSpark {
    private TestSpark() {}

    public static SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("data-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }
}
