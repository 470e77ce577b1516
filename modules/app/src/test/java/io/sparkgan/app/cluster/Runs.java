package io.sparkgan.app.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Helpers for the cluster tests: tiny run command lines, waiting for a submission, comparing metrics. */
final class Runs {
    private Runs() {}

    /**
     * A run of a few seconds: grid25, 160 samples per worker, b = 16 (one local epoch = 10
     * iterations), 40 iterations, two evaluations and checkpoints.
     */
    static List<String> tinyTrain(Path out, String strategy, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--strategy", strategy, "--workers", "4",
                "--dataset", "grid25", "--dataset-size", "640", "--iterations", "40", "--batch-size", "16",
                "--generator", "mlp:16,16:relu", "--discriminator", "mlp:16,16:leakyrelu",
                "--eval-every", "20", "--eval-samples", "200", "--log-every", "5", "--checkpoint-every", "20",
                "--seed", "11", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    /**
     * Waits for a submission, recording the executor JVMs seen meanwhile; fails with the log's tail
     * when it does not exit 0.
     */
    static Set<Long> awaitSuccess(Jvm submit, StandaloneCluster cluster, Duration timeout) throws InterruptedException {
        Set<Long> executors = new TreeSet<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (submit.isAlive() && System.nanoTime() < deadline) {
            if (cluster != null) {
                executors.addAll(cluster.executorPids());
            }
            Thread.sleep(250);
        }
        int code = submit.waitFor(Duration.ofSeconds(Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000L)));
        if (code != 0) {
            throw new AssertionError(submit.name() + " exited " + code + firstLostTask(submit) + "\n(log: " + submit.log() + ")\n" + submit.tail(12));
        }
        return executors;
    }

    /**
     * An unfaulted run on a healthy cluster loses no task: a task that fails there (and may succeed when
     * Spark retries it elsewhere) means the runtime ran a worker where its state was not.
     */
    static void assertNoLostTask(Jvm submit) {
        String lost = firstLostTask(submit);
        if (!lost.isEmpty()) {
            throw new AssertionError(submit.name() + " lost tasks in an unfaulted run" + lost + "\n(log: " + submit.log() + ")");
        }
    }

    private static String firstLostTask(Jvm submit) {
        List<String> lost = submit.logText().lines().filter(l -> l.contains("Lost task")).toList();
        return lost.isEmpty() ? "" : "; " + lost.size() + " lost task(s), the first: " + lost.get(0).replaceFirst("^.*?Lost task", "Lost task");
    }

    static void assertRunFolder(Path run) {
        for (String f : List.of("run.json", "metrics.csv", "final.json")) {
            assertTrue(Files.isRegularFile(run.resolve(f)), run + " has no " + f);
        }
    }

    /**
     * metrics.csv of two runs, row by row, every column but wall_s: the same seed, ND4J build and
     * thread count give the same arithmetic in every task, wherever the task runs.
     */
    static void assertSameMetrics(Path a, Path b) throws IOException {
        List<String> ra = withoutWallTime(Files.readAllLines(a.resolve("metrics.csv")));
        List<String> rb = withoutWallTime(Files.readAllLines(b.resolve("metrics.csv")));
        assertTrue(ra.size() > 2, a + "/metrics.csv has no rows");
        assertEquals(ra.get(0), rb.get(0), "metrics.csv columns");
        for (int i = 1; i < Math.max(ra.size(), rb.size()); i++) {
            String x = i < ra.size() ? ra.get(i) : "<missing>";
            String y = i < rb.size() ? rb.get(i) : "<missing>";
            assertEquals(x, y, "metrics.csv row " + i + " (" + ra.get(0) + ")\n  " + a + "\n  " + b);
        }
    }

    private static List<String> withoutWallTime(List<String> lines) {
        int col = List.of(lines.get(0).split(",", -1)).indexOf("wall_s");
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            List<String> cells = new ArrayList<>(List.of(l.split(",", -1)));
            if (col >= 0 && col < cells.size()) {
                cells.remove(col);
            }
            out.add(String.join(",", cells));
        }
        return out;
    }
}
