package io.sparkgan.app.cluster;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the build put what the cluster tests need; set by the failsafe configuration of the cluster profile. */
public final class ClusterPaths {
    private ClusterPaths() {}

    private static String required(String key) {
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("system property " + key + " is not set; run the cluster tests with mvn -Pcluster verify");
        }
        return v;
    }

    /** The shaded application jar that spark-submit runs. */
    public static Path appJar() {
        return existing(Path.of(required("sparkgan.app.jar")));
    }

    /** Spark's own jars (the app module's provided closure): what a distribution has in $SPARK_HOME/jars. */
    public static Path sparkJars() {
        return existing(Path.of(required("sparkgan.spark.jars")));
    }

    /** spark-yarn (the YARN client and application master), for the YARN test's SPARK_HOME. */
    public static Path sparkYarnJars() {
        return existing(Path.of(required("sparkgan.spark.yarn.jars")));
    }

    /** Everything the cluster tests write goes below this folder (inside the module's target/). */
    public static Path clusterDir() {
        return Path.of(required("sparkgan.cluster.dir")).toAbsolutePath();
    }

    /** The checkout's root, for cluster-configs/. */
    public static Path root() {
        return existing(Path.of(required("sparkgan.root")).toAbsolutePath().normalize());
    }

    /** The build's shared JavaCPP cache (natives unpacked once for all test JVMs). */
    public static Path javacppCache() {
        return Path.of(required("sparkgan.javacpp.cache")).toAbsolutePath();
    }

    public static String jvmOpens() {
        return required("sparkgan.jvm.opens");
    }

    /** The ND4J build every JVM of a comparison loads, as bin/sparkgan chooses it: AVX2 with oneDNN where the CPU has AVX2 and FMA. */
    public static String nd4jExtension() {
        try {
            String cpu = Files.readString(Path.of("/proc/cpuinfo"));
            return cpu.matches("(?s).*\\bavx2\\b.*") && cpu.matches("(?s).*\\bfma\\b.*") ? "-onednn-avx2" : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static Path existing(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " does not exist; build it with mvn -Pcluster verify (package runs first)");
        }
        return p;
    }
}
