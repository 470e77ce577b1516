package io.sparkgan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report takes its metric columns from the runs, so image metrics reach summary.csv and the plots. */
class ReportTest {
    @TempDir
    Path tmp;

    private void run(String strategy, double score, double fid) throws Exception {
        run(tmp.resolve(strategy), strategy, score, fid);
    }

    private static void run(Path dir, String strategy, double score, double fid) throws Exception {
        Path d = Files.createDirectories(dir);
        Files.writeString(d.resolve("metrics.csv"), String.join("\n",
                "iteration,wall_s,d_loss,g_loss,bytes_to_workers,bytes_from_workers,bytes_between_workers,worker_restores,iterations_lost,classifier_score,fid",
                "50,1.5,1.2,0.9,100,50,0,0,0,,",
                "100,3.0,1.1,1.0,200,100,10,1,7," + score + "," + fid) + "\n");
        Files.writeString(d.resolve("final.json"), "{\"strategy\":\"" + strategy + "\",\"workers\":10,\"iteration\":100,\"wall_s\":3.0,"
                + "\"d_loss\":1.1,\"g_loss\":1.0,\"classifier_score\":" + score + ",\"fid\":" + fid + ",\"bytes_to_workers\":200,"
                + "\"bytes_from_workers\":100,\"bytes_between_workers\":10,\"bytes_total\":310,\"worker_compute_s\":2.0,\"worker_restores\":1,\"iterations_lost\":7}");
    }

    @Test
    void imageMetricsBecomeSummaryColumnsAndPlots() throws Exception {
        run("mdgan", 6.5, 120.25);
        run("flgan", 5.0, 200.5);
        Report.write(tmp, List.of("mdgan", "flgan"), "sparkgan compare --preset mdgan-mnist-mlp");
        List<String> summary = Files.readAllLines(tmp.resolve("summary.csv"));
        assertEquals("strategy,workers,iteration,wall_s,classifier_score,fid,d_loss,g_loss,bytes_to_workers,bytes_from_workers,"
                + "bytes_between_workers,bytes_total,worker_compute_s,worker_restores,iterations_lost", summary.get(0));
        assertEquals("mdgan,10,100,3.0,6.5,120.25,1.1,1.0,200,100,10,310,2.0,1,7", summary.get(1));
        String html = Files.readString(tmp.resolve("report.html"));
        for (String png : List.of("plots/classifier_score_vs_iteration.png", "plots/fid_vs_wall_s.png", "plots/fid_vs_bytes_moved.png")) {
            assertTrue(html.contains("src=\"" + png + "\""), png);
            assertTrue(Files.size(tmp.resolve(png)) > 1000, png);
        }
    }

    private static Map<String, Report.Stats> stats(double[]... perStrategy) {
        Map<String, Report.Stats> m = new LinkedHashMap<>();
        String[] names = {"mdgan", "flgan", "standalone"};
        for (int i = 0; i < perStrategy.length; i++) {
            m.put(names[i], Report.Stats.of(java.util.Arrays.stream(perStrategy[i]).boxed().toList()));
        }
        return m;
    }

    @Test
    void aStrategyIsBestOnlyWhenItsRangeClearsTheRunnerUps() {
        // Higher is better: mdgan's lowest seed beats flgan's highest.
        Report.Verdict apart = Report.judge(stats(new double[] {24, 25, 25}, new double[] {20, 23, 22}, new double[] {10, 12, 11}), true);
        assertEquals("mdgan", apart.best());
        // The same numbers where lower is better: standalone, whose highest is below flgan's lowest.
        assertEquals("standalone", Report.judge(stats(new double[] {24, 25, 25}, new double[] {20, 23, 22}, new double[] {10, 12, 11}), false).best());
        // Best mean, but the ranges overlap (mdgan's 21 is below flgan's 23).
        Report.Verdict overlap = Report.judge(stats(new double[] {21, 25, 25}, new double[] {20, 23, 22}), true);
        assertNull(overlap.best());
        assertEquals("no clear best", overlap.note());
        // Touching ranges are not apart.
        assertNull(Report.judge(stats(new double[] {0.2, 0.3}, new double[] {0.3, 0.5}), false).best());
        assertEquals("mdgan", Report.judge(stats(new double[] {0.2, 0.29}, new double[] {0.3, 0.5}), false).best());
        // Only the runner-up matters: a third strategy far behind does not make overlapping leaders separable.
        assertNull(Report.judge(stats(new double[] {5, 7}, new double[] {6, 8}, new double[] {0, 1}), true).best());
        // One seed has no spread: nothing is marked however far apart the values are.
        Report.Verdict one = Report.judge(stats(new double[] {25}, new double[] {3}), true);
        assertNull(one.best());
        assertEquals("one seed: no spread to judge by", one.note());
        // A strategy without a finite value takes no part.
        assertNull(Report.judge(stats(new double[] {25, 24}, new double[] {Double.NaN}), true).best());
    }

    @Test
    void severalSeedsGiveMeanAndSpreadPerStrategyAndMarkTheBestWhereTheSpreadAllows() throws Exception {
        // FID (lower is better) clearly separates the strategies, the classifier score does not.
        run(Report.runDir(tmp, "mdgan", 1, true), "mdgan", 6.0, 100.0);
        run(Report.runDir(tmp, "mdgan", 2, true), "mdgan", 7.0, 110.0);
        run(Report.runDir(tmp, "flgan", 1, true), "flgan", 6.5, 200.0);
        run(Report.runDir(tmp, "flgan", 2, true), "flgan", 5.5, 240.0);
        assertEquals(tmp.resolve("mdgan").resolve("seed-2"), Report.runDir(tmp, "mdgan", 2, true));
        assertEquals(tmp.resolve("mdgan"), Report.runDir(tmp, "mdgan", 2, false));
        Map<String, List<Long>> seeds = new LinkedHashMap<>();
        seeds.put("mdgan", List.of(1L, 2L));
        seeds.put("flgan", List.of(1L, 2L));
        Report.write(tmp, seeds, "sparkgan compare --seeds 1,2");
        List<String> summary = Files.readAllLines(tmp.resolve("summary.csv"));
        assertEquals(3, summary.size(), "one row per strategy");
        List<String> header = List.of(summary.get(0).split(",", -1));
        assertEquals(List.of("strategy", "seeds", "workers", "iteration", "wall_s_mean", "wall_s_std", "wall_s_min", "wall_s_max", "wall_s_better", "wall_s_best",
                "classifier_score_mean", "classifier_score_std", "classifier_score_min", "classifier_score_max", "classifier_score_better", "classifier_score_best",
                "fid_mean", "fid_std", "fid_min", "fid_max", "fid_better", "fid_best"), header.subList(0, 22));
        Map<String, String> md = row(header, summary.get(1));
        Map<String, String> fl = row(header, summary.get(2));
        assertEquals("mdgan", md.get("strategy"));
        assertEquals("1 2", md.get("seeds"));
        assertEquals("6.5", md.get("classifier_score_mean"));
        assertEquals("0.7071067812", md.get("classifier_score_std"), "sample standard deviation of 6 and 7");
        assertEquals("6", md.get("classifier_score_min"));
        assertEquals("7", md.get("classifier_score_max"));
        assertEquals("higher", md.get("classifier_score_better"));
        assertEquals("no clear best", md.get("classifier_score_best"));
        assertEquals("no clear best", fl.get("classifier_score_best"));
        assertEquals("105", md.get("fid_mean"));
        assertEquals("220", fl.get("fid_mean"));
        assertEquals("lower", md.get("fid_better"));
        assertEquals("best", md.get("fid_best"));
        assertEquals("", fl.get("fid_best"));
        assertFalse(header.contains("d_loss_better"), "losses have no better direction");
        assertTrue(header.contains("bytes_total_mean"));

        String html = Files.readString(tmp.resolve("report.html"));
        assertTrue(html.contains("Seeds: <b>1, 2</b>"), "the seeds are stated");
        assertTrue(html.contains("<dt>fid</dt>") && html.contains("<b>lower is better</b>"), "what each metric means");
        assertTrue(html.contains("<td class=\"best\">105<br>"), "the best cell is marked");
        assertTrue(html.contains("generator updates (iterations)"), "the budget is stated");
        for (String png : List.of("plots/fid_vs_iteration.png", "plots/classifier_score_vs_wall_s.png")) {
            assertTrue(Files.size(tmp.resolve(png)) > 1000, png);
        }
        // No samples.csv in these folders: the page shows each run's own picture.
        assertTrue(html.contains("src=\"mdgan/seed-2/samples.png\""), html);
    }

    @Test
    void oneSeedMarksNothingAndSaysWhy() throws Exception {
        run("mdgan", 6.5, 120.25);
        run("flgan", 5.0, 200.5);
        Report.write(tmp, List.of("mdgan", "flgan"), "sparkgan compare");
        String html = Files.readString(tmp.resolve("report.html"));
        assertFalse(html.contains("class=\"best\""), "one seed: no best");
        assertTrue(html.contains("One seed shows no spread, so no strategy is marked best"), html);
    }

    private static Map<String, String> row(List<String> header, String line) {
        String[] v = line.split(",", -1);
        assertEquals(header.size(), v.length, line);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) {
            m.put(header.get(i), v[i]);
        }
        return m;
    }
}
