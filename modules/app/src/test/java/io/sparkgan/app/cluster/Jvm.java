package io.sparkgan.app.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A JVM the tests started as a separate process: its output goes to a log file, and it is destroyed
 * with every process it spawned (a Worker's executors) on {@link #close()}, on test JVM shutdown,
 * and when a wait times out, so a failing or hanging test leaves no process behind.
 */
public final class Jvm implements AutoCloseable {
    private static final Set<Jvm> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Jvm::close), "sparkgan-test-jvms"));
    }

    private final String name;
    private final Process process;
    private final Path log;
    /** Every descendant seen while the process ran: an orphaned executor is not a descendant any more. */
    private final Set<ProcessHandle> seenDescendants = ConcurrentHashMap.newKeySet();

    private Jvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java [jvmArgs] mainClass [args]} with the test JVM's java, merging stderr into the log. */
    public static Jvm start(String name, List<String> jvmArgs, String mainClass, List<String> args,
            Map<String, String> env, Path workDir, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add(mainClass);
        cmd.addAll(args);
        Files.createDirectories(log.getParent());
        Files.createDirectories(workDir);
        Files.writeString(log, "$ " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Jvm j = new Jvm(name, pb.start(), log);
        LIVE.add(j);
        return j;
    }

    /** Standard JVM options for every process of the cluster: Spark's Java 17 opens, temp files under target/. */
    public static List<String> baseOptions(Path tmp, String heap) {
        List<String> o = new ArrayList<>(Arrays.asList(ClusterPaths.jvmOpens().trim().split("\\s+")));
        o.add("-Xmx" + heap);
        o.add("-XX:-UsePerfData");
        o.add("-Djava.io.tmpdir=" + tmp);
        return o;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Descendant processes now alive (for a Worker: its executor JVMs), remembered for clean-up. */
    public List<ProcessHandle> descendants() {
        List<ProcessHandle> d = process.descendants().filter(ProcessHandle::isAlive).toList();
        seenDescendants.addAll(d);
        return d;
    }

    /** Waits for the exit code; on timeout the process (and its descendants) is destroyed and an error thrown. */
    public int waitFor(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            descendants();
            if (process.waitFor(200, TimeUnit.MILLISECONDS)) {
                return process.exitValue();
            }
        }
        close();
        throw new AssertionError(name + " did not finish within " + timeout + "; destroyed it (log: " + log + ")\n" + tail(40));
    }

    /** Waits until the log contains {@code text}; fails fast if the process exits first or the time runs out. */
    public void awaitLog(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (logText().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") before logging '" + text + "'\n" + tail(40));
            }
            Thread.sleep(100);
        }
        close();
        throw new AssertionError(name + " did not log '" + text + "' within " + timeout + "\n" + tail(40));
    }

    public String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    public String tail(int lines) {
        List<String> l = logText().lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
    }

    /**
     * Sends a signal to any process (e.g. "STOP" to hang an executor, "CONT" to resume it, "KILL"), through
     * kill(1): Java can only terminate processes.
     */
    public static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed: " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    /** SIGKILL, without waiting for anything (what a crash looks like to the rest of the cluster). */
    public void kill() {
        process.destroyForcibly();
    }

    /** Destroys descendants first (they are orphaned and unreachable once the parent is gone), then the process. */
    @Override
    public void close() {
        descendants();
        for (ProcessHandle h : seenDescendants) {
            h.destroyForcibly();
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            for (ProcessHandle h : seenDescendants) {
                h.onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception ignored) {
            // best effort: a process that outlives SIGKILL by 10 s is beyond a test's reach
        }
        LIVE.remove(this);
    }
}
