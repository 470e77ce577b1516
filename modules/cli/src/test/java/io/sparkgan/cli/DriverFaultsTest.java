package io.sparkgan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.run.MetricsCsv;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver (the {@code sparkgan train} process) stopped from outside, for real: SIGKILL at many
 * moments, checkpoint writes included, and SIGTERM. Each time the run resumes from its last
 * complete checkpoint and ends exactly where an uninterrupted run ends, with no metrics row lost
 * or duplicated.
 */
@Timeout(600)
class DriverFaultsTest {
    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    /** MD-GAN over a session, 3 workers, swaps every local epoch, checkpoints every 7 iterations. */
    static List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--strategy", "mdgan", "--workers", "3", "--k", "2", "--dataset", "grid25",
                "--dataset-size", "600", "--iterations", "240", "--batch-size", "16", "--eval-every", "30", "--eval-samples", "200",
                "--log-every", "5", "--checkpoint-every", "7", "--generator", "mlp:16,16:relu", "--discriminator", "mlp:16,16:leakyrelu",
                "--master", "local[2]", "--seed", "3", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    /** {@code sparkgan} in a JVM of its own, with this test JVM's flags (Java 17 opens, scratch folders). */
    private Process launch(List<String> args, Path stderr) throws IOException {
        return launch(List.of(), args, stderr);
    }

    /** As {@link #launch(List, Path)}, with {@code jvmFlags} added after this JVM's. */
    private Process launch(List<String> jvmFlags, List<String> args, Path stderr) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-Xmx") && !a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx1g");
        cmd.addAll(jvmFlags);
        String log4j = System.getProperty("log4j2.configurationFile");
        if (log4j != null) {
            cmd.add("-Dlog4j2.configurationFile=" + log4j);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sparkgan.cli.Main"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile()).start();
        started.add(p);
        return p;
    }

    private static int lastIteration(Path run) throws IOException {
        Path csv = run.resolve("metrics.csv");
        if (!Files.exists(csv)) {
            return 0;
        }
        int last = 0;
        for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
            int comma = line.indexOf(',');
            if (comma > 0 && Character.isDigit(line.charAt(0)) && line.endsWith(",") == false) {
                try {
                    last = Math.max(last, Integer.parseInt(line.substring(0, comma)));
                } catch (NumberFormatException ignored) {
                    // a line cut short by the kill
                }
            }
        }
        return last;
    }

    /** Waits until the run logged past {@code iteration}, or the process ended. */
    private static void waitPast(Process p, Path run, int iteration) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (p.isAlive() && lastIteration(run) <= iteration && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Rows of metrics.csv without the columns a restart legitimately changes (time, restores). */
    private static List<Map<String, String>> rows(Path run) {
        List<Map<String, String>> out = new ArrayList<>();
        for (Map<String, String> r : MetricsCsv.read(run.resolve("metrics.csv"))) {
            Map<String, String> m = new LinkedHashMap<>(r);
            m.remove("wall_s");
            m.remove("worker_restores");
            out.add(m);
        }
        return out;
    }

    private static org.nd4j.linalg.api.ndarray.INDArray finalGenerator(Path run) {
        CheckpointStore store = new CheckpointStore(run.resolve("checkpoints").toUri().toString());
        return ModelParts.network(store.load(store.latest().orElseThrow()), ModelParts.GENERATOR).params();
    }

    @Test
    void aProcessCapBelowTheNetworksRefusesTheRunBeforeSparkStarts() throws Exception {
        // ND4J's arrays are bounded by JavaCPP's process cap (maxphysicalbytes), so that is the room
        // the size check compares against; a cap below the JVM's own size leaves none.
        Path out = tmp.resolve("capped");
        Path stderr = tmp.resolve("capped.err");
        Process p = launch(List.of("-Dorg.bytedeco.javacpp.maxphysicalbytes=100M"), args(out), stderr);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), Files.readString(stderr));
        List<String> lines = Files.readAllLines(stderr).stream().filter(l -> l.startsWith("train:")).toList();
        assertEquals(1, lines.size(), Files.readString(stderr));
        assertTrue(lines.get(0).startsWith("train: the networks are too large for this JVM: generator mlp:16,16:relu:identity on 2-d codes"), lines.get(0));
        assertTrue(lines.get(0).endsWith("; expected at most 0.00 MB (check latent-dim, the widths and batch-size, or raise org.bytedeco.javacpp.maxphysicalbytes)"),
                lines.get(0));
        assertFalse(Files.exists(out), "a refused run leaves no run folder");
        assertFalse(Files.readString(stderr).contains("SparkContext"), "refused before Spark started");
    }

    @Test
    void aDriverKilledAtManyMomentsResumesToTheSameRunAndSigtermStopsCleanly() throws Exception {
        Path whole = tmp.resolve("whole");
        assertEquals(0, CliTest.run(args(whole).toArray(new String[0])).code());

        // SIGKILL four times, at random moments of different phases (start-up, iterations, checkpoint
        // writes every 7 iterations, swaps, evaluations), each run resuming the last.
        Path killed = tmp.resolve("killed");
        Random random = new Random(11);
        int reached = 0;
        int kills = 0;
        for (int kill = 0; kill < 4 && reached < 240; kill++) {
            List<String> a = args(killed);
            if (kill > 0) {
                a.add("--resume");
            }
            Process p = launch(a, tmp.resolve("kill-" + kill + ".err"));
            waitPast(p, killed, reached + 1 + random.nextInt(10));
            Thread.sleep(random.nextInt(150));
            kills += p.isAlive() ? 1 : 0;
            p.destroyForcibly();
            p.waitFor(60, TimeUnit.SECONDS);
            reached = lastIteration(killed);
        }
        assertEquals(4, kills, "every kill hit a running driver (iteration " + reached + " reached)");
        CliTest.Result resumed = CliTest.run(args(killed, "--resume").toArray(new String[0]));
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(rows(whole), rows(killed), "every logged row, once, with the values of the uninterrupted run");
        assertEquals(finalGenerator(whole), finalGenerator(killed), "the same generator at the end");

        // SIGTERM: a clean stop with a checkpoint, one line, exit 143, no stack trace.
        Path stopped = tmp.resolve("stopped");
        Path err = tmp.resolve("term.err");
        Process p = launch(args(stopped), err);
        waitPast(p, stopped, 20);
        p.destroy();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the stopped run ends");
        String stderr = Files.readString(err);
        assertEquals(143, p.exitValue(), stderr);
        assertTrue(stderr.lines().anyMatch(l -> l.matches("train: stopped at iteration \\d+ \\(SIGTERM\\); checkpoint written; resume with: sparkgan train --resume --out .*")), stderr);
        assertFalse(stderr.lines().anyMatch(l -> l.startsWith("\tat ") || l.contains("Exception")), stderr);
        CliTest.Result again = CliTest.run(args(stopped, "--resume").toArray(new String[0]));
        assertEquals(0, again.code(), again.err());
        assertEquals(rows(whole), rows(stopped));
        assertEquals(finalGenerator(whole), finalGenerator(stopped));
    }
}
