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

        String keep = "; a resumed run keeps its configuration (only --iterations, --lr-decay and --lr-decay-start may change)";
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

    /** metrics.csv without the wall clock, and the last checkpoint's generator and discriminator parameters. */
    private static List<Object> outcome(Path run) {
        List<Object> rows = new java.util.ArrayList<>();
        for (Map<String, String> r : MetricsCsv.read(run.resolve("metrics.csv"))) {
            Map<String, String> m = new java.util.LinkedHashMap<>(r);
            m.remove("wall_s");
            rows.add(m);
        }
        io.sparkgan.core.checkpoint.CheckpointStore store = new io.sparkgan.core.checkpoint.CheckpointStore(run.resolve("checkpoints").toUri().toString());
        Map<String, byte[]> last = store.load(store.latest().orElseThrow());
        rows.add(io.sparkgan.core.checkpoint.ModelParts.network(last, io.sparkgan.core.checkpoint.ModelParts.GENERATOR).params());
        rows.add(io.sparkgan.core.checkpoint.ModelParts.network(last, io.sparkgan.core.checkpoint.ModelParts.DISCRIMINATOR).params());
        return rows;
    }

    @Test
    void aRunAtAConstantRateResumedWithADecayFromItsCheckpointEqualsARunWithThatScheduleFromTheStart() throws Exception {
        // --lr-decay-start 10: the rate holds for updates 0..9, then decays linearly to 0 at update 30.
        Path whole = tmp.resolve("whole");
        assertEquals(0, run(tiny(whole, "--iterations", "30", "--lr-decay", "linear", "--lr-decay-start", "10")).code());
        Path annealed = tmp.resolve("annealed");
        assertEquals(0, run(tiny(annealed, "--iterations", "10")).code());
        CliTest.Result resumed = run(tiny(annealed, "--resume", "--iterations", "30", "--lr-decay", "linear", "--lr-decay-start", "10"));
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(outcome(whole), outcome(annealed), "every logged row and both networks, bit for bit");
        Map<?, ?> recorded = (Map<?, ?>) Configs.JSON.readValue(annealed.resolve("run.json").toFile(), Map.class).get("config");
        assertEquals(List.of(30, "linear", 10), List.of(recorded.get("iterations"), recorded.get("lr-decay"), recorded.get("lr-decay-start")),
                "run.json records the schedule the resumed run followed");
        Path constant = tmp.resolve("constant");
        assertEquals(0, run(tiny(constant, "--iterations", "30")).code());
        assertTrue(!outcome(constant).get(outcome(constant).size() - 1).equals(outcome(whole).get(outcome(whole).size() - 1)),
                "the decay changed the discriminator (else this test could not tell)");

        // The schedule is checked like any setting, before anything runs.
        Path never = tmp.resolve("never");
        assertEquals("train: lr-decay-start 10 needs a decay; expected lr-decay linear or cosine, or lr-decay-start 0",
                errorLine(run(tiny(never, "--lr-decay-start", "10"))));
        assertEquals("train: lr-decay-start 20 is not before the last iteration; expected less than iterations (20)",
                errorLine(run(tiny(never, "--lr-decay", "cosine", "--lr-decay-start", "20"))));
        assertEquals("train: lr-decay-start must be 0 (decay from the first update) or positive, got -1",
                errorLine(run(tiny(never, "--lr-decay", "cosine", "--lr-decay-start", "-1"))));
        assertTrue(!Files.exists(never), "a refused run leaves no folder");
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
