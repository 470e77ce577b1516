package io.sparkgan.cli;

import static io.sparkgan.cli.CliTest.errorLine;
import static io.sparkgan.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.cli.CliTest.Result;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.refine.Refinement;
import io.sparkgan.core.run.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DCD refinement end to end: a tiny real MD-GAN run with 2 workers (Spark local mode) whose final
 * checkpoint keeps both discriminators; {@code sample --refine langevin} with the ensemble and with
 * one worker's energy, checked against the refinement replayed here from the checkpoint; the final
 * evaluation before and after refinement in final.json; bad choices refused with exit code 2.
 */
class RefineTest {
    @TempDir
    static Path tmp;
    static Path run;

    static String[] mdgan(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--strategy", "mdgan", "--workers", "2", "--dataset", "grid25", "--dataset-size", "500",
                "--iterations", "20", "--batch-size", "16", "--eval-every", "10", "--eval-samples", "300", "--log-every", "5",
                "--checkpoint-every", "10", "--generator", "mlp:16,16:relu", "--discriminator", "mlp:16,16:leakyrelu",
                "--master", "local[2]", "--seed", "3", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @BeforeAll
    static void train() {
        run = tmp.resolve("md");
        Result r = run(mdgan(run, "--refine", "langevin", "--refine-steps", "5", "--refine-step-size", "0.03", "--energy", "ensemble"));
        assertEquals(0, r.code(), r.err());
    }

    private static double[][] csv(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(l -> {
            String[] p = l.split(",");
            return new double[] {Float.parseFloat(p[0]), Float.parseFloat(p[1])};
        }).toArray(double[][]::new);
    }

    private static Result sample(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("sample", "--model", run.toString(), "--n", "40", "--out", out.toString()));
        a.addAll(List.of(extra));
        return run(a.toArray(new String[0]));
    }

    /** What refining {@code x} with the run's final discriminators gives, replayed outside the command. */
    private static double[][] replay(double[][] x, Refinement r) {
        RunConfig c = Resume.stored(run, "--model");
        CheckpointStore store = new CheckpointStore(run.resolve(RunFolder.CHECKPOINTS).toUri().toString());
        List<Discriminator> ds = Refining.discriminators(c, run, 20, store.load(20));
        assertEquals(2, ds.size(), "one discriminator per worker");
        INDArray in = Nd4j.create(x).castTo(DataType.FLOAT);
        return r.apply(in, ds, Refining.stream(c.getSeed(), 0)).toDoubleMatrix();
    }

    private static void assertClose(double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 1e-5, "row " + i);
        }
    }

    @Test
    void sampleRefinesWithTheEnsembleOrOneWorkersDiscriminatorDeterministically() throws Exception {
        Path plain = tmp.resolve("plain.csv");
        assertEquals(0, sample(plain).code());
        double[][] x = csv(plain);

        Path ens = tmp.resolve("ens.csv");
        Result r = sample(ens, "--refine", "langevin", "--steps", "5", "--step-size", "0.03", "--noise", "0.01", "--energy", "ensemble");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("before refinement: modes_covered="), r.out());
        assertTrue(r.out().contains("after refinement:  modes_covered="), r.out());
        double[][] refined = csv(ens);
        assertFalse(java.util.Arrays.deepEquals(x, refined), "refinement moved the samples");
        assertClose(replay(x, new Refinement("langevin", 5, 0.03, 0.01, "ensemble")), refined);

        Path ens2 = tmp.resolve("ens2.csv");
        assertEquals(0, sample(ens2, "--refine", "langevin", "--steps", "5", "--step-size", "0.03", "--noise", "0.01").code());
        assertEquals(Files.readAllLines(ens), Files.readAllLines(ens2), "same seed, same refined samples (ensemble is the default)");

        Path w1 = tmp.resolve("w1.csv");
        assertEquals(0, sample(w1, "--refine", "langevin", "--steps", "5", "--step-size", "0.03", "--noise", "0.01", "--energy", "worker:1").code());
        double[][] one = csv(w1);
        assertClose(replay(x, new Refinement("langevin", 5, 0.03, 0.01, "worker:1")), one);
        assertNotEquals(Files.readAllLines(ens), Files.readAllLines(w1));
        Path w0 = tmp.resolve("w0.csv");
        assertEquals(0, sample(w0, "--refine", "langevin", "--steps", "5", "--step-size", "0.03", "--noise", "0.01", "--energy", "worker:0").code());
        assertNotEquals(Files.readAllLines(w0), Files.readAllLines(w1), "the two workers' discriminators differ");
    }

    @Test
    void badRefinementChoicesAreOneLineErrorsWithExitCode2AndNothingWritten() {
        Path out = tmp.resolve("never.csv");
        Result far = sample(out, "--refine", "langevin", "--energy", "worker:5");
        assertEquals(2, far.code(), far.err());
        assertEquals("sample: --energy 'worker:5' is out of range: the model has 2 discriminators (worker:0 to worker:1); expected ensemble or one of them",
                errorLine(far));
        assertEquals("sample: --refine-steps must be 0 (samples left as they are) or positive, got -3", errorLine(sample(out, "--refine", "langevin", "--steps", "-3")));
        assertEquals("sample: --energy must be ensemble or worker:K, got 'best'", errorLine(sample(out, "--refine", "langevin", "--energy", "best")));
        assertEquals("sample: --refine 'mala' is unknown; expected one of [none, langevin]", errorLine(sample(out, "--refine", "mala")));
        assertEquals("sample: --refine-step-size must be positive, got 0", errorLine(sample(out, "--refine", "langevin", "--step-size", "0")));
        assertEquals("sample: --steps, --step-size, --noise and --energy apply to --refine langevin only", errorLine(sample(out, "--steps", "4")));
        assertFalse(Files.exists(out));
        // A training run refuses before anything is written.
        Path never = tmp.resolve("never-run");
        Result train = run(mdgan(never, "--refine", "langevin", "--energy", "worker:2"));
        assertEquals(2, train.code(), train.err());
        assertEquals("train: energy 'worker:2' is out of range: the model has 2 discriminators (worker:0 to worker:1); expected ensemble or one of them",
                errorLine(train));
        Result standalone = run(CliTest.tiny(never, "--refine", "langevin", "--energy", "worker:1"));
        assertEquals("train: energy 'worker:1' is out of range: the model has 1 discriminator (worker:0); expected ensemble or one of them"
                + " (a standalone model has one discriminator)", errorLine(standalone));
        assertFalse(Files.exists(never));
    }

    @Test
    void flGanAndStandaloneRefineWithTheirOneDiscriminator() throws Exception {
        for (String strategy : new String[] {"flgan", "standalone"}) {
            Path dir = tmp.resolve(strategy);
            List<String> a = new ArrayList<>(List.of(mdgan(dir)));
            a.set(a.indexOf("mdgan"), strategy);
            a.set(a.indexOf("--iterations") + 1, "10");
            a.addAll(List.of("--average-every-iterations", "5"));
            Result t = run(a.toArray(new String[0]));
            assertEquals(0, t.code(), t.err());
            Path plain = tmp.resolve(strategy + "-plain.csv");
            Path refined = tmp.resolve(strategy + "-refined.csv");
            assertEquals(0, run("sample", "--model", dir.toString(), "--n", "30", "--out", plain.toString()).code());
            Result r = run("sample", "--model", dir.toString(), "--n", "30", "--out", refined.toString(), "--refine", "langevin", "--energy", "worker:0");
            assertEquals(0, r.code(), r.err());
            assertFalse(java.util.Arrays.deepEquals(csv(plain), csv(refined)), strategy);
            assertEquals(2, run("sample", "--model", dir.toString(), "--n", "30", "--out", refined.toString(), "--overwrite",
                    "--refine", "langevin", "--energy", "worker:1").code(), strategy + " has one discriminator");
        }
    }

    @Test
    void theFinalEvaluationCarriesTheMetricsBeforeAndAfterRefinement() throws Exception {
        Map<?, ?> f = RunFolder.JSON.readValue(run.resolve(RunFolder.FINAL_JSON).toFile(), Map.class);
        for (String k : new String[] {"modes_covered", "high_quality_pct", "reverse_kl"}) {
            assertTrue(f.containsKey(k), k);
        }
        assertTrue(f.containsKey("refined_modes_covered") && f.containsKey("refined_high_quality_pct") && f.containsKey("refined_reverse_kl"), f.toString());
        assertEquals(Map.of("refine", "langevin", "refine-steps", 5, "refine-step-size", 0.03, "refine-noise", 0.0, "energy", "ensemble"),
                f.get("refinement"));
        // Replayed here: the final evaluation's codes, refined with the final checkpoint's discriminators, scored.
        RunConfig c = Resume.stored(run, "--model");
        Map<String, byte[]> parts = new CheckpointStore(run.resolve(RunFolder.CHECKPOINTS).toUri().toString()).load(20);
        // The generator evaluation uses: the moving average of the final checkpoint's.
        io.sparkgan.core.Generator g = io.sparkgan.core.Gan.restoredGenerator(c,
                io.sparkgan.core.checkpoint.ModelParts.network(parts, "generator.zip"), parts).averaged();
        INDArray x = g.sample(g.latent(io.sparkgan.core.GanRandom.stream(c.getSeed(), "eval", 20), c.getEvalSamples()));
        io.sparkgan.data.GaussianMixture m = io.sparkgan.data.Datasets.mixture("grid25");
        io.sparkgan.metrics.ModeCoverage cover = new io.sparkgan.metrics.ModeCoverage(m.centres(), m.std());
        Map<String, Double> before = cover.evaluate(x);
        Map<String, Double> after = cover.evaluate(c.refinement().apply(x, Refining.discriminators(c, run, 20, parts), Refining.stream(c.getSeed(), 20)));
        for (String k : before.keySet()) {
            // final.json writes an undefined value (reverse KL without high-quality samples) as null.
            assertEquals(before.get(k), f.get(k) == null ? Double.NaN : ((Number) f.get(k)).doubleValue(), 1e-9, k);
            assertEquals(after.get(k), f.get("refined_" + k) == null ? Double.NaN : ((Number) f.get("refined_" + k)).doubleValue(), 1e-9, "refined_" + k);
        }
        assertTrue(((Number) f.get("refine_s")).doubleValue() > 0);
        Map<?, ?> runJson = RunFolder.JSON.readValue(run.resolve(RunFolder.RUN_JSON).toFile(), Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) (runJson.containsKey("config") ? runJson.get("config") : runJson);
        assertEquals("langevin", config.get("refine"), runJson.toString());
        assertEquals(5, config.get("refine-steps"));
    }

    @Test
    void aDiscriminatorThatScoresWholeBatchesCannotRefineSamples() throws Exception {
        Path out = tmp.resolve("mbd-refused");
        CliTest.Result r = run(CliTest.tiny(out, "--stabilizers", "minibatch-discrimination", "--refine", "langevin"));
        assertEquals(2, r.code());
        assertEquals("train: refine langevin does not apply with stabilizer minibatch-discrimination (its discriminator scores a sample by the batch "
                + "around it, not on its own); expected refine none", errorLine(r));
        assertFalse(java.nio.file.Files.exists(out), "no run folder");
        Path trained = tmp.resolve("mbd");
        assertEquals(0, run(CliTest.tiny(trained, "--stabilizers", "minibatch-discrimination", "--iterations", "4")).code());
        CliTest.Result s = run("sample", "--model", trained.toString(), "--n", "10", "--refine", "langevin", "--out", tmp.resolve("r.csv").toString());
        assertEquals(2, s.code());
        assertEquals("sample: --refine langevin does not apply with stabilizer minibatch-discrimination (its discriminator scores a sample by the "
                + "batch around it, not on its own); expected refine none", errorLine(s));
    }
}
