package io.sparkgan.app.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Executors lost or hung in the middle of real runs on a standalone cluster (a Master and two
 * Workers with one core each): an executor JVM killed with SIGKILL during MD-GAN (both exchanges)
 * and during an FL-GAN round, and an executor stopped with SIGSTOP during MD-GAN. Every run
 * finishes; the lost workers are restored from their checkpoints on the executors that remain (or
 * the replacement the Master starts), the restores are in metrics.csv and the log, and the final
 * quality stays within the spread of unfaulted runs.
 *
 * <p>The tolerance: a restore from a checkpoint up to 10 iterations old perturbs the run the way
 * another seed does, so a faulted run must end inside the spread of unfaulted runs of this
 * configuration over seeds, with a margin for the tail twenty seeds do not show. Unfaulted, seeds 1
 * to 20 ended with 16 to 22 modes covered and a reverse KL of 0.26 to 0.73 (docs/results.md, "Faults
 * on a real cluster"); a faulted run must cover at least {@link #MIN_MODES} modes and end with a
 * reverse KL of at most {@link #MAX_REVERSE_KL}. (Compared with the unfaulted run of its own seed
 * instead, 4 modes below it, a faulted MD-GAN run in CI ended at 15 against 21, a seed's chance
 * rather than damage: its own seed happens to be among the best. At 300 iterations the spread over
 * seeds was twice as wide relative to the values, 0.74 to 1.25 nats over ten seeds.)
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ExecutorFaultsIT {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);
    private static StandaloneCluster cluster;
    private static Path runs;

    @BeforeAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void startCluster() throws Exception {
        cluster = StandaloneCluster.twoExecutors("faults");
        runs = cluster.runs();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** 1,000 iterations of a small MD-GAN or FL-GAN on grid25, checkpoints every 10, swaps every local epoch (10 iterations). */
    static List<String> run(Path out, String strategy, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--strategy", strategy, "--workers", "4", "--dataset", "grid25",
                "--dataset-size", "1280", "--iterations", "1000", "--batch-size", "32", "--generator", "mlp:32,32:relu",
                "--discriminator", "mlp:32,32:leakyrelu", "--eval-every", "500", "--eval-samples", "2500", "--checkpoint-every", "10",
                "--log-every", "5", "--seed", "1", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    private static int lastIteration(Path run) throws IOException {
        Path csv = run.resolve("metrics.csv");
        if (!Files.exists(csv)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i > 0; i--) {
            String l = lines.get(i);
            if (!l.isEmpty() && Character.isDigit(l.charAt(0)) && l.contains(",")) {
                return Integer.parseInt(l.substring(0, l.indexOf(',')));
            }
        }
        return 0;
    }

    private static Map<String, String> lastRow(Path run) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"), StandardCharsets.UTF_8);
        String[] header = lines.get(0).split(",", -1);
        String[] last = lines.get(lines.size() - 1).split(",", -1);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < header.length; i++) {
            m.put(header[i], last[i]);
        }
        return m;
    }

    /** Starts a run, waits until it logged past {@code iteration}, does {@code fault} to one executor, and waits for it to finish. */
    private static Path faulted(String name, List<String> args, int iteration, String signal) throws Exception {
        Path out = Path.of(args.get(args.indexOf("--out") + 1));
        Jvm submit = cluster.submit().sharedNativeCache(true).start(name, args, cluster.dir().resolve("logs/" + name + ".log"));
        try {
            long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            while (submit.isAlive() && lastIteration(out) < iteration && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            List<Long> executors = cluster.executorPids();
            assertTrue(submit.isAlive() && executors.size() == 2, name + ": the run is under way on two executors " + executors);
            long victim = executors.get(0);
            Jvm.signal(victim, signal);
            Runs.awaitSuccess(submit, cluster, RUN_TIMEOUT);
            if (signal.equals("STOP")) {
                // The run asked the cluster manager to kill it; a stopped process that is still there is killed here.
                ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
            }
        } finally {
            submit.close();
        }
        Runs.assertRunFolder(out);
        return out;
    }

    /** Unfaulted runs, by name: the hung-executor test compares with the same clean run as the killed one. */
    private static final Map<String, Path> CLEAN = new java.util.HashMap<>();

    private static synchronized Path unfaulted(String name, List<String> args) throws Exception {
        if (CLEAN.containsKey(name)) {
            return CLEAN.get(name);
        }
        Path out = Path.of(args.get(args.indexOf("--out") + 1));
        Jvm submit = cluster.submit().sharedNativeCache(true).start(name, args, cluster.dir().resolve("logs/" + name + ".log"));
        try {
            Runs.awaitSuccess(submit, cluster, RUN_TIMEOUT);
        } finally {
            submit.close();
        }
        CLEAN.put(name, out);
        return out;
    }

    /** The fewest modes and the largest reverse KL of unfaulted seeds 1 to 20 (16, 0.73), with a margin of 4 modes and 0.3 nats. */
    static final double MIN_MODES = 12;
    static final double MAX_REVERSE_KL = 1.03;

    private static void assertRecoveredWithinTolerance(Path faulted, Path clean, Jvm log) throws IOException {
        Map<String, String> f = lastRow(faulted);
        Map<String, String> c = lastRow(clean);
        assertEquals("1000", f.get("iteration"));
        assertEquals("1000", c.get("iteration"));
        assertTrue(Integer.parseInt(f.get("worker_restores")) >= 1, "restores counted in metrics.csv: " + f);
        assertTrue(Double.parseDouble(f.get("modes_covered")) >= MIN_MODES,
                "modes covered " + f.get("modes_covered") + " (unfaulted, this seed: " + c.get("modes_covered") + "; seeds 1-20: 16 to 22)");
        assertTrue(Double.parseDouble(f.get("reverse_kl")) <= MAX_REVERSE_KL,
                "reverse KL " + f.get("reverse_kl") + " (unfaulted, this seed: " + c.get("reverse_kl") + "; seeds 1-20: 0.26 to 0.73)");
    }

    @Test
    void aKilledExecutorDuringMdganIsSurvivedOverBothExchanges() throws Exception {
        for (String exchange : List.of("session", "job")) {
            Path clean = unfaulted("mdgan-" + exchange + "-clean", run(runs.resolve("mdgan-" + exchange + "-clean"), "mdgan", "--exchange", exchange));
            Path killed = faulted("mdgan-" + exchange + "-killed", run(runs.resolve("mdgan-" + exchange + "-killed"), "mdgan", "--exchange", exchange), 155, "KILL");
            String log = Files.readString(cluster.dir().resolve("logs/mdgan-" + exchange + "-killed.log"));
            assertTrue(log.contains("restored its state from its checkpoint at iteration"), exchange + ": the driver log names the restores");
            assertRecoveredWithinTolerance(killed, clean, null);
        }
    }

    @Test
    void aKilledExecutorDuringAnFlganRoundIsSurvived() throws Exception {
        Path clean = unfaulted("flgan-clean", run(runs.resolve("flgan-clean"), "flgan", "--average-every-iterations", "10"));
        Path killed = faulted("flgan-killed", run(runs.resolve("flgan-killed"), "flgan", "--average-every-iterations", "10"), 150, "KILL");
        assertRecoveredWithinTolerance(killed, clean, null);
    }

    @Test
    void aHungExecutorDuringMdganIsKilledAfterTheWorkerTimeoutAndItsWorkersRestored() throws Exception {
        Path clean = unfaulted("mdgan-session-clean", run(runs.resolve("mdgan-session-clean"), "mdgan", "--exchange", "session"));
        Path hung = faulted("mdgan-hung", run(runs.resolve("mdgan-hung"), "mdgan", "--worker-timeout", "10"), 155, "STOP");
        String log = Files.readString(cluster.dir().resolve("logs/mdgan-hung.log"));
        assertTrue(log.lines().anyMatch(l -> l.matches(".*workers? [0-9, ]+ (on executors? [0-9, ]+ did not answer|did not connect) within \\d+ s.*")), "the log names the hung worker");
        assertRecoveredWithinTolerance(hung, clean, null);
    }
}
