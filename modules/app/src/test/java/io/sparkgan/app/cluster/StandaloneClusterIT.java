package io.sparkgan.app.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * sparkgan-app.jar submitted through SparkSubmit to a real standalone cluster (a Master and two
 * Workers with one core each, so two executor JVMs): runs complete, write their run folders, and
 * their metrics equal a local-mode run of the same command (same jar, seed, ND4J build, one thread).
 *
 * <p>MD-GAN keeps each worker's discriminator in the memory of the executor that holds it, and its
 * tasks (iterations, sessions, swaps) must return there: an unfaulted run loses no task and equals
 * local mode exactly, swaps included.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class StandaloneClusterIT {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
    private static StandaloneCluster cluster;
    private static Path runs;

    @BeforeAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void startCluster() throws Exception {
        cluster = StandaloneCluster.twoExecutors("standalone");
        runs = cluster.runs();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Path clusterRun(String name, List<String> sparkganArgs, boolean sharedNativeCache) throws Exception {
        Path out = runs.resolve(name + "-cluster");
        Jvm submit = cluster.submit().sharedNativeCache(sharedNativeCache)
                .start(name + "-cluster", replaceOut(sparkganArgs, out), cluster.dir().resolve("logs/" + name + "-cluster.log"));
        try {
            Set<Long> executors = Runs.awaitSuccess(submit, cluster, RUN_TIMEOUT);
            Runs.assertNoLostTask(submit);
            assertTrue(executors.size() >= 2, "expected the run's tasks in two executor JVMs, saw " + executors);
        } finally {
            submit.close();
        }
        Runs.assertRunFolder(out);
        return out;
    }

    private static Path localRun(String name, List<String> sparkganArgs) throws Exception {
        Path out = runs.resolve(name + "-local");
        Jvm submit = new SparkSubmitRun(cluster.sparkHome(), "local[2]", "local", cluster.tmp())
                .start(name + "-local", replaceOut(sparkganArgs, out), cluster.dir().resolve("logs/" + name + "-local.log"));
        try {
            Runs.awaitSuccess(submit, null, RUN_TIMEOUT);
        } finally {
            submit.close();
        }
        Runs.assertRunFolder(out);
        return out;
    }

    private static List<String> replaceOut(List<String> args, Path out) {
        List<String> a = new java.util.ArrayList<>(args);
        a.set(a.indexOf("--out") + 1, out.toString());
        return a;
    }

    @Test
    void flganRunsOnTheClusterAsInLocalMode() throws Exception {
        List<String> args = Runs.tinyTrain(Path.of("unused"), "flgan", "--average-every-iterations", "5");
        // This run keeps the configured JavaCPP cache: relative, so inside each executor's working directory.
        Path cluster = clusterRun("flgan", args, false);
        Path local = localRun("flgan", args);
        Runs.assertSameMetrics(local, cluster);
        assertTrue(executorNativeCaches() >= 2, "each executor unpacks ND4J's natives into its own working directory");
    }

    /** bin/sparkgan with a spark:// master (no spark-submit): the application jar reaches the executors. */
    @Test
    void binSparkganWithAStandaloneMasterShipsTheApplicationJar() throws Exception {
        Path out = runs.resolve("flgan-bin-sparkgan");
        List<String> cmd = new java.util.ArrayList<>(List.of(ClusterPaths.root().resolve("bin/sparkgan").toString()));
        cmd.addAll(Runs.tinyTrain(out, "flgan", "--average-every-iterations", "5", "--master", cluster.masterUrl()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(cluster.dir().resolve("logs/flgan-bin-sparkgan.log").toFile());
        // The test cluster runs with spark.authenticate. The executors' options are appended to by sparkgan
        // (natives cache in their working directory, the driver's ND4J build).
        pb.environment().put("SPARKGAN_JAVA_OPTS", "-Dspark.authenticate=true -Dspark.authenticate.secret=" + cluster.secret()
                + " -Dspark.executor.extraJavaOptions=-XX:-UsePerfData");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        Set<Long> executors = new java.util.TreeSet<>();
        try {
            long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            while (p.isAlive() && System.nanoTime() < deadline) {
                executors.addAll(cluster.executorPids());
                Thread.sleep(250);
            }
            assertTrue(!p.isAlive(), "bin/sparkgan did not finish within " + RUN_TIMEOUT);
        } finally {
            p.destroyForcibly();
        }
        String log = Files.readString(cluster.dir().resolve("logs/flgan-bin-sparkgan.log"));
        assertTrue(p.exitValue() == 0, "bin/sparkgan exited " + p.exitValue() + ":\n" + log);
        assertTrue(executors.size() >= 2, "expected tasks in two executor JVMs, saw " + executors);
        Runs.assertRunFolder(out);
    }

    @Test
    void mdganSessionExchangeRunsOnTheClusterAsInLocalMode() throws Exception {
        List<String> args = Runs.tinyTrain(Path.of("unused"), "mdgan", "--exchange", "session", "--swap-every-epochs", "1");
        Path cluster = clusterRun("mdgan-session", args, true);
        Runs.assertSameMetrics(localRun("mdgan-session", args), cluster);
    }

    @Test
    void mdganJobExchangeRunsOnTheClusterAsInLocalMode() throws Exception {
        List<String> args = Runs.tinyTrain(Path.of("unused"), "mdgan", "--exchange", "job", "--swap-every-epochs", "1");
        Path cluster = clusterRun("mdgan-job", args, true);
        Runs.assertSameMetrics(localRun("mdgan-job", args), cluster);
    }

    /** javacpp-cache folders under the Workers' application work dirs (work/app-ID/N/javacpp-cache). */
    private static long executorNativeCaches() throws IOException {
        long n = 0;
        for (int w = 0; w < 2; w++) {
            try (Stream<Path> s = Files.find(cluster.workerWorkDir(w), 3, (p, a) -> a.isDirectory() && p.getFileName().toString().equals("javacpp-cache"))) {
                n += s.count();
            }
        }
        return n;
    }
}
