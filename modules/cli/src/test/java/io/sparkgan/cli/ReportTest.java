package io.sparkgan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report takes its metric columns from the runs, so image metrics reach summary.csv and the plots. */
class ReportTest {
    @TempDir
    Path tmp;

    private void run(String strategy, double score, double fid) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(strategy));
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
}
