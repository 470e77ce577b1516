package io.sparkgan.cli;

import static io.sparkgan.cli.CliTest.errorLine;
import static io.sparkgan.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.cli.CliTest.Result;
import io.sparkgan.core.run.RunFolder;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * InfoGAN-CR end to end on dSprites (Lin et al. 2020): every strategy reports MIG and the FactorVAE
 * score of Q's reading of real images in final.json and summary.csv, draws its latent traversals,
 * and the report shows them; a model samples with its codes; what the codes cannot train is
 * refused before any run folder exists.
 */
class InfoGanTest {
    @TempDir
    static Path tmp;

    @Test
    void everyStrategyReportsDisentanglementAndDrawsItsTraversals() throws Exception {
        Path dir = tmp.resolve("info");
        Result r = run("compare", "--workers", "2", "--dataset", "dsprites", "--dataset-size", "400", "--latent-dim", "3",
                "--info-categorical", "3", "--info-continuous", "2", "--cr-weight", "1", "--cr-from", "2",
                "--generator", "mlp:16:relu:tanh", "--discriminator", "mlp:16:leakyrelu", "--objective", "nonsaturating",
                "--batch-size", "8", "--iterations", "4", "--eval-every", "2", "--master", "local[2]", "--seed", "5", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        for (String s : new String[] {"standalone", "mdgan", "flgan"}) {
            Map<?, ?> f = new RunFolder(dir.resolve(s)).readJsonMap(RunFolder.FINAL_JSON);
            for (String m : new String[] {"mig", "factorvae_score"}) {
                double v = ((Number) f.get(m)).doubleValue();
                assertTrue(v >= 0 && v <= 1, s + ": " + m + " " + v);
            }
            // Logged at both evaluation points (MD-GAN's discriminator 0 fetched from its worker each time), the last one in final.json.
            java.util.List<String> csv = Files.readAllLines(dir.resolve(s).resolve("metrics.csv"));
            java.util.List<String> header = java.util.List.of(csv.get(0).split(","));
            int mig = header.indexOf("mig");
            assertTrue(mig > 0 && header.contains("factorvae_score"), s + ": " + csv.get(0));
            java.util.List<String> evaluated = csv.subList(1, csv.size()).stream().filter(l -> !l.split(",", -1)[mig].isEmpty()).map(l -> l.split(",")[0]).toList();
            // FL-GAN evaluates where its rounds end (here one round of 4 iterations).
            assertEquals(s.equals("flgan") ? java.util.List.of("4") : java.util.List.of("2", "4"), evaluated, s);
            String lastRow = csv.get(csv.size() - 1);
            assertEquals(((Number) f.get("mig")).doubleValue(), Double.parseDouble(lastRow.split(",", -1)[mig]), 1e-6, s + ": metrics.csv keeps 6 digits");
            // Three codes (one categorical, two continuous): 3 rows of 10 images of 32x32 with 2-pixel borders.
            BufferedImage img = ImageIO.read(dir.resolve(s).resolve("traversal.png").toFile());
            assertEquals(10 * 34 + 2, img.getWidth(), s);
            assertEquals(3 * 34 + 2, img.getHeight(), s + ": one row per code");
        }
        assertTrue(Files.readString(dir.resolve("summary.csv")).lines().findFirst().orElse("").contains("factorvae_score"));
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<h2>Latent traversals</h2>") && html.contains("src=\"mdgan/traversal.png\""), "the report shows the traversals");

        Path out = tmp.resolve("sampled.csv");
        Result s = run("sample", "--model", dir.resolve("mdgan").toString(), "--n", "6", "--out", out.toString());
        assertEquals(0, s.code(), s.err());
        assertEquals(6, Files.readAllLines(out).size());
    }

    @Test
    void whatTheCodesCannotTrainIsRefusedBeforeAnyRunFolder() {
        Path out = tmp.resolve("refused");
        Result r = run("train", "--dataset", "grid25", "--info-continuous", "2", "--cr-weight", "1", "--batch-size", "7",
                "--iterations", "2", "--master", "local[1]", "--out", out.toString());
        assertEquals(2, r.code());
        assertEquals("train: batch-size 7 must be even with cr-weight > 0 (generated rows come in pairs)", errorLine(r));
        assertTrue(Files.notExists(out));
        Result v = run("train", "--dataset", "grid25", "--info-categorical", "10,1", "--iterations", "2", "--master", "local[1]", "--out", out.toString());
        assertEquals(2, v.code());
        assertTrue(errorLine(v).contains("info-categorical '10,1' is not a list of category counts; expected whole numbers >= 2 such as 10 or 10,4"),
                errorLine(v));
        assertTrue(Files.notExists(out));
    }

    @Test
    void aTraversalRowVariesOneCodeAndKeepsTheNoiseAndTheOtherCodes() {
        io.sparkgan.core.GanConfig c = new io.sparkgan.core.GanConfig();
        c.setLatentDim(3);
        c.set(io.sparkgan.core.info.InfoCodes.CATEGORICAL, "4");
        c.set(io.sparkgan.core.info.InfoCodes.CONTINUOUS, 2);
        io.sparkgan.core.Generator g = io.sparkgan.core.Gan.generator(c, 5, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        double[][] z = Disentangling.traversalInputs(g, 7).toDoubleMatrix();
        // Columns: 3 noise, 4 one-hot for the categorical code, 2 continuous; 3 codes x 10 steps.
        assertEquals(30, z.length);
        for (double[] row : z) {
            assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(z[0], 3)), java.util.Arrays.toString(java.util.Arrays.copyOf(row, 3)), "the same noise");
        }
        for (int s = 0; s < 10; s++) {
            assertEquals(1.0, z[s][3 + s % 4], "row 1 goes through the categories");
            assertEquals(-1 + 2.0 * s / 9, z[10 + s][7], 1e-12, "row 2 moves the first continuous code from -1 to 1");
            assertEquals(z[0][8], z[10 + s][8], 0.0, "and keeps the second");
        }
    }
}
