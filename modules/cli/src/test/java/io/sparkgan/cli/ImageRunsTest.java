package io.sparkgan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgan.data.idx.Idx;
import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image data through the command line: IDX files, a conditional (ACGAN) MD-GAN run on label-skewed
 * shards, the per-worker class histogram in run.json and sample grids at each evaluation point.
 */
class ImageRunsTest {
    @TempDir
    Path tmp;

    /** 90 28×28 images of 3 classes: a bright bar whose row depends on the class. */
    private Path[] writeIdx() throws Exception {
        List<byte[]> images = new ArrayList<>();
        byte[] labels = new byte[90];
        for (int i = 0; i < 90; i++) {
            int k = i % 3;
            byte[] img = new byte[784];
            for (int x = 4; x < 24; x++) {
                img[(6 + 8 * k) * 28 + x] = (byte) 255;
                img[(7 + 8 * k) * 28 + x] = (byte) (200 + i % 50);
            }
            images.add(img);
            labels[i] = (byte) k;
        }
        Path imgs = tmp.resolve("bars-images-idx3-ubyte");
        Path labs = tmp.resolve("bars-labels-idx1-ubyte");
        try (OutputStream o = Files.newOutputStream(imgs)) {
            Idx.writeImages(o, 28, 28, images);
        }
        try (OutputStream o = Files.newOutputStream(labs)) {
            Idx.writeLabels(o, labels);
        }
        return new Path[] {imgs, labs};
    }

    @Test
    void conditionalMdganOnLabelSkewedIdxShardsWritesHistogramsAndGrids() throws Exception {
        Path[] idx = writeIdx();
        Path out = tmp.resolve("run");
        CliTest.Result r = CliTest.run("train", "--strategy", "mdgan", "--workers", "3", "--shards", "label-skew:1",
                "--dataset", "idx:" + idx[0] + "," + idx[1], "--objective", "acgan", "--latent-dim", "4",
                "--generator", "mlp:16:relu:tanh", "--discriminator", "mlp:16:leakyrelu", "--batch-size", "8",
                "--iterations", "6", "--eval-every", "3", "--log-every", "3", "--checkpoint-every", "3",
                "--master", "local[2]", "--seed", "5", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals("label-skew:1", run.at("/shards/mode").asText());
        assertEquals(3, run.at("/shards/workers").size());
        List<Integer> owned = new ArrayList<>();
        for (JsonNode w : run.at("/shards/workers")) {
            assertEquals(30, w.get("size").asInt());
            int nonZero = 0;
            for (int k = 0; k < 3; k++) {
                if (w.get("classes").get(k).asInt() > 0) {
                    nonZero++;
                    owned.add(k);
                    assertEquals(30, w.get("classes").get(k).asInt());
                }
            }
            assertEquals(1, nonZero, "each worker holds one class: " + w);
        }
        assertEquals(List.of(0, 1, 2), owned.stream().sorted().toList());
        assertEquals(3, run.at("/config/workers").asInt());
        // A 10×10 grid of 28×28 images with 2-pixel borders at each evaluation point, and at the end.
        for (String png : List.of("samples/iter-000000003.png", "samples/iter-000000006.png", "samples.png")) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertEquals(10 * 30 + 2, img.getWidth(), png);
            assertEquals(10 * 30 + 2, img.getHeight(), png);
        }
        assertTrue(Files.readString(out.resolve("metrics.csv")).startsWith("iteration,wall_s,d_loss,g_loss,"));
        // The conditional generator restores from the checkpoint although run.json left classes to the data.
        CliTest.Result s = CliTest.run("sample", "--model", out.toString(), "--n", "16", "--out", tmp.resolve("s.csv").toString());
        assertEquals(0, s.code(), s.err());
        assertEquals(16, Files.readAllLines(tmp.resolve("s.csv")).size());
    }

    @Test
    void theEmbeddedDspritesTrainWithoutADataFolderAndWriteGridsOfItsImages() throws Exception {
        Path out = tmp.resolve("dsprites");
        CliTest.Result r = CliTest.run("train", "--strategy", "mdgan", "--workers", "3", "--shards", "label-skew:1", "--dataset", "dsprites",
                "--dataset-size", "300", "--latent-dim", "4", "--generator", "mlp:16:relu:tanh", "--discriminator", "mlp:16:leakyrelu",
                "--batch-size", "8", "--iterations", "4", "--eval-every", "4", "--master", "local[2]", "--seed", "5", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        int rows = 0;
        for (JsonNode w : run.at("/shards/workers")) {
            rows += w.get("size").asInt();
            assertEquals(3, w.get("classes").size(), "the classes are the three shapes");
        }
        assertEquals(300, rows);
        // A 10×10 grid of 32×32 images with 2-pixel borders.
        BufferedImage img = ImageIO.read(out.resolve("samples.png").toFile());
        assertEquals(10 * 34 + 2, img.getWidth());
        assertTrue(r.err().contains("note: dsprites has no evaluation classifier"), r.err());
    }

    @Test
    void dataThatDoesNotFitTheNetworkIsAClearError() throws Exception {
        Path[] idx = writeIdx();
        Path csv = tmp.resolve("three.csv");
        Files.writeString(csv, "a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n");
        CliTest.Result r = CliTest.run("train", "--dataset", "csv:" + csv, "--generator", "dcgan:8,4:relu:tanh",
                "--discriminator", "dcgan:4,8:leakyrelu", "--iterations", "2", "--master", "local[2]", "--out", tmp.resolve("bad").toString());
        assertEquals(2, r.code());
        String line = r.err().lines().filter(l -> l.startsWith("train:")).findFirst().orElse(r.err());
        assertTrue(line.startsWith("train: data dimension 3 of "), line);
        assertTrue(line.contains(" does not fit the dcgan networks (28x28x1 images) (expects 784)"), line);
        assertTrue(idx[0].toFile().exists());
        assertTrue(Files.notExists(tmp.resolve("bad")), "no run folder");
    }

    @Test
    void dataCommandsNameWhatTheyAccept() {
        CliTest.Result fetch = CliTest.run("data", "fetch", "cifar10", "--data-dir", tmp.toString());
        assertEquals(2, fetch.code());
        assertTrue(fetch.err().contains("fetch: dataset 'cifar10' cannot be fetched; expected mnist or fashion-mnist"), fetch.err());
        CliTest.Result score = CliTest.run("data", "score", "grid25", "--data-dir", tmp.toString());
        assertEquals(2, score.code());
        assertTrue(score.err().contains("score: dataset 'grid25' has no evaluation classifier; expected mnist or fashion-mnist"), score.err());
        CliTest.Result missing = CliTest.run("data", "score", "mnist", "--data-dir", tmp.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("not found under " + tmp + "/mnist; run `bin/sparkgan data fetch mnist` first"), missing.err());
        CliTest.Result report = CliTest.run("report", tmp.toString());
        assertEquals(2, report.code());
    }
}
