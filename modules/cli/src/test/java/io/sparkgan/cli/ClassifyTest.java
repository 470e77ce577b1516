package io.sparkgan.cli;

import static io.sparkgan.cli.CliTest.errorLine;
import static io.sparkgan.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.cli.CliTest.Result;
import io.sparkgan.core.run.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A semi-supervised run end to end (Salimans et al. 2016, §5): MD-GAN with 2 workers on grid25 with
 * 4 labels per class; the run's final.json scores its classifier (every worker's discriminator,
 * averaged) on fresh samples, and {@code classify} writes predictions that agree with that figure.
 */
class ClassifyTest {
    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() {
        run = tmp.resolve("ssl");
        Result r = run("train", "--strategy", "mdgan", "--workers", "2", "--dataset", "grid25", "--dataset-size", "1000",
                "--objective", "semi-supervised", "--labelled-per-class", "4", "--iterations", "200", "--batch-size", "32",
                "--eval-every", "200", "--eval-samples", "300", "--checkpoint-every", "100", "--generator", "mlp:16,16:relu",
                "--discriminator", "mlp:32,32:leakyrelu", "--master", "local[2]", "--seed", "3", "--out", run.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void finalJsonScoresTheClassifierAndClassifyWritesPredictions() throws Exception {
        Map<?, ?> f = new RunFolder(run).readJsonMap(RunFolder.FINAL_JSON);
        double error = ((Number) f.get("test_error_pct")).doubleValue();
        // Chance is 96 % wrong; standalone and MD-GAN both measured 35 % at this tiny budget.
        assertTrue(error < 50, "25 classes from 100 labels: test error " + error + " %");
        Map<?, ?> config = (Map<?, ?>) new RunFolder(run).readJsonMap(RunFolder.RUN_JSON).get("config");
        assertEquals("feature-matching", config.get("stabilizers"), "the objective's recommended stabilizer is recorded");
        assertEquals(4, ((Number) config.get("labelled-per-class")).intValue());

        Path out = tmp.resolve("pred.csv");
        Result c = run("classify", "--model", run.toString(), "--n", "500", "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, c.code(), c.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(501, lines.size());
        assertTrue(lines.get(0).startsWith("row,label,prediction,p0,p1,"), lines.get(0));
        assertEquals(3 + 25, lines.get(0).split(",").length);
        long wrong = lines.stream().skip(1).map(l -> l.split(",")).filter(p -> !p[1].equals(p[2])).count();
        assertTrue(c.out().contains(String.format(java.util.Locale.ROOT, "error %.2f %% (%d of 500 misclassified)", wrong / 5.0, wrong)), c.out());
        try (var files = Files.list(run)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().startsWith(".scratch")), "classify leaves no scratch in the run folder");
        }

        Result again = run("classify", "--model", run.toString(), "--out", out.toString());
        assertEquals(2, again.code());
        assertEquals("classify: --out '" + out + "' exists; choose a new file or pass --overwrite", errorLine(again));
    }

    @Test
    void metricsCsvHasTheTestErrorOfDiscriminatorZerosClassifierAtEveryEvaluation() throws Exception {
        // Standalone: discriminator 0 is the run's classifier, so its last figure is final.json's.
        Path alone = tmp.resolve("ssl-standalone");
        Result r = run("train", "--strategy", "standalone", "--dataset", "grid25", "--dataset-size", "1000",
                "--objective", "semi-supervised", "--labelled-per-class", "4", "--iterations", "200", "--batch-size", "32",
                "--eval-every", "100", "--eval-samples", "300", "--generator", "mlp:16,16:relu",
                "--discriminator", "mlp:32,32:leakyrelu", "--master", "local[2]", "--seed", "3", "--out", alone.toString());
        assertEquals(0, r.code(), r.err());
        Map<Integer, Double> curve = column(alone, SemiSupervisedEvaluation.D_TEST_ERROR);
        assertEquals(List.of(100, 200), List.copyOf(curve.keySet()), "one figure per evaluation point");
        double last = ((Number) new RunFolder(alone).readJsonMap(RunFolder.FINAL_JSON).get(RunExecutor.TEST_ERROR)).doubleValue();
        assertEquals(last, curve.get(200), 1e-9, "standalone: discriminator 0 is the classifier");
        assertTrue(curve.get(100) > curve.get(200), "the classifier learns between the evaluations: " + curve);
        // MD-GAN: worker 0's discriminator, fetched at the evaluation point; one member of the final ensemble.
        Map<Integer, Double> md = column(run, SemiSupervisedEvaluation.D_TEST_ERROR);
        assertEquals(List.of(200), List.copyOf(md.keySet()));
        assertTrue(md.get(200) >= 0 && md.get(200) < 100, "a percentage: " + md);
    }

    /** The non-empty values of metrics.csv's column {@code name}, by iteration. */
    private static Map<Integer, Double> column(Path runDir, String name) throws java.io.IOException {
        List<String> lines = Files.readAllLines(runDir.resolve(RunFolder.METRICS_CSV));
        int at = List.of(lines.get(0).split(",")).indexOf(name);
        assertTrue(at > 0, name + " in metrics.csv's header: " + lines.get(0));
        Map<Integer, Double> m = new java.util.LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] v = line.split(",", -1);
            if (!v[at].isEmpty()) {
                m.put(Integer.parseInt(v[0]), Double.parseDouble(v[at]));
            }
        }
        return m;
    }

    @Test
    void aRunOfAnotherObjectiveIsRefused() {
        Path plain = tmp.resolve("plain");
        Result r = run("train", "--dataset", "grid25", "--dataset-size", "200", "--iterations", "2", "--batch-size", "16",
                "--generator", "mlp:8:relu", "--discriminator", "mlp:8:leakyrelu", "--master", "local[2]", "--out", plain.toString());
        assertEquals(0, r.code(), r.err());
        Result c = run("classify", "--model", plain.toString(), "--out", tmp.resolve("x.csv").toString());
        assertEquals(2, c.code());
        assertEquals("classify: --model '" + plain + "' was trained with objective hinge, which trains no classifier; expected a run of objective semi-supervised",
                errorLine(c));
        assertFalse(Files.exists(tmp.resolve("x.csv")));
    }
}
