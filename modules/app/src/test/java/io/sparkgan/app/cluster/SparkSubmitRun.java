package io.sparkgan.app.cluster;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Builds and starts one {@code org.apache.spark.deploy.SparkSubmit} JVM (client deploy mode: this JVM
 * is the driver) that runs the application jar with a sparkgan command line, as
 * {@code spark-submit --class io.sparkgan.cli.Main sparkgan-app.jar ...} would.
 *
 * <p>Settings come from a cluster-configs/MANAGER/spark-defaults.conf, plus what a test must change:
 * executor memory that fits the test Workers, temp files under target/, and (unless a test checks the
 * default) the build's shared JavaCPP cache instead of a fresh ~390 MB unpack per executor.
 */
public final class SparkSubmitRun {
    private final Path sparkHome;
    private final String master;
    private final Path propertiesFile;
    private final Path tmp;
    private final Map<String, String> conf = new LinkedHashMap<>();
    private final Map<String, String> env = new HashMap<>();
    private boolean sharedNativeCache = true;
    private String deployMode = "client";
    private final List<Path> classpath = new ArrayList<>();

    public SparkSubmitRun(Path sparkHome, String master, String manager, Path tmp) {
        this.sparkHome = sparkHome;
        this.master = master;
        this.propertiesFile = ClusterPaths.root().resolve("cluster-configs").resolve(manager).resolve("spark-defaults.conf");
        this.tmp = tmp;
    }

    public SparkSubmitRun conf(String key, String value) {
        conf.put(key, value);
        return this;
    }

    public SparkSubmitRun env(String key, String value) {
        env.put(key, value);
        return this;
    }

    /** client (this JVM is the driver) or cluster (YARN: the driver runs in the application master's container). */
    public SparkSubmitRun deployMode(String mode) {
        this.deployMode = mode;
        return this;
    }

    /** An extra class path entry of the SparkSubmit JVM (e.g. a Hadoop configuration folder, as spark-submit's launcher adds). */
    public SparkSubmitRun classpath(Path entry) {
        classpath.add(entry);
        return this;
    }

    /** false: executors keep the configured JavaCPP cache (the default: relative to their working directory). */
    public SparkSubmitRun sharedNativeCache(boolean shared) {
        this.sharedNativeCache = shared;
        return this;
    }

    /** The properties of the spark-defaults.conf this run uses. */
    public Properties defaults() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(propertiesFile)) {
            p.load(r);
        }
        return p;
    }

    /** The ND4J build executors load per the config; the driver loads the same one so both round alike. */
    public String nd4jExtension() throws IOException {
        String opts = defaults().getProperty("spark.executor.extraJavaOptions", "");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("-Dorg\\.bytedeco\\.javacpp\\.platform\\.extension=(\\S*)").matcher(opts);
        return m.find() ? m.group(1) : ClusterPaths.nd4jExtension();
    }

    public Jvm start(String name, List<String> sparkganArgs, Path log) throws IOException {
        Files.createDirectories(tmp);
        List<String> jvm = Jvm.baseOptions(tmp, "1g");
        jvm.add("-Xss4m");
        jvm.add("-Dorg.bytedeco.javacpp.cachedir=" + ClusterPaths.javacppCache());
        jvm.add("-Dorg.bytedeco.javacpp.platform.extension=" + nd4jExtension());
        jvm.add("-Dlog4j2.configurationFile=" + propertiesFile.resolveSibling("log4j2.properties"));
        jvm.add("-cp");
        StringBuilder cp = new StringBuilder(sparkHome.resolve("jars") + "/*");
        classpath.forEach(p -> cp.append(java.io.File.pathSeparator).append(p));
        jvm.add(cp.toString());

        String executorOpts = defaults().getProperty("spark.executor.extraJavaOptions", "").trim();
        if (sharedNativeCache) {
            executorOpts = executorOpts.replaceAll("-Dorg\\.bytedeco\\.javacpp\\.cachedir=\\S*", "").trim()
                    + " -Dorg.bytedeco.javacpp.cachedir=" + ClusterPaths.javacppCache();
        }
        // -XX:-UsePerfData: no hsperfdata files in the system temp folder from the JVMs the cluster starts.
        executorOpts = (executorOpts + " -XX:-UsePerfData -Djava.io.tmpdir=" + tmp).trim();

        List<String> args = new ArrayList<>(List.of("--master", master, "--deploy-mode", deployMode,
                "--properties-file", propertiesFile.toString(), "--name", name, "--class", "io.sparkgan.cli.Main",
                "--conf", "spark.executor.extraJavaOptions=" + executorOpts));
        if (deployMode.equals("cluster")) {
            // The driver is not this JVM: it gets the options bin/sparkgan would give it through Spark.
            args.addAll(List.of("--conf", "spark.driver.extraJavaOptions=-Xss4m -XX:-UsePerfData -Dorg.bytedeco.javacpp.cachedir=" + ClusterPaths.javacppCache()
                    + " -Dorg.bytedeco.javacpp.platform.extension=" + nd4jExtension()));
        }
        if (master.equals("yarn")) {
            args.addAll(List.of("--conf", "spark.yarn.am.extraJavaOptions=-XX:-UsePerfData"));
        }
        conf.forEach((k, v) -> {
            args.add("--conf");
            args.add(k + "=" + v);
        });
        args.add(ClusterPaths.appJar().toString());
        args.addAll(sparkganArgs);

        Map<String, String> e = new HashMap<>();
        e.put("SPARK_HOME", sparkHome.toString());
        e.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        e.put("SPARK_SCALA_VERSION", "2.12");
        e.put("SPARK_LOCAL_IP", "127.0.0.1");
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("OMP_NUM_THREADS", "1");
        e.put("OMP_WAIT_POLICY", "PASSIVE");
        e.putAll(env);
        return Jvm.start(name, jvm, "org.apache.spark.deploy.SparkSubmit", args, e, tmp.getParent(), log);
    }
}
