package io.sparkgan.app.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * sparkgan-app.jar submitted with {@code --master yarn} to a real YARN: a ResourceManager and a
 * NodeManager in this JVM (MiniYARNCluster, as Spark's own YARN suite does), whose containers (the
 * application master, the executors and, in cluster deploy mode, the driver) are separate processes
 * launched by the NodeManager. Settings come from cluster-configs/yarn/spark-defaults.conf.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class YarnClusterIT {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
    private static MiniYARNCluster yarn;
    private static Path dir;
    private static Path sparkHome;
    private static Path hadoopConf;

    @BeforeAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void startYarn() throws Exception {
        dir = ClusterPaths.clusterDir().resolve("yarn");
        StandaloneCluster.deleteRecursively(dir);
        sparkHome = StandaloneCluster.assembleSparkHome(dir.resolve("spark-home"), ClusterPaths.sparkYarnJars());
        YarnConfiguration conf = new YarnConfiguration();
        conf.set("hadoop.tmp.dir", dir.resolve("hadoop-tmp").toString());
        // A nearly full build disk must not mark the only NodeManager unhealthy.
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        // hadoop-client-minicluster has no capacity-scheduler.xml: one queue, open to the test user.
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        conf.set("yarn.resourcemanager.hostname", "127.0.0.1");
        conf.set("yarn.nodemanager.hostname", "127.0.0.1");
        // Room for the application master and two 1 GB executors with their overhead; vcores are nominal.
        conf.setInt("yarn.nodemanager.resource.memory-mb", 8192);
        conf.setInt("yarn.nodemanager.resource.cpu-vcores", 4);
        conf.setInt("yarn.scheduler.minimum-allocation-mb", 256);
        conf.setInt("yarn.scheduler.maximum-allocation-mb", 4096);
        // A JVM reserves far more virtual memory than it uses; physical memory stays checked.
        conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
        yarn = new MiniYARNCluster("sparkgan-yarn", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        // start() may return before the ResourceManager has written its real port into the configuration.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            assertTrue(System.nanoTime() < deadline, "the ResourceManager did not publish its address");
            Thread.sleep(100);
        }
        hadoopConf = dir.resolve("hadoop-conf");
        Files.createDirectories(hadoopConf);
        try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("yarn-site.xml"))) {
            yarn.getConfig().writeXml(out);
        }
        Files.createDirectories(dir.resolve("runs"));
    }

    @AfterAll
    static void stopYarn() {
        if (yarn != null) {
            yarn.stop();
        }
    }

    private static Path run(String name, String deployMode, List<String> sparkganArgs) throws Exception {
        Path out = dir.resolve("runs").resolve(name);
        List<String> args = new ArrayList<>(sparkganArgs);
        args.set(args.indexOf("--out") + 1, out.toString());
        Jvm submit = new SparkSubmitRun(sparkHome, "yarn", "yarn", dir.resolve("tmp"))
                .deployMode(deployMode)
                .classpath(hadoopConf)
                .env("HADOOP_CONF_DIR", hadoopConf.toString())
                // Containers run Spark from this SPARK_HOME on the same machine: nothing to upload.
                .conf("spark.yarn.jars", "local:" + sparkHome.resolve("jars") + "/*")
                // Spark stages the application jar in the file system's home folder by default ($HOME here).
                .conf("spark.yarn.stagingDir", dir.resolve("staging").toUri().toString())
                .conf("spark.executor.instances", "2")
                .conf("spark.executor.cores", "1")
                .conf("spark.executor.memory", "1g")
                .conf("spark.executor.memoryOverhead", "1g")
                .conf("spark.driver.memory", "1g")
                .conf("spark.driver.memoryOverhead", "1g")
                .conf("spark.yarn.am.memory", "512m")
                .conf("spark.yarn.appMasterEnv.JAVA_HOME", System.getProperty("java.home"))
                .conf("spark.executorEnv.JAVA_HOME", System.getProperty("java.home"))
                .start(name, args, dir.resolve("logs/" + name + ".log"));
        try {
            Runs.awaitSuccess(submit, null, RUN_TIMEOUT);
            Runs.assertNoLostTask(submit);
        } finally {
            submit.close();
        }
        Runs.assertRunFolder(out);
        return out;
    }

    private static Path localRun(String name, List<String> sparkganArgs) throws Exception {
        Path out = dir.resolve("runs").resolve(name + "-local");
        List<String> args = new ArrayList<>(sparkganArgs);
        args.set(args.indexOf("--out") + 1, out.toString());
        Jvm submit = new SparkSubmitRun(sparkHome, "local[2]", "local", dir.resolve("tmp"))
                .start(name + "-local", args, dir.resolve("logs/" + name + "-local.log"));
        try {
            Runs.awaitSuccess(submit, null, RUN_TIMEOUT);
        } finally {
            submit.close();
        }
        return out;
    }

    @Test
    void flganRunsOnYarnInClientAndClusterModeAsInLocalMode() throws Exception {
        List<String> args = Runs.tinyTrain(Path.of("unused"), "flgan", "--average-every-iterations", "5");
        Path local = localRun("flgan", args);
        Runs.assertSameMetrics(local, run("flgan-client", "client", args));
        Runs.assertSameMetrics(local, run("flgan-cluster", "cluster", args));
    }

    /** MD-GAN with swaps: the session exchange with the driver on this machine, the job exchange with the driver in a container. */
    @Test
    void mdganWithSwapsRunsOnYarnAsInLocalMode() throws Exception {
        List<String> session = Runs.tinyTrain(Path.of("unused"), "mdgan", "--exchange", "session", "--swap-every-epochs", "1");
        Runs.assertSameMetrics(localRun("mdgan-session", session), run("mdgan-session-client", "client", session));
        List<String> job = Runs.tinyTrain(Path.of("unused"), "mdgan", "--exchange", "job", "--swap-every-epochs", "1");
        Runs.assertSameMetrics(localRun("mdgan-job", job), run("mdgan-job-cluster", "cluster", job));
    }
}
