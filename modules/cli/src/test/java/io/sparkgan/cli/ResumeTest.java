package io.sparkgan.cli;

import static io.sparkgan.cli.CliTest.errorLine;
import static io.sparkgan.cli.CliTest.run;
import static io.sparkgan.cli.CliTest.tiny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.run.MetricsCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --resume}: the stored configuration, damaged checkpoints, and metrics.csv after a kill. */
class ResumeTest {
    @TempDir
    Path tmp;

    private static List<String> iterations(Path run) {
        return MetricsCsv.read(run.resolve("metrics.csv")).stream().map(m -> m.get("iteration")).toList();
    }

    private static Object storedIterations(Path run) throws Exception {
        return ((Map<?, ?>) Configs.JSON.readValue(run.resolve("run.json").toFile(), Map.class).get("config")).get("iterations");
    }

    @Test
    void resumeAloneContinuesWithTheStoredConfigurationAndOnlyIterationsMayGrow() throws Exception {
        Path out = tmp.resolve("r");
        // Two workers, where the default is four: a bare --resume must not fall back to the defaults.
        assertEquals(0, run(tiny(out, "--workers", "2", "--iterations", "10")).code());
        CliTest.Result bare = run("train", "--resume", "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, bare.code(), bare.err());
        assertEquals(List.of("5", "10"), iterations(out), "already at its 10 iterations");

        CliTest.Result longer = run("train", "--resume", "--out", out.toString(), "--iterations", "20", "--workers", "2", "--master", "local[2]");
        assertEquals(0, longer.code(), longer.err());
        assertEquals(List.of("5", "10", "15", "20"), iterations(out));
        assertEquals(20, storedIterations(out), "run.json records the new length");
        assertEquals(0, run("train", "--resume", "--out", out.toString(), "--master", "local[2]").code());
        assertEquals(List.of("5", "10", "15", "20"), iterations(out), "a bare --resume continues to the recorded length, not back to 10");

        String keep = "; a resumed run keeps its configuration (only --iterations may grow)";
        assertEquals("train: --resume: 'workers' was 2 in this run but is now 4" + keep,
                errorLine(run("train", "--resume", "--out", out.toString(), "--workers", "4")));
        assertEquals("train: --resume: 'iterations' was 20 in this run but is now 10; a resumed run may run longer, not shorter (expected at least 20)",
                errorLine(run("train", "--resume", "--out", out.toString(), "--iterations", "10")));
        assertEquals("train: --resume: 'strategy' was standalone in this run but is now mdgan" + keep,
                errorLine(run("train", "--resume", "--out", out.toString(), "--strategy", "mdgan")));
        assertEquals("train: --resume: 'preset' was none in this run but is now 'dcgan-mnist'" + keep,
                errorLine(run("train", "--resume", "--out", out.toString(), "--preset", "dcgan-mnist")));
        Path same = tmp.resolve("same.yaml");
        Files.writeString(same, "batch-size: 16\nworkers: 2\n");
        Path other = tmp.resolve("other.yaml");
        Files.writeString(other, "batch-size: 8\n");
        assertEquals("train: --resume: 'batch-size' was 16 in this run but is now 8" + keep,
                errorLine(run("train", "--resume", "--out", out.toString(), "--config", other.toString())));
        CliTest.Result withFile = run("train", "--resume", "--out", out.toString(), "--config", same.toString(), "--iterations", "25", "--master", "local[2]");
        assertEquals(0, withFile.code(), withFile.err());
        assertEquals(List.of("5", "10", "15", "20", "25"), iterations(out));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRunRecordedBeforeTheGeneratorAverageExistedResumesAndSamplesWithoutOne() throws Exception {
        Path out = tmp.resolve("old");
        assertEquals(0, run(tiny(out, "--iterations", "10", "--generator-ema", "0")).code());
        // Its run.json as a run of an earlier version wrote it: no generator-ema key.
        Path runJson = out.resolve("run.json");
        Map<String, Object> json = Configs.JSON.readValue(runJson.toFile(), Map.class);
        assertEquals(0.0, ((Map<String, Object>) json.get("config")).remove("generator-ema"));
        Configs.JSON.writeValue(runJson.toFile(), json);

        CliTest.Result longer = run("train", "--resume", "--out", out.toString(), "--iterations", "15", "--master", "local[2]");
        assertEquals(0, longer.code(), longer.err());
        assertEquals(List.of("5", "10", "15"), iterations(out));
        CliTest.Result sample = run("sample", "--model", out.toString(), "--n", "20", "--out", tmp.resolve("s.csv").toString());
        assertEquals(0, sample.code(), sample.err());
    }

    @Test
    void aDamagedLatestCheckpointIsSkippedForThePreviousOneWithoutLosingOrRepeatingRows() throws Exception {
        Path out = tmp.resolve("d");
        assertEquals(0, run(tiny(out, "--iterations", "30")).code());
        Path zip = out.resolve("checkpoints/iter-000000030/generator.zip");
        byte[] whole = Files.readAllBytes(zip);
        Files.write(zip, Arrays.copyOf(whole, whole.length / 2));
        // The process was killed while writing a row.
        Files.writeString(out.resolve("metrics.csv"), Files.readString(out.resolve("metrics.csv")) + "35,1.2,0.");

        CliTest.Result r = run(tiny(out, "--resume", "--iterations", "40"));
        assertEquals(0, r.code(), r.err());
        String skipped = r.err().lines().filter(l -> l.startsWith("checkpoint ")).findFirst().orElse(r.err());
        assertTrue(skipped.matches("checkpoint file:.*/d/checkpoints/iter-000000030 is unreadable \\(cannot read network generator.zip from checkpoint: "
                + ".*Unexpected end of ZLIB input stream.*\\); using iter-000000020"), skipped);
        assertEquals(List.of("5", "10", "15", "20", "25", "30", "35", "40"), iterations(out), "rows after iteration 20 were redone once");
        assertTrue(Files.readString(out.resolve("metrics.csv")).endsWith("\n"));
    }

    @Test
    void unreadableOrForeignCheckpointsAreOneLineAndTheRunIsLeftAsItWas() throws Exception {
        Path out = tmp.resolve("u");
        assertEquals(0, run(tiny(out)).code());
        String metrics = Files.readString(out.resolve("metrics.csv"));
        // Another model shape: the run's configuration says 32 units where its checkpoints have 16.
        Path runJson = out.resolve("run.json");
        String stored = Files.readString(runJson);
        Files.writeString(runJson, stored.replace("mlp:16,16:relu:identity", "mlp:32,16:relu:identity"));
        CliTest.Result shape = run("train", "--resume", "--out", out.toString(), "--master", "local[2]");
        assertEquals(2, shape.code(), shape.err());
        assertTrue(errorLine(shape).matches("train: --resume: checkpoint file:.*/u/checkpoints/iter-000000020 does not belong to this run's configuration"
                + " and data \\(grid25 \\(500 rows, 25 classes\\)\\): its generator is 2-16-16-2 but this configuration builds 2-32-16-2"), errorLine(shape));
        // Another objective: ACGAN's discriminator has a class head, its generator a class input.
        Files.writeString(runJson, stored.replace("\"objective\" : \"hinge\"", "\"objective\" : \"acgan\""));
        CliTest.Result objective = run("train", "--resume", "--out", out.toString(), "--master", "local[2]");
        assertEquals(2, objective.code(), objective.err());
        assertTrue(errorLine(objective).endsWith("its generator is 2-16-16-2 but this configuration builds 27-16-16-2"), errorLine(objective));
        Files.writeString(runJson, stored);

        for (String it : List.of("10", "20")) {
            Files.write(out.resolve("checkpoints/iter-0000000" + it + "/generator.zip"), new byte[] {'P', 'K', 3});
        }
        CliTest.Result none = run("train", "--resume", "--out", out.toString(), "--master", "local[2]");
        assertEquals(2, none.code(), none.err());
        assertTrue(errorLine(none).startsWith("train: --resume: no checkpoint in file:"), errorLine(none));
        assertTrue(errorLine(none).contains("/iter-000000020 is unreadable (cannot read network generator.zip from checkpoint: "), errorLine(none));
        assertTrue(errorLine(none).contains("/iter-000000010 is unreadable ("), errorLine(none));
        assertEquals(metrics, Files.readString(out.resolve("metrics.csv")), "a refused resume changes nothing");
        CliTest.Result sample = run("sample", "--model", out.toString(), "--n", "5", "--out", tmp.resolve("s.csv").toString());
        assertEquals(2, sample.code(), sample.err());
        String line = sample.err().lines().filter(l -> l.startsWith("sample:")).findFirst().orElse(sample.err());
        assertTrue(line.startsWith("sample: --model '" + out + "': no checkpoint in file:"), line);
        assertTrue(Files.notExists(tmp.resolve("s.csv")));
        assertEquals(stored, Files.readString(runJson));
        assertTrue(Files.notExists(out.resolve(OutFolder.SCRATCH)));
    }
}
