package io.sparkgan.app.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1: a Master and {@code workers} Worker JVMs, each a
 * separate process, whose executors are separate processes again (started by the Workers from
 * {@code $SPARK_HOME/jars}, as on a real cluster). No Spark distribution can be downloaded here, so
 * the SPARK_HOME is assembled from the build's own Spark jars (the app module's provided closure).
 *
 * <p>Everything it writes (SPARK_HOME, work and local dirs, logs, temp files) is under {@code dir}.
 * {@link #close()} destroys executors, Workers and the Master, also when a test fails; a shutdown
 * hook does the same if the test JVM is stopped.
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final Path sparkHome;
    private final int masterPort;
    private final Jvm master;
    private final List<Jvm> workers = new ArrayList<>();
    /** spark.authenticate's shared secret: the cluster runs with the security settings of cluster-configs/standalone. */
    private final String secret = java.util.UUID.randomUUID().toString();

    /**
     * @param coresPerWorker task slots per Worker (one executor per Worker and application)
     * @param workerMemory what a Worker may give its executors, e.g. "2g"
     */
    public StandaloneCluster(Path dir, int workerCount, int coresPerWorker, String workerMemory) throws IOException, InterruptedException {
        this.dir = dir.toAbsolutePath();
        deleteRecursively(this.dir);
        this.sparkHome = assembleSparkHome(this.dir.resolve("spark-home"));
        Files.createDirectories(tmp());
        this.masterPort = freePort();
        Jvm m = null;
        try {
            m = Jvm.start("master", daemonOptions(), "org.apache.spark.deploy.master.Master",
                    List.of("--host", "127.0.0.1", "--port", String.valueOf(masterPort), "--webui-port", "0"),
                    env(), this.dir.resolve("master"), this.dir.resolve("logs/master.log"));
            this.master = m;
            master.awaitLog("I have been elected leader", START_TIMEOUT);
            for (int i = 0; i < workerCount; i++) {
                Path work = this.dir.resolve("worker-" + i);
                Jvm w = Jvm.start("worker-" + i, daemonOptions(), "org.apache.spark.deploy.worker.Worker",
                        List.of("--host", "127.0.0.1", "--port", "0", "--webui-port", "0", "--cores", String.valueOf(coresPerWorker),
                                "--memory", workerMemory, "--work-dir", work.resolve("work").toString(), masterUrl()),
                        workerEnv(work), work, this.dir.resolve("logs/worker-" + i + ".log"));
                workers.add(w);
            }
            for (Jvm w : workers) {
                w.awaitLog("Successfully registered with master", START_TIMEOUT);
            }
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            workers.forEach(Jvm::close);
            if (m != null) {
                m.close();
            }
            throw e;
        }
    }

    /**
     * A SPARK_HOME whose jars/ holds Spark's own jars (symbolic links to the build's copies) and any
     * extra jar folders: all a standalone Worker needs to build executor command lines, and what
     * YARN containers take their class path from.
     */
    static Path assembleSparkHome(Path home, Path... extraJarDirs) throws IOException {
        Path jars = home.resolve("jars");
        Files.createDirectories(jars);
        List<Path> dirs = new ArrayList<>(List.of(ClusterPaths.sparkJars()));
        dirs.addAll(List.of(extraJarDirs));
        for (Path d : dirs) {
            try (Stream<Path> s = Files.list(d)) {
                for (Path jar : s.filter(p -> p.toString().endsWith(".jar")).toList()) {
                    Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar.toAbsolutePath());
                }
            }
        }
        // The launcher library takes $SPARK_HOME/jars only in a release layout (marked by this file);
        // otherwise it looks for a source build's assembly/target folder.
        Files.writeString(home.resolve("RELEASE"), "Spark 3.5.7 (jars from the sparkgan build, for tests)\n");
        Files.createDirectories(home.resolve("conf"));
        return home;
    }

    private List<String> daemonOptions() {
        List<String> o = Jvm.baseOptions(tmp(), "512m");
        o.add("-Dlog4j2.configurationFile=" + ClusterPaths.root().resolve("cluster-configs/standalone/log4j2.properties"));
        o.add("-Dspark.authenticate=true");
        o.add("-Dspark.authenticate.secret=" + secret);
        o.add("-cp");
        o.add(sparkHome.resolve("jars") + "/*");
        return o;
    }

    /** The environment of every cluster process (the Master, Workers, and through the Workers, executors). */
    Map<String, String> env() {
        Map<String, String> e = new HashMap<>();
        e.put("SPARK_HOME", sparkHome.toString());
        e.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        e.put("SPARK_SCALA_VERSION", "2.12");
        e.put("SPARK_LOCAL_IP", "127.0.0.1");
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("SPARK_LOCAL_DIRS", dir.resolve("local").toString());
        e.put("OMP_NUM_THREADS", "1");
        e.put("OMP_WAIT_POLICY", "PASSIVE");
        return e;
    }

    private Map<String, String> workerEnv(Path work) {
        Map<String, String> e = env();
        e.put("SPARK_LOCAL_DIRS", work.resolve("local").toString());
        e.put("SPARK_WORKER_DIR", work.resolve("work").toString());
        return e;
    }

    /** The secret applications must present (spark.authenticate.secret). */
    /**
     * The cluster the tests use: two Workers of one core each (so two executor JVMs), in
     * {@code target/cluster/<name>}, with a {@link #runs()} folder for run folders.
     */
    public static StandaloneCluster twoExecutors(String name) throws IOException, InterruptedException {
        StandaloneCluster c = new StandaloneCluster(ClusterPaths.clusterDir().resolve(name), 2, 1, "2g");
        Files.createDirectories(c.runs());
        return c;
    }

    /** Where tests put their run folders. */
    public Path runs() {
        return dir.resolve("runs");
    }

    public String secret() {
        return secret;
    }

    /** A submission of the application jar to this cluster, with its secret and executors that fit its Workers. */
    public SparkSubmitRun submit() {
        return new SparkSubmitRun(sparkHome, masterUrl(), "standalone", tmp())
                .conf("spark.authenticate.secret", secret)
                .conf("spark.executor.cores", "1")
                .conf("spark.executor.memory", "1g")
                .conf("spark.driver.memory", "1g");
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    public Path sparkHome() {
        return sparkHome;
    }

    public Path dir() {
        return dir;
    }

    public Path tmp() {
        return dir.resolve("tmp");
    }

    public Jvm master() {
        return master;
    }

    public List<Jvm> workers() {
        return List.copyOf(workers);
    }

    public List<Long> workerPids() {
        return workers.stream().map(Jvm::pid).toList();
    }

    /** The executor JVMs alive now (the Workers' child processes running CoarseGrainedExecutorBackend). */
    public List<ProcessHandle> executors() {
        List<ProcessHandle> e = new ArrayList<>();
        for (Jvm w : workers) {
            for (ProcessHandle h : w.descendants()) {
                if (h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")) {
                    e.add(h);
                }
            }
        }
        return e;
    }

    public List<Long> executorPids() {
        return executors().stream().map(ProcessHandle::pid).toList();
    }

    /** The work folder of one Worker (executors' stdout/stderr and working directories: work/app-ID/N/). */
    public Path workerWorkDir(int worker) {
        return dir.resolve("worker-" + worker).resolve("work");
    }

    @Override
    public void close() {
        for (Jvm w : workers) {
            w.close();
        }
        if (master != null) {
            master.close();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void deleteRecursively(Path p) {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
