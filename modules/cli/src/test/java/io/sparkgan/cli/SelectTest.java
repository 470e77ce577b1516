package io.sparkgan.cli;

import static io.sparkgan.cli.CliTest.run;
import static io.sparkgan.cli.CliTest.tiny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkgan select} (ModelCentrality) on real runs: several seeds, one run's checkpoints and an
 * FL-GAN run's workers; the table names a pick, carries the runs' own reverse KL, and the CSV
 * matches it; bad input is one line and exit 2.
 */
class SelectTest {
    @TempDir
    static Path tmp;

    @Test
    void picksTheMostCentralOfSeveralRunsCheckpointsOrWorkers() throws Exception {
        Path[] runs = new Path[3];
        for (int s = 0; s < 3; s++) {
            runs[s] = tmp.resolve("seed-" + s);
            CliTest.Result r = run(tiny(runs[s], "--seed", String.valueOf(s + 1), "--checkpoint-every", "5", "--keep-checkpoints", "4"));
            assertEquals(0, r.code(), r.err());
        }
        Path csv = tmp.resolve("models.csv");
        CliTest.Result m = run("select", "--models", runs[0].toString(), runs[1].toString(), runs[2].toString(), "--n", "500", "--out", csv.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(m.out().contains("compared by Fréchet distance in the samples themselves"), m.out());
        assertTrue(m.out().contains("Spearman correlation of centrality with −reverse_kl"), m.out());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("candidate,centrality,reverse_kl,picked", lines.get(0));
        assertEquals(4, lines.size());
        assertEquals(1, lines.stream().filter(l -> l.endsWith(",true")).count(), "one pick");
        String picked = lines.stream().filter(l -> l.endsWith(",true")).findFirst().orElseThrow().split(",")[0];
        assertTrue(m.out().contains("pick: " + picked), m.out());
        for (String l : lines.subList(1, 4)) {
            String[] cells = l.split(",");
            assertTrue(Double.parseDouble(cells[1]) <= 0, "a centrality is a mean of negated distances: " + l);
            assertFalse(cells[2].isEmpty(), "each run's final reverse KL: " + l);
        }

        Path ckpt = tmp.resolve("checkpoints.csv");
        CliTest.Result c = run("select", "--checkpoints", runs[0].toString(), "--n", "500", "--out", ckpt.toString());
        assertEquals(0, c.code(), c.err());
        List<String> cl = Files.readAllLines(ckpt);
        assertEquals(List.of("iteration 5", "iteration 10", "iteration 15", "iteration 20"), cl.subList(1, cl.size()).stream().map(l -> l.split(",")[0]).toList(),
                "every checkpoint the run kept");
        // Reverse KL was evaluated at 10 and 20 only (eval-every 10): the table shows it where metrics.csv has it.
        assertEquals(List.of(true, false, true, false), cl.subList(1, cl.size()).stream().map(l -> l.split(",", -1)[2].isEmpty()).toList());

        Path fl = tmp.resolve("fl");
        assertEquals(0, run(tiny(fl, "--strategy", "flgan", "--workers", "3")).code());
        Path wcsv = tmp.resolve("workers.csv");
        CliTest.Result w = run("select", "--workers", fl.toString(), "--n", "500", "--out", wcsv.toString());
        assertEquals(0, w.code(), w.err());
        assertEquals(4, Files.readAllLines(wcsv).size(), "three workers' generators");

        assertEquals("plain", SelectCommand.csvField("plain"));
        assertEquals("\"runs/a,b\"", SelectCommand.csvField("runs/a,b"));
        assertEquals("\"say \"\"x\"\"\"", SelectCommand.csvField("say \"x\""));

        CliTest.Result notFl = run("select", "--workers", runs[0].toString(), "--out", tmp.resolve("x.csv").toString());
        assertEquals(2, notFl.code());
        assertTrue(notFl.err().contains("is a standalone run; expected an flgan run"), notFl.err());
        CliTest.Result one = run("select", "--models", runs[0].toString(), "--out", tmp.resolve("y.csv").toString());
        assertEquals(2, one.code(), "--models takes at least two runs");
        assertFalse(Files.exists(tmp.resolve("x.csv")) || Files.exists(tmp.resolve("y.csv")), "a refused selection writes nothing");
    }

    @Test
    void infoganModelsAreComparedByEachOnesQOnTheOthersSamples() throws Exception {
        Path[] runs = new Path[3];
        for (int s = 0; s < 3; s++) {
            runs[s] = tmp.resolve("info-" + s);
            CliTest.Result r = run("train", "--dataset", "dsprites", "--dataset-size", "300", "--latent-dim", "3", "--info-categorical", "3",
                    "--info-continuous", "2", "--generator", "mlp:16:relu:tanh", "--discriminator", "mlp:16:leakyrelu", "--objective", "nonsaturating",
                    "--batch-size", "8", "--iterations", "6", "--eval-every", "6", "--checkpoint-every", "3", "--master", "local[1]",
                    "--seed", String.valueOf(s + 1), "--out", runs[s].toString());
            assertEquals(0, r.code(), r.err());
        }
        Path csv = tmp.resolve("info.csv");
        CliTest.Result m = run("select", "--models", runs[0].toString(), runs[1].toString(), runs[2].toString(), "--out", csv.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(m.out().contains("3 InfoGAN candidates compared by the FactorVAE score of each one's Q on the other's samples"), m.out());
        assertTrue(m.out().contains("Spearman correlation of centrality with factorvae_score"), m.out());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("candidate,centrality,factorvae_score,picked", lines.get(0));
        for (String l : lines.subList(1, 4)) {
            String[] cells = l.split(",");
            double centrality = Double.parseDouble(cells[1]);
            assertTrue(centrality >= 0 && centrality <= 1, "a mean FactorVAE-style score: " + l);
            assertFalse(cells[2].isEmpty(), "each run's FactorVAE score on real dSprites: " + l);
        }
        // One run's checkpoints, each with its own Q; and a run without codes is refused beside InfoGAN ones.
        CliTest.Result c = run("select", "--checkpoints", runs[0].toString(), "--out", tmp.resolve("info-ckpt.csv").toString());
        assertEquals(0, c.code(), c.err());
        assertEquals(3, Files.readAllLines(tmp.resolve("info-ckpt.csv")).size(), "the checkpoints at 3 and 6");
        Path plain = tmp.resolve("plain-dsprites");
        assertEquals(0, run("train", "--dataset", "dsprites", "--dataset-size", "300", "--latent-dim", "3", "--generator", "mlp:16:relu:tanh",
                "--discriminator", "mlp:16:leakyrelu", "--batch-size", "8", "--iterations", "3", "--eval-every", "3", "--master", "local[1]",
                "--out", plain.toString()).code());
        CliTest.Result mixed = run("select", "--models", runs[0].toString(), plain.toString(), "--out", tmp.resolve("mixed.csv").toString());
        assertEquals(2, mixed.code());
        assertTrue(mixed.err().contains("has no InfoGAN codes; expected the codes of"), mixed.err());
        assertFalse(Files.exists(tmp.resolve("mixed.csv")));
    }
}
