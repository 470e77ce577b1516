package io.sparkgan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.run.MetricsCsv;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end, with a real local Spark session and tiny runs. */
class CliTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static String[] tiny(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--strategy", "standalone", "--dataset", "grid25", "--dataset-size", "500",
                "--iterations", "20", "--batch-size", "16", "--eval-every", "10", "--eval-samples", "200", "--log-every", "5",
                "--checkpoint-every", "10", "--generator", "mlp:16,16:relu", "--discriminator", "mlp:16,16:leakyrelu",
                "--master", "local[2]", "--seed", "3", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    /** A tiny grid25 comparison of {@code strategies} on 2 workers, 12 updates, into {@code out}. */
    static String[] tinyCompare(Path out, String strategies, String... extra) {
        List<String> a = new ArrayList<>(List.of("compare", "--strategies", strategies, "--workers", "2", "--dataset-size", "300",
                "--iterations", "12", "--batch-size", "16", "--eval-every", "6", "--eval-samples", "200", "--log-every", "3",
                "--generator", "mlp:16:relu", "--discriminator", "mlp:16:leakyrelu", "--master", "local[2]", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    /** The one error line printed to stderr (log lines from Spark are filtered out). */
    static String errorLine(Result r) {
        return r.err().lines().filter(l -> l.startsWith("train:") || l.startsWith("compare:") || l.startsWith("sample:") || l.startsWith("classify:") || l.startsWith("sparkgan:") || l.startsWith("bench:"))
                .findFirst().orElse("<no error line in: " + r.err() + ">");
    }

    @Test
    void benchRunsStrategiesInAlternatingRoundsAndReportsTheRatioPerRound() {
        Result r = run("bench", "--strategy", "mdgan,flgan", "--workers", "2", "--rounds", "2", "--iterations", "2", "--warmup", "1",
                "--batch-size", "8", "--master", "local[2]");
        assertEquals(0, r.code(), r.err());
        List<String> rounds = r.out().lines().filter(l -> l.startsWith("round ")).map(l -> l.replaceAll("\\s+wall.*", "")).toList();
        assertEquals(List.of("round 1 mdgan", "round 1 flgan", "round 2 mdgan", "round 2 flgan"), rounds);
        // MD-GAN, N = 2, k = 1, b = 8, d = 784: each worker receives one batch and returns its feedback.
        assertTrue(r.out().contains("bytes per iteration " + 2 * (11 + 8 + 4 * 8 * 784) + " down, " + 2 * (28 + 8 + 4 * 8 * 784) + " up, 0 between"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("MD-GAN / FL-GAN worker compute per generator update: \\d\\.\\d\\d \\(per round: \\d\\.\\d\\d, \\d\\.\\d\\d\\)")), r.out());

        Result bad = run("bench", "--strategy", "mdgan,gossip");
        assertEquals(2, bad.code());
        assertEquals("bench: strategy 'gossip' is unknown; expected one of [standalone, mdgan, flgan]", errorLine(bad));
        Result ignored = run("bench", "--preset", "mnist-mlp", "--discriminator", "mlp:64:leakyrelu");
        assertEquals(2, ignored.code());
        assertEquals("bench: --discriminator applies with --objectives only, got --discriminator mlp:64:leakyrelu without it; "
                + "expected --objectives O[,O...] or no --discriminator", errorLine(ignored));
        Result noise = run("bench", "--preset", "mnist-mlp", "--discriminator-noise", "0.3");
        assertEquals(2, noise.code());
        assertEquals("bench: --discriminator-noise '0.3' is not understood; expected two standard deviations such as 0.3,0.5", errorLine(noise));
        Result both = run("bench", "--preset", "dcgan-mnist", "--dl4j-layers", "--without-onednn");
        assertEquals(2, both.code());
        assertEquals("bench: --dl4j-layers and --without-onednn each alternate with the fast path; give one of them", errorLine(both));
        // This module's tests ask for -onednn, which only the core module's tests have: the generic build loads.
        Result none = run("bench", "--preset", "dcgan-mnist", "--without-onednn");
        assertEquals(2, none.code());
        assertEquals("bench: --without-onednn compares with oneDNN's kernels, but the loaded ND4J build '-onednn' has none; "
                + "expected SPARKGAN_ND4J_EXTENSION=-onednn-avx2 or -onednn", errorLine(none));
    }

    @Test
    void trainWritesTheRunFolderContract() throws Exception {
        Path out = tmp.resolve("run");
        Result r = run(tiny(out));
        assertEquals(0, r.code(), r.err());
        for (String f : new String[] {"run.json", "metrics.csv", "final.json", "samples.png", "checkpoints/iter-000000020"}) {
            assertTrue(Files.exists(out.resolve(f)), f + " missing");
        }
        assertFalse(Files.exists(out.resolve(".scratch")), "Spark scratch space is removed");
        List<Map<String, String>> rows = MetricsCsv.read(out.resolve("metrics.csv"));
        assertEquals("iteration,wall_s,d_loss,g_loss,bytes_to_workers,bytes_from_workers,bytes_between_workers,worker_restores,iterations_lost,modes_covered,high_quality_pct,reverse_kl",
                Files.readAllLines(out.resolve("metrics.csv")).get(0));
        assertEquals(List.of("5", "10", "15", "20"), rows.stream().map(m -> m.get("iteration")).toList());
        assertEquals("", rows.get(0).get("modes_covered"));
        assertFalse(rows.get(1).get("modes_covered").isEmpty());
        Map<?, ?> fin = Configs.JSON.readValue(out.resolve("final.json").toFile(), Map.class);
        assertTrue(fin.keySet().containsAll(List.of("modes_covered", "high_quality_pct", "reverse_kl")), fin.toString());
        assertEquals(20, fin.get("iteration"));
        Map<?, ?> runJson = Configs.JSON.readValue(out.resolve("run.json").toFile(), Map.class);
        Map<?, ?> config = (Map<?, ?>) runJson.get("config");
        assertEquals(16, config.get("batch-size"));
        assertEquals("mlp:16,16:relu:identity", config.get("generator"));
        Map<?, ?> prov = (Map<?, ?>) runJson.get("provenance");
        assertEquals("3.5.7", prov.get("spark_version"));
        assertEquals(3, prov.get("seed"));
        assertTrue(r.out().contains("modes_covered="), r.out());
    }

    @Test
    void sameSeedSameMetricsAndTheSampleCommandExportsCsvAndPng() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        assertEquals(0, run(tiny(a)).code());
        assertEquals(0, run(tiny(b)).code());
        List<Map<String, String>> ra = MetricsCsv.read(a.resolve("metrics.csv"));
        List<Map<String, String>> rb = MetricsCsv.read(b.resolve("metrics.csv"));
        for (int i = 0; i < ra.size(); i++) {
            assertEquals(ra.get(i).get("g_loss"), rb.get(i).get("g_loss"));
            assertEquals(ra.get(i).get("modes_covered"), rb.get(i).get("modes_covered"));
        }
        Path csv = tmp.resolve("s.csv");
        Result s = run("sample", "--model", a.toString(), "--n", "37", "--out", csv.toString());
        assertEquals(0, s.code(), s.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(37, lines.size());
        assertEquals(2, lines.get(0).split(",").length);
        Double.parseDouble(lines.get(36).split(",")[1]);
        assertEquals(0, run("sample", "--model", a.toString(), "--n", "100", "--out", tmp.resolve("s.png").toString()).code());
        assertTrue(Files.size(tmp.resolve("s.png")) > 1000);
        Result again = run("sample", "--model", a.toString(), "--n", "5", "--out", csv.toString());
        assertEquals(2, again.code());
        assertEquals(37, Files.readAllLines(csv).size(), "an existing file is not overwritten");
    }

    @Test
    void resumeContinuesFromTheLatestCheckpointAndRefusesAChangedConfig() throws Exception {
        Path out = tmp.resolve("r");
        assertEquals(0, run(tiny(out)).code());
        Result r = run(tiny(out, "--resume", "--iterations", "30"));
        assertEquals(0, r.code(), r.err());
        List<Map<String, String>> rows = MetricsCsv.read(out.resolve("metrics.csv"));
        assertEquals(List.of("5", "10", "15", "20", "25", "30"), rows.stream().map(m -> m.get("iteration")).toList());
        assertTrue(Files.exists(out.resolve("checkpoints/iter-000000030")));
        Result changed = run(tiny(out, "--resume", "--iterations", "40", "--batch-size", "8"));
        assertEquals(2, changed.code());
        assertEquals("train: --resume: 'batch-size' was 16 in this run but is now 8; a resumed run keeps its configuration (only --iterations, --lr-decay and --lr-decay-start may change)", errorLine(changed));
    }

    @Test
    void badInputIsOneLineExitTwoAndWritesNothing() throws Exception {
        Path out = tmp.resolve("never");
        String[][] cases = {
            {"--dataset", "cifar11"}, {"--strategy", "gossip"}, {"--objective", "hinge2"},
            {"--iterations", "0"}, {"--batch-size", "-3"}, {"--generator", "mlp:a,b"}, {"--iterations", "many"},
            {"--shards", "label-skew"}, {"--preset", "cifar-big"}, {"--dataset", "mnist", "--data-dir", "/nonexistent-sparkgan"},
        };
        String[] expected = {
            "train: dataset 'cifar11' is not understood; expected grid25, ring8, dsprites (embedded), " + io.sparkgan.data.DataSources.SPECS,
            "train: strategy 'gossip' is unknown; expected one of [standalone, mdgan, flgan]",
            "train: objective 'hinge2' is unknown; expected one of " + io.sparkgan.core.objective.Objectives.NAMES,
            "train: iterations must be positive, got 0",
            "train: batch-size must be positive, got -3",
            "train: network 'mlp:a,b' has widths 'a,b'; expected comma-separated positive integers",
            "train: Invalid value for option '--iterations': 'many' is not an int (see --help)",
            "train: --shards 'label-skew' is not valid; expected iid, label-skew:C (classes per worker) or dirichlet:ALPHA (C a positive integer, ALPHA a positive number)",
            "train: --preset 'cifar-big' is unknown; expected one of [mdgan-mnist-mlp, dcgan-mnist]",
            "train: dataset 'mnist' not found under /nonexistent-sparkgan/mnist; run `bin/sparkgan data fetch mnist` first (or pass --data-dir)",
        };
        for (int i = 0; i < cases.length; i++) {
            Result r = run(tiny(out, cases[i]));
            assertEquals(2, r.code(), String.join(" ", cases[i]));
            assertEquals(expected[i], errorLine(r));
            assertFalse(Files.exists(out), "nothing written for " + String.join(" ", cases[i]));
        }
    }

    @Test
    void aNonEmptyOutIsRefusedUnlessOverwrite() throws Exception {
        Path out = tmp.resolve("full");
        Files.createDirectories(out);
        Files.writeString(out.resolve("precious.txt"), "keep me");
        Result r = run(tiny(out));
        assertEquals(2, r.code());
        assertTrue(errorLine(r).startsWith("train: --out '" + out + "' exists and is not empty"), errorLine(r));
        assertEquals("keep me", Files.readString(out.resolve("precious.txt")));
        assertEquals(0, run(tiny(out, "--overwrite")).code());
        assertFalse(Files.exists(out.resolve("precious.txt")));
    }

    @Test
    void configFileIsReadStrictlyAndFlagsOverrideIt() throws Exception {
        Path cfg = tmp.resolve("c.yaml");
        Files.writeString(cfg, "batch-size: 8\niterations: 1000\nlatent-dim: 4\ngenerator: mlp:8:relu\n");
        Path out = tmp.resolve("cfg");
        Result r = run(tiny(out, "--config", cfg.toString(), "--iterations", "10"));
        assertEquals(0, r.code(), r.err());
        Map<?, ?> config = (Map<?, ?>) Configs.JSON.readValue(out.resolve("run.json").toFile(), Map.class).get("config");
        assertEquals(10, config.get("iterations"), "flag wins over file");
        assertEquals(16, config.get("batch-size"), "flag wins over file");
        assertEquals(4, config.get("latent-dim"), "file wins over default");

        Files.writeString(cfg, "batch-size: 8\nbatchsize: 9\n");
        Result bad = run("train", "--config", cfg.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, bad.code());
        assertTrue(errorLine(bad).startsWith("train: config file '" + cfg + "': unknown key 'batchsize'; expected one of ["), errorLine(bad));
        Result missing = run("train", "--config", tmp.resolve("nope.yaml").toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, missing.code());
        assertEquals("train: config file '" + tmp.resolve("nope.yaml") + "' cannot be read; expected a readable YAML file", errorLine(missing));
        Files.writeString(cfg, "iterations: 1: 2\n");
        Result syntax = run("train", "--config", cfg.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, syntax.code());
        assertTrue(errorLine(syntax).startsWith("train: config file '" + cfg + "' is not valid YAML"), errorLine(syntax));
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void compareRunsEveryStrategyOnTheSameBudgetAndWritesTheReport() throws Exception {
        Path out = tmp.resolve("cmp");
        Result r = run(tinyCompare(out, "mdgan,flgan,standalone", "--average-every-iterations", "3"));
        assertEquals(0, r.code(), r.err());
        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(4, summary.size());
        assertTrue(summary.get(0).startsWith("strategy,workers,iteration,wall_s,modes_covered,high_quality_pct,reverse_kl"), summary.get(0));
        for (String s : new String[] {"mdgan", "flgan", "standalone"}) {
            assertTrue(summary.stream().anyMatch(l -> l.startsWith(s + ",2,12,")), s + " row in " + summary);
            assertTrue(Files.exists(out.resolve(s).resolve("samples.png")));
            List<Map<String, String>> rows = MetricsCsv.read(out.resolve(s).resolve("metrics.csv"));
            assertEquals(List.of("3", "6", "9", "12"), rows.stream().map(m -> m.get("iteration")).toList(), s);
        }
        String html = Files.readString(out.resolve("report.html"));
        // 2-D samples are drawn again on one pair of axes for all strategies (each run keeps its own samples.png).
        for (String img : new String[] {"plots/samples_mdgan.png", "plots/samples_flgan.png", "plots/samples_standalone.png",
                "plots/modes_covered_vs_iteration.png", "plots/high_quality_pct_vs_wall_s.png", "plots/reverse_kl_vs_bytes_moved.png"}) {
            assertTrue(html.contains("src=\"" + img + "\""), img);
            assertTrue(Files.size(out.resolve(img)) > 1000, img);
        }
        // Shards of 150 samples at b = 16 make a 10-iteration local epoch: MD-GAN swapped its discriminators once.
        Map<?, ?> md = Configs.JSON.readValue(out.resolve("mdgan/final.json").toFile(), Map.class);
        assertTrue(((Number) md.get("bytes_to_workers")).longValue() > 0);
        assertTrue(((Number) md.get("bytes_between_workers")).longValue() > 0);
        Result again = run("compare", "--out", out.toString());
        assertEquals(2, again.code());
        // `report` rebuilds the same summary and page from the run folders alone.
        Files.delete(out.resolve("report.html"));
        Files.delete(out.resolve("summary.csv"));
        Result report = run("report", out.toString());
        assertEquals(0, report.code(), report.err());
        assertEquals(summary, Files.readAllLines(out.resolve("summary.csv")));
        assertTrue(Files.readString(out.resolve("report.html")).contains("src=\"plots/reverse_kl_vs_bytes_moved.png\""));
        Result bad = run("compare", "--strategies", "mdgan,gossip", "--out", tmp.resolve("never").toString());
        assertEquals(2, bad.code());
        assertEquals("compare: --strategies: strategy 'gossip' is unknown; expected some of [standalone, mdgan, flgan]", bad.err().lines()
                .filter(l -> l.startsWith("compare:")).findFirst().orElse(bad.err()));
    }

    @Test
    void aStrategyThatDivergesIsRecordedAndTheComparisonGoesOn() throws Exception {
        // A rate of 1e30 makes the first discriminator step overflow under every strategy.
        Path out = tmp.resolve("cmp-diverged");
        Result r = run(tinyCompare(out, "standalone,mdgan", "--discriminator-lr", "1e30"));
        assertEquals(1, r.code(), r.err());
        List<String> lines = r.err().lines().filter(l -> l.startsWith("compare:") && !l.startsWith("compare: training ")).toList();
        assertEquals(3, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("compare: standalone: training diverged at iteration 1: "), lines.get(0));
        assertTrue(lines.get(0).endsWith("; going on with the other strategies (" + out.resolve("standalone")
                + " keeps its metrics and checkpoints up to the last good iteration)"), lines.get(0));
        // MD-GAN still ran after standalone diverged.
        assertTrue(lines.get(1).startsWith("compare: mdgan: training diverged at iteration 1: "), lines.get(1));
        assertEquals("compare: standalone, mdgan diverged; the report and summary.csv mark them (column diverged_at)", lines.get(2));
        for (String s : new String[] {"standalone", "mdgan"}) {
            Map<?, ?> d = Configs.JSON.readValue(out.resolve(s).resolve("diverged.json").toFile(), Map.class);
            assertEquals(s, d.get("strategy"));
            assertEquals(1, d.get("diverged_at"));
            assertFalse(Files.exists(out.resolve(s).resolve("final.json")), s);
        }
        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertTrue(summary.get(0).endsWith(",diverged_at"), summary.get(0));
        assertEquals(3, summary.size(), summary.toString());
        assertTrue(summary.get(1).matches("standalone,2,,[,]*,1"), summary.get(1));
        assertTrue(Files.readString(out.resolve("report.html")).contains("<b>mdgan diverged</b> (training diverged at iteration 1: "));
    }

    @Test
    void withSeveralSeedsADivergedSeedIsNamedAndTheMeansCoverTheSeedsThatFinished() throws Exception {
        // Runs as `compare --seeds 1,2,3` lays them out; seed 3 diverges (rate 1e30).
        Path cmp = tmp.resolve("cmp-seeds");
        Map<Long, Map<?, ?>> finals = new java.util.TreeMap<>();
        for (long seed = 1; seed <= 3; seed++) {
            String[] args = tiny(cmp.resolve("standalone").resolve("seed-" + seed), seed == 3 ? new String[] {"--discriminator-lr", "1e30"} : new String[0]);
            args[List.of(args).indexOf("--seed") + 1] = String.valueOf(seed);
            Result r = run(args);
            assertEquals(seed == 3 ? 1 : 0, r.code(), r.err());
            if (seed < 3) {
                finals.put(seed, Configs.JSON.readValue(cmp.resolve("standalone/seed-" + seed + "/final.json").toFile(), Map.class));
            }
        }
        Map<?, ?> d = Configs.JSON.readValue(cmp.resolve("standalone/seed-3/diverged.json").toFile(), Map.class);
        Result report = run("report", cmp.toString());
        assertEquals(0, report.code(), report.err());
        List<String> summary = Files.readAllLines(cmp.resolve("summary.csv"));
        assertEquals(2, summary.size(), summary.toString());
        List<String> header = List.of(summary.get(0).split(",", -1));
        List<String> row = List.of(summary.get(1).split(",", -1));
        assertEquals(header.size(), row.size(), summary.toString());
        assertEquals("diverged_at", header.get(header.size() - 1));
        assertEquals("3:" + d.get("diverged_at"), row.get(row.size() - 1));
        assertEquals("1 2 3", row.get(header.indexOf("seeds")));
        for (String f : List.of("modes_covered", "high_quality_pct", "reverse_kl")) {
            double a = ((Number) finals.get(1L).get(f)).doubleValue();
            double b = ((Number) finals.get(2L).get(f)).doubleValue();
            assertEquals((a + b) / 2, Double.parseDouble(row.get(header.indexOf(f + "_mean"))), 1e-9 * Math.max(1, Math.abs(a + b)), f);
            assertEquals(Math.min(a, b), Double.parseDouble(row.get(header.indexOf(f + "_min"))), 1e-9 * Math.max(1, Math.abs(a)), f);
            assertEquals(Math.max(a, b), Double.parseDouble(row.get(header.indexOf(f + "_max"))), 1e-9 * Math.max(1, Math.abs(b)), f);
        }
        assertTrue(Files.readString(cmp.resolve("report.html")).contains("<b>standalone seed 3 diverged</b> (training diverged at iteration " + d.get("diverged_at")));
    }

    @Test
    void theReportShowsFinishedAndDivergedRunsSideBySide() throws Exception {
        Path cmp = tmp.resolve("cmp-mixed");
        Result ok = run(tiny(cmp.resolve("standalone")));
        assertEquals(0, ok.code(), ok.err());
        Result bad = run(tiny(cmp.resolve("flgan"), "--strategy", "flgan", "--workers", "2", "--discriminator-lr", "1e30"));
        assertEquals(1, bad.code());
        assertTrue(errorLine(bad).startsWith("train: failed: training diverged at iteration "), errorLine(bad));
        Result report = run("report", cmp.toString());
        assertEquals(0, report.code(), report.err());
        List<String> summary = Files.readAllLines(cmp.resolve("summary.csv"));
        assertEquals(3, summary.size(), summary.toString());
        assertTrue(summary.get(0).endsWith(",diverged_at"), summary.get(0));
        // The finished run keeps its figures and no divergence; the diverged one has only where it stopped
        // (rows in the report's strategy order: mdgan, flgan, standalone).
        assertTrue(summary.get(2).startsWith("standalone,4,20,") && summary.get(2).endsWith(","), summary.get(2));
        assertFalse(summary.get(2).substring(0, summary.get(2).length() - 1).contains(",,"), summary.get(2));
        Map<?, ?> d = Configs.JSON.readValue(cmp.resolve("flgan/diverged.json").toFile(), Map.class);
        assertTrue(summary.get(1).matches("flgan,2,,[,]*," + d.get("diverged_at")), summary.get(1));
        String html = Files.readString(cmp.resolve("report.html"));
        assertTrue(html.contains("<b>flgan diverged</b>"));
        assertTrue(html.contains("alt=\"samples of standalone\""));
        assertFalse(html.contains("alt=\"samples of flgan\""), "a diverged run drew no samples");
        // A diverged record does not outlive a later finish: final.json is then the run's one record.
        Files.writeString(cmp.resolve("standalone/diverged.json"), "{\"strategy\":\"standalone\",\"diverged_at\":7}");
        Result resumed = run("train", "--resume", "--out", cmp.resolve("standalone").toString(), "--iterations", "30");
        assertEquals(0, resumed.code(), resumed.err());
        assertFalse(Files.exists(cmp.resolve("standalone/diverged.json")));
        assertTrue(Files.exists(cmp.resolve("standalone/final.json")));
    }
}
