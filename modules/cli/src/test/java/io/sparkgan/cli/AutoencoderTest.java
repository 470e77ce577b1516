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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An adversarial autoencoder end to end (Makhzani et al. 2015): standalone and FL-GAN runs on grid25
 * with the labelled mixture prior (a component per mode) report their reconstruction error and draw
 * their codes; {@code sample} decodes from the prior; what it cannot train is refused before any run
 * folder exists.
 */
class AutoencoderTest {
    @TempDir
    static Path tmp;

    @Test
    void aStandaloneRunReportsReconstructionAndCodesAndItsModelDecodesFromThePrior() throws Exception {
        // Through compare, so the report shows the codes too; MD-GAN and FL-GAN with 2 workers beside the standalone run.
        Path dir = tmp.resolve("aae");
        Path run = dir.resolve("standalone");
        Result r = run("compare", "--workers", "2", "--dataset", "grid25", "--dataset-size", "2000", "--autoencoder", "labelled-mixture",
                "--prior-components", "25", "--iterations", "300", "--batch-size", "64", "--eval-every", "300", "--eval-samples", "500",
                "--generator", "mlp:32,32:relu", "--discriminator", "mlp:32,32:leakyrelu", "--encoder", "mlp:32,32:leakyrelu",
                "--master", "local[2]", "--seed", "3", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<h2>Codes</h2>") && html.contains("src=\"standalone/codes.png\"") && html.contains("src=\"flgan/codes.png\"")
                && html.contains("src=\"mdgan/codes.png\""), "the report shows the codes of every run");
        double flMse = ((Number) new RunFolder(dir.resolve("flgan")).readJsonMap(RunFolder.FINAL_JSON).get("reconstruction_mse")).doubleValue();
        assertTrue(flMse < 4.0, "FL-GAN's averaged autoencoder reconstructs too: " + flMse);
        double mdMse = ((Number) new RunFolder(dir.resolve("mdgan")).readJsonMap(RunFolder.FINAL_JSON).get("reconstruction_mse")).doubleValue();
        assertTrue(mdMse < 4.0, "MD-GAN's autoencoder 0, fetched from its worker, reconstructs too: " + mdMse);
        assertTrue(Files.readString(dir.resolve("summary.csv")).contains("reconstruction_mse"), "summary.csv has the reconstruction error");
        Map<?, ?> f = new RunFolder(run).readJsonMap(RunFolder.FINAL_JSON);
        double mse = ((Number) f.get("reconstruction_mse")).doubleValue();
        // grid25's coordinates have variance 8 (decoding every code to the mean would score 8); measured 0.08 at this budget.
        assertTrue(mse < 1.0, "reconstruction error " + mse);
        assertEquals(0.0, ((Number) ((Map<?, ?>) new RunFolder(run).readJsonMap(RunFolder.RUN_JSON).get("config")).get("generator-ema")).doubleValue(),
                "no moving average of the decoder by default");
        assertTrue(Files.size(run.resolve("codes.png")) > 1000);
        Map<?, ?> config = (Map<?, ?>) new RunFolder(run).readJsonMap(RunFolder.RUN_JSON).get("config");
        assertEquals("labelled-mixture", config.get("autoencoder"));
        assertEquals("mlp:32,32:leakyrelu:identity", config.get("encoder"));

        Path out = tmp.resolve("decoded.csv");
        Result s = run("sample", "--model", run.toString(), "--n", "200", "--out", out.toString());
        assertEquals(0, s.code(), s.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(200, lines.size(), "200 decoded samples");
        assertEquals(2, lines.get(0).split(",").length, "2-D samples");
    }

    @Test
    void whatTheAutoencoderCannotTrainIsRefusedBeforeAnyRunFolderExists() {
        Path out = tmp.resolve("refused");
        Result c = run("compare", "--autoencoder", "gaussian", "--objective", "acgan", "--iterations", "3", "--out", out.toString());
        assertEquals(2, c.code());
        assertTrue(errorLine(c).startsWith("compare: objective 'acgan' does not apply to the adversarial autoencoder's code discriminator"),
                errorLine(c));
        Result l = run("train", "--strategy", "standalone", "--autoencoder", "mixture", "--refine", "langevin", "--iterations", "3", "--out", out.toString());
        assertEquals(2, l.code());
        assertEquals("train: refine langevin does not apply to the adversarial autoencoder (its discriminator reads codes, not samples); expected refine none",
                errorLine(l));
        Result k = run("train", "--strategy", "standalone", "--dataset", "grid25", "--autoencoder", "labelled-mixture", "--iterations", "3",
                "--out", out.toString());
        assertEquals(2, k.code());
        assertEquals("train: autoencoder labelled-mixture needs a component per class: grid25 (25000 rows, 25 classes) has 25 classes, "
                + "prior-components is 10; expected prior-components 25 or more", errorLine(k));
        Result a = run("train", "--strategy", "standalone", "--autoencoder", "gaussian", "--objective", "acgan", "--iterations", "3",
                "--out", out.toString());
        assertEquals(2, a.code());
        assertTrue(errorLine(a).startsWith("train: objective 'acgan' does not apply to the adversarial autoencoder's code discriminator"), errorLine(a));
        assertFalse(Files.exists(out), "no run folder is left behind");
    }
}
