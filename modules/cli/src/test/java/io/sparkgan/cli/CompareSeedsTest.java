package io.sparkgan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.run.MetricsCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compare --seeds}: every strategy once per seed, with a real local Spark session and tiny runs. */
class CompareSeedsTest {
    @TempDir
    Path tmp;

    @Test
    void everyStrategyRunsOncePerSeedIntoItsOwnFolderAndTheSummaryGivesMeanAndSpread() throws Exception {
        Path out = tmp.resolve("cmp");
        CliTest.Result r = CliTest.run("compare", "--strategies", "mdgan,standalone", "--seeds", "5,6", "--workers", "2", "--dataset-size", "300",
                "--iterations", "6", "--batch-size", "16", "--eval-every", "3", "--eval-samples", "200", "--log-every", "3", "--checkpoint-every", "3",
                "--generator", "mlp:16:relu", "--discriminator", "mlp:16:leakyrelu", "--master", "local[2]", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String s : List.of("mdgan", "standalone")) {
            assertFalse(Files.exists(out.resolve(s).resolve("final.json")), "no run directly in " + s + "/ with several seeds");
            for (long seed : List.of(5L, 6L)) {
                Path run = out.resolve(s).resolve("seed-" + seed);
                for (String f : List.of("run.json", "metrics.csv", "final.json", "samples.png", "samples.csv")) {
                    assertTrue(Files.exists(run.resolve(f)), run.resolve(f) + " missing");
                }
                Map<?, ?> config = (Map<?, ?>) Configs.JSON.readValue(run.resolve("run.json").toFile(), Map.class).get("config");
                assertEquals(seed, ((Number) config.get("seed")).longValue(), "each run folder records its own seed");
                assertEquals("", config.get("seeds"), "and no seed list, so it resumes as a single run");
                assertEquals(s, config.get("strategy"));
                assertEquals(List.of("3", "6"), MetricsCsv.read(run.resolve("metrics.csv")).stream().map(m -> m.get("iteration")).toList());
            }
            // The seeds really differ: their data, weights and codes are drawn from different seeds.
            assertNotEquals(MetricsCsv.read(out.resolve(s).resolve("seed-5").resolve("metrics.csv")).get(0).get("g_loss"),
                    MetricsCsv.read(out.resolve(s).resolve("seed-6").resolve("metrics.csv")).get(0).get("g_loss"), s);
        }
        assertEquals(4, r.out().lines().filter(l -> l.matches("(mdgan|standalone)\\s+seed=[56]  .*")).count(), r.out());

        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(3, summary.size(), String.join("\n", summary));
        List<String> header = List.of(summary.get(0).split(",", -1));
        for (String col : List.of("seeds", "modes_covered_mean", "modes_covered_std", "modes_covered_min", "modes_covered_max", "modes_covered_better",
                "modes_covered_best", "reverse_kl_mean", "reverse_kl_better", "wall_s_mean", "bytes_total_max")) {
            assertTrue(header.contains(col), col + " in " + header);
        }
        for (String line : summary.subList(1, 3)) {
            String[] v = line.split(",", -1);
            assertEquals("5 6", v[header.indexOf("seeds")]);
            assertEquals("higher", v[header.indexOf("modes_covered_better")]);
            assertEquals("lower", v[header.indexOf("reverse_kl_better")]);
            // The mean of the two runs' final values, read back from their final.json.
            String s = v[0];
            double m5 = ((Number) Configs.JSON.readValue(out.resolve(s).resolve("seed-5/final.json").toFile(), Map.class).get("modes_covered")).doubleValue();
            double m6 = ((Number) Configs.JSON.readValue(out.resolve(s).resolve("seed-6/final.json").toFile(), Map.class).get("modes_covered")).doubleValue();
            assertEquals((m5 + m6) / 2, Double.parseDouble(v[header.indexOf("modes_covered_mean")]), 1e-9, s);
            assertEquals(Math.min(m5, m6), Double.parseDouble(v[header.indexOf("modes_covered_min")]), 1e-9, s);
            assertEquals(Math.max(m5, m6), Double.parseDouble(v[header.indexOf("modes_covered_max")]), 1e-9, s);
        }
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Seeds: <b>5, 6</b>"), "seeds stated");
        for (String png : List.of("plots/samples_mdgan_seed-5.png", "plots/samples_standalone_seed-6.png", "plots/modes_covered_vs_iteration.png")) {
            assertTrue(html.contains("src=\"" + png + "\""), png);
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }

        // `report` finds the seed folders and rebuilds the same summary.
        Files.delete(out.resolve("summary.csv"));
        CliTest.Result report = CliTest.run("report", out.toString());
        assertEquals(0, report.code(), report.err());
        assertEquals(summary, Files.readAllLines(out.resolve("summary.csv")));

        // A run folder of a comparison is an ordinary run: it resumes on its own.
        CliTest.Result resumed = CliTest.run("train", "--resume", "--iterations", "9", "--master", "local[2]",
                "--out", out.resolve("standalone").resolve("seed-6").toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().lines().anyMatch(l -> l.matches("train standalone: 9 iterations in \\d+\\.\\d s wall, .*modes_covered=.*")), resumed.out());
    }
}
