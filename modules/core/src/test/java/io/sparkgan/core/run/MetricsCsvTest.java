package io.sparkgan.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.train.Traffic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCsvTest {
    @TempDir
    Path dir;

    private static final String HEADER = "iteration,wall_s,d_loss,g_loss,bytes_to_workers,bytes_from_workers,bytes_between_workers,worker_restores,iterations_lost,score";

    private static IterationRecord row(int it) {
        return new IterationRecord(it, it / 10.0, 0.5, 1.5, Traffic.NONE, it % 20 == 0 ? Map.of("score", 2.0) : Map.of());
    }

    @Test
    void aResumedFileDropsAPartialLastLineAndTheRowsAfterTheCheckpointSoNoRowIsLostOrRepeated() throws Exception {
        Path csv = dir.resolve("metrics.csv");
        // A process killed while writing row 40, after the checkpoint at 20.
        Files.writeString(csv, HEADER + "\n10,1,0.5,1.5,0,0,0,0,0,\n20,2,0.5,1.5,0,0,0,0,0,2\n30,3,0.5,1.5,0,0,0,0,0,\n40,4,0.");
        try (MetricsCsv m = new MetricsCsv(csv, List.of("score"), 20)) {
            m.append(row(30));
            m.append(row(40));
        }
        assertEquals(List.of(HEADER, "10,1,0.5,1.5,0,0,0,0,0,", "20,2,0.5,1.5,0,0,0,0,0,2", "30,3,0.500000,1.50000,0,0,0,0,0,", "40,4,0.500000,1.50000,0,0,0,0,0,2"),
                Files.readAllLines(csv));
        assertEquals(List.of("10", "20", "30", "40"), MetricsCsv.read(csv).stream().map(r -> r.get("iteration")).toList());
    }

    @Test
    void aPartialRowRightAfterTheCheckpointIsDroppedToo() throws Exception {
        Path csv = dir.resolve("metrics.csv");
        Files.writeString(csv, HEADER + "\n10,1,0.5,1.5,0,0,0,0,0,\n2");
        try (MetricsCsv m = new MetricsCsv(csv, List.of("score"), 10)) {
            m.append(row(20));
        }
        assertEquals(List.of(HEADER, "10,1,0.5,1.5,0,0,0,0,0,", "20,2,0.500000,1.50000,0,0,0,0,0,2"), Files.readAllLines(csv));
        // A header cut short (killed before any row) is written again.
        Files.writeString(csv, "iteration,wall");
        new MetricsCsv(csv, List.of("score"), 0).close();
        assertEquals(List.of(HEADER), Files.readAllLines(csv));
    }

    @Test
    void aFileFromBeforeAMetricExistedGainsItsColumnEmptyOnTheEarlierRows() throws Exception {
        Path csv = dir.resolve("metrics.csv");
        String base = "iteration,wall_s,d_loss,g_loss,bytes_to_workers,bytes_from_workers,bytes_between_workers,worker_restores,iterations_lost";
        Files.writeString(csv, base + ",fid,score\n10,1,0.5,1.5,0,0,0,0,0,7,\n20,2,0.5,1.5,0,0,0,0,0,6,2\n30,3,0.5,1.5,0,0,0,0,0,,\n");
        try (MetricsCsv m = new MetricsCsv(csv, List.of("score", "fid", "error"), 20)) {
            m.append(new IterationRecord(30, 3, 0.5, 1.5, Traffic.NONE, Map.of("score", 3.0, "fid", 5.0, "error", 1.5)));
        }
        assertEquals(List.of(base + ",score,fid,error", "10,1,0.5,1.5,0,0,0,0,0,,7,", "20,2,0.5,1.5,0,0,0,0,0,2,6,",
                "30,3,0.500000,1.50000,0,0,0,0,0,3,5,1.50000"), Files.readAllLines(csv));
    }

    @Test
    void aFileWithAColumnThisRunDoesNotWriteIsRefusedAndLeftAsItWas() throws Exception {
        Path csv = dir.resolve("metrics.csv");
        String text = HEADER + ",other\n10,1,0.5,1.5,0,0,0,0,0,,4\n";
        Files.writeString(csv, text);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> new MetricsCsv(csv, List.of("score"), 10));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("may only add metric columns"), e.getMessage());
        assertEquals(text, Files.readString(csv));
    }
}
