package io.sparkgan.spark.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.data.Samples;
import io.sparkgan.data.VectorFrames;
import io.sparkgan.metrics.Fid;
import io.sparkgan.spark.SparkTestBase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains the evaluation classifier once, through SparkDl4jMultiLayer on local[2], on synthetic shapes
 * (MNIST cannot be fetched in tests), then checks what the image metrics must do: high accuracy,
 * classifier score near the class count for real images and near 1 for one class, FID small for
 * real against real and growing with blur and with noise, and a cache that loads instead of training.
 */
class EvaluationClassifierTest extends SparkTestBase {
    static final String KEY = "shapes";
    static final long SEED = 3;
    static final int EPOCHS = 3;
    static final int K = SyntheticShapes.CLASSES;

    @TempDir
    static Path cache;

    static SyntheticShapes.Images train;
    static SyntheticShapes.Images test;
    static SyntheticShapes.Images heldOut;
    static EvaluationClassifier classifier;
    static String firstLog;
    static Path crashedTemp;

    @BeforeAll
    static void trainOnce() throws IOException {
        train = SyntheticShapes.draw(3000, 1);
        test = SyntheticShapes.draw(1000, 2);
        heldOut = SyntheticShapes.draw(1000, 3);
        // What a writer that crashed mid-way leaves: a temporary folder that looks almost whole. It must never be loaded.
        crashedTemp = cache.resolve("." + EvaluationClassifier.folderName(KEY, SEED) + ".tmp-crashed");
        Files.createDirectories(crashedTemp);
        Files.writeString(crashedTemp.resolve(EvaluationClassifier.INFO_FILE), "{\"dataset\": \"shapes\", \"testAccuracy\": 0.123}");
        Files.writeString(crashedTemp.resolve(EvaluationClassifier.MODEL_FILE), "half a zip");

        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        classifier = EvaluationClassifier.loadOrTrain(spark, KEY, train.frame(spark), test.frame(spark), K,
                SyntheticShapes.SIDE, SyntheticShapes.SIDE, 1, SEED, EPOCHS, cache.toString(), new PrintStream(buf, true, StandardCharsets.UTF_8));
        firstLog = buf.toString(StandardCharsets.UTF_8);
        System.out.print(firstLog);
    }

    @Test
    void trainsThroughSparkToHighTestAccuracyAndRecordsIt() throws IOException {
        assertTrue(classifier.testAccuracy() >= 0.95, "test accuracy " + classifier.testAccuracy() + "\n" + firstLog);
        assertTrue(firstLog.contains("epoch " + EPOCHS + "/" + EPOCHS), firstLog);
        assertTrue(firstLog.contains("evaluation classifier for shapes (seed 3) trained in "), firstLog);
        EvaluationClassifier.Info info = classifier.info();
        assertEquals(KEY, info.dataset());
        assertEquals(SEED, info.seed());
        assertEquals(EPOCHS, info.epochs());
        assertEquals(K, info.classes());
        assertEquals(List.of(28, 28, 1), List.of(info.height(), info.width(), info.channels()));
        assertEquals(3000, info.trainExamples());
        assertEquals(1000, info.testExamples());
        assertEquals(2, info.workers(), "one worker per local[2] core");
        assertTrue(info.trainingSeconds() > 0);
        Path folder = cache.resolve(EvaluationClassifier.folderName(KEY, SEED));
        String json = Files.readString(folder.resolve(EvaluationClassifier.INFO_FILE));
        assertTrue(json.contains("\"testAccuracy\" : " + info.testAccuracy()), json);
        assertEquals(500, classifier.referenceStats().dimension());
        assertEquals(1000, classifier.referenceStats().count());
    }

    /** Scoring runs on the fast path: its features and probabilities are DL4J's inference pass's. */
    @Test
    void fastPathInferenceMatchesDl4jsFeedForward() {
        INDArray rows = Nd4j.create(train.x()).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1200), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray features = classifier.features(rows);
        INDArray probabilities = classifier.probabilities(rows);
        List<INDArray> dl4j = classifier.network().feedForward(EvaluationClassifier.toChw(rows, 28, 28, 1), false);
        assertEquals(1200, features.rows(), "two inference batches");
        assertTrue(features.equalsWithEps(dl4j.get(5), 1e-4), "features differ from DL4J's feedForward");
        assertTrue(probabilities.equalsWithEps(dl4j.get(dl4j.size() - 1), 1e-5), "probabilities differ from DL4J's feedForward");
    }

    /** Same seed and worker count, same network bit for bit: the deal depends on row content, not on delivery order. */
    @Test
    void trainingIsDeterministicForASeedAndWorkerCount() {
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        Dataset<Row> frame = train.frame(spark);
        INDArray first = EvaluationClassifier.trainOnSpark(spark, frame, K, 28, 28, 1, SEED, 1, quiet, "a").params().dup();
        // The same rows in another order and partitioning.
        Dataset<Row> shuffled = frame.orderBy(org.apache.spark.sql.functions.rand(7)).repartition(3);
        INDArray second = EvaluationClassifier.trainOnSpark(spark, shuffled, K, 28, 28, 1, SEED, 1, quiet, "b").params();
        assertEquals(first, second, "two trainings with the same seed differ");
        INDArray initial = EvaluationClassifier.network(K, 28, 28, 1, SEED).params();
        assertTrue(first.sub(initial).norm2Number().doubleValue() > 1.0, "the parameters did not move");
    }

    @Test
    void classifierScoreIsNearTheClassCountForRealImagesAndNearOneForOneClass() {
        double real = classifier.score(heldOut.x()).classifierScore();
        double oneClass = classifier.score(heldOut.ofClass(4)).classifierScore();
        assertTrue(real > 0.85 * K && real <= K, "classifier score of real images " + real);
        assertTrue(oneClass < 1.5, "classifier score of one class " + oneClass);
        float[][] p = classifier.probabilities(heldOut.head(10));
        assertEquals(K, p[0].length);
    }

    @Test
    void fidIsSmallForRealImagesAndGrowsWithBlurAndWithNoise() {
        double trainVsTest = Fid.distance(classifier.featureStats(train.head(1000)), classifier.referenceStats());
        double heldVsTest = classifier.score(heldOut.x()).fid();
        double[] blurred = new double[4];
        double[] noisy = new double[4];
        blurred[0] = heldVsTest;
        noisy[0] = heldVsTest;
        for (int level = 1; level <= 3; level++) {
            blurred[level] = classifier.score(SyntheticShapes.blur(heldOut.x(), level)).fid();
            noisy[level] = classifier.score(SyntheticShapes.noisy(heldOut.x(), 0.25 * (1 << (level - 1)), level)).fid();
        }
        System.out.printf("FID train/test %.3f, held-out/test %.3f, blur r=1..3 %.3f %.3f %.3f, noise sigma=0.25,0.5,1 %.3f %.3f %.3f%n",
                trainVsTest, heldVsTest, blurred[1], blurred[2], blurred[3], noisy[1], noisy[2], noisy[3]);
        for (int level = 1; level <= 3; level++) {
            assertTrue(blurred[level] > blurred[level - 1], "FID must grow with the blur radius: " + java.util.Arrays.toString(blurred));
            assertTrue(noisy[level] > noisy[level - 1], "FID must grow with the noise: " + java.util.Arrays.toString(noisy));
        }
        // Small: real against real stays below the mildest distortion (noise of sigma 0.25 on top of the
        // images' own 0.1), and far below a one-pixel blur. It is not 0: 1000 samples of 500-d features.
        for (double real : new double[] {trainVsTest, heldVsTest}) {
            assertTrue(real < noisy[1] && real < 0.2 * blurred[1], "real-vs-real FID " + real);
        }
    }

    @Test
    void secondCallLoadsTheCacheBitForBitWithoutRetrainingOrRewriting() throws IOException {
        Path folder = cache.resolve(EvaluationClassifier.folderName(KEY, SEED));
        Map<String, FileTime> before = listing(folder);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        EvaluationClassifier again = EvaluationClassifier.loadOrTrain(spark, KEY, train.frame(spark), test.frame(spark), K,
                28, 28, 1, SEED, EPOCHS, cache.toString(), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String log = buf.toString(StandardCharsets.UTF_8);

        assertTrue(log.startsWith("evaluation classifier for shapes (seed 3) loaded from " + classifier.location() + ", test accuracy "), log);
        assertTrue(log.trim().endsWith(" %") && !log.contains("epoch"), log);
        assertEquals(before, listing(folder), "the cache folder was rewritten");
        assertEquals(classifier.info(), again.info(), "same classifier.json, training seconds included");
        float[][] rows = heldOut.head(300);
        float[][] p1 = classifier.probabilities(rows);
        float[][] p2 = again.probabilities(rows);
        float[][] f1 = classifier.features(rows);
        float[][] f2 = again.features(rows);
        for (int i = 0; i < rows.length; i++) {
            assertArrayEquals(p1[i], p2[i]);
            assertArrayEquals(f1[i], f2[i]);
        }
        assertArrayEquals(classifier.referenceStats().mean(), again.referenceStats().mean());
        assertArrayEquals(classifier.referenceStats().covariance()[7], again.referenceStats().covariance()[7]);
        assertEquals(classifier.location(), EvaluationClassifier.load(folder.toString()).location());
    }

    @Test
    void aCrashedWritersTemporaryFolderIsNeverLoaded() {
        assertTrue(firstLog.contains("trained in"), "the first call must have trained, not loaded the temporary folder:\n" + firstLog);
        assertTrue(classifier.testAccuracy() != 0.123);
        // Left alone: it may belong to a writer that is still running.
        assertTrue(Files.exists(crashedTemp));
    }

    @Test
    void anIncompleteOrCorruptCacheFolderIsRejectedNotTrainedOver() throws IOException {
        Path partial = cache.resolve(EvaluationClassifier.folderName("partial", SEED));
        Files.createDirectories(partial);
        Files.writeString(partial.resolve(EvaluationClassifier.INFO_FILE), "{}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvaluationClassifier.loadOrTrain(spark, "partial",
                train.frame(spark), test.frame(spark), K, 28, 28, 1, SEED, EPOCHS, cache.toString(), null));
        assertTrue(e.getMessage().contains("has no " + EvaluationClassifier.STATS_FILE) && e.getMessage().contains("delete it"), e.getMessage());

        Path corrupt = cache.resolve(EvaluationClassifier.folderName("corrupt", SEED));
        Files.createDirectories(corrupt);
        for (String f : List.of(EvaluationClassifier.INFO_FILE, EvaluationClassifier.STATS_FILE, EvaluationClassifier.MODEL_FILE)) {
            Files.writeString(corrupt.resolve(f), "garbage");
        }
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> EvaluationClassifier.load(corrupt.toString()));
        assertTrue(c.getMessage().contains("unreadable"), c.getMessage());
        try (Stream<Path> left = Files.list(partial)) {
            assertEquals(1, left.count(), "nothing was written over the broken folder");
        }
    }

    @Test
    void aCacheBuiltWithOtherSettingsIsNotReused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvaluationClassifier.loadOrTrain(spark, KEY,
                train.frame(spark), test.frame(spark), K, 28, 28, 1, SEED, EPOCHS + 5, cache.toString(), null));
        assertTrue(e.getMessage().contains(EPOCHS + " epochs") && e.getMessage().contains((EPOCHS + 5) + " epochs"), e.getMessage());
    }

    @Test
    void aWriterThatLosesTheRaceKeepsTheWinnersFolder() throws IOException {
        FileSystem local = FileSystem.getLocal(new Configuration());
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(cache.resolve("race").toUri());
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(root, "classifier-x-seed1");

        // No finished folder yet: the rename installs ours.
        org.apache.hadoop.fs.Path first = tempFolder(local, root, "a", "mine");
        assertTrue(EvaluationClassifier.publish(local, first, target));
        assertTrue(local.exists(new org.apache.hadoop.fs.Path(target, "mine")));
        assertFalse(local.exists(first));

        // A finished folder exists: ours is dropped, theirs untouched.
        org.apache.hadoop.fs.Path second = tempFolder(local, root, "b", "loser");
        assertFalse(EvaluationClassifier.publish(local, second, target));
        assertFalse(local.exists(second));
        assertEquals(1, local.listStatus(target).length);

        // The winner's rename lands between our check and our rename: Hadoop moves ours inside theirs; it is removed.
        org.apache.hadoop.fs.Path third = tempFolder(local, root, "c", "late");
        FileSystem racing = new FilterFileSystem(local) {
            private boolean lied;

            @Override
            public boolean exists(org.apache.hadoop.fs.Path f) throws IOException {
                if (!lied && f.equals(target)) {
                    lied = true;
                    return false;
                }
                return super.exists(f);
            }
        };
        assertFalse(EvaluationClassifier.publish(racing, third, target));
        assertEquals(1, local.listStatus(target).length, "only the winner's file remains");
        assertTrue(local.exists(new org.apache.hadoop.fs.Path(target, "mine")));
    }

    @Test
    void badArgumentsFailBeforeAnyTraining() {
        Dataset<Row> tr = train.frame(spark);
        Dataset<Row> te = test.frame(spark);
        String dir = cache.toString();
        assertMessage("dataset key '../up'", () -> EvaluationClassifier.loadOrTrain(spark, "../up", tr, te, K, 28, 28, 1, 1, 1, dir, null));
        assertMessage("image shape 14x14x1", () -> EvaluationClassifier.loadOrTrain(spark, "small", tr, te, K, 14, 14, 1, 1, 1, dir, null));
        assertMessage("epochs 0", () -> EvaluationClassifier.loadOrTrain(spark, "zero", tr, te, K, 28, 28, 1, 1, 0, dir, null));
        assertMessage("test split has label 4", () -> EvaluationClassifier.loadOrTrain(spark, "four", tr, te, 4, 28, 28, 1, 1, 1, dir, null));
        assertMessage("has no 'label' column", () -> EvaluationClassifier.loadOrTrain(spark, "unlabelled", tr, te.select(VectorFrames.FEATURES), K, 28, 28, 1, 1, 1, dir, null));
        assertMessage("test rows have dimension 784; expected 1024", () -> EvaluationClassifier.loadOrTrain(spark, "wide", tr, te, K, 32, 32, 1, 1, 1, dir, null));
        Dataset<Row> badLabel = VectorFrames.toFrame(spark, new Samples(train.head(3), new int[] {0, 1, 9}));
        assertMessage("training labels range from 0.0 to 9.0; expected 0 to 7", () -> EvaluationClassifier.loadOrTrain(spark, "nine", badLabel, te, K, 28, 28, 1, 1, 1, dir, null));
    }

    @Test
    void channelLastRowsAreReorderedToDl4jsChannelFirstLayout() {
        // 2x2 pixels, 3 channels: value = 10·pixel + channel.
        float[] hwc = {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32};
        float[] chw = {0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32};
        assertArrayEquals(chw, EvaluationClassifier.toChw(hwc, 2, 2, 3));
        INDArray rows = Nd4j.create(new float[][] {hwc, hwc});
        assertArrayEquals(chw, EvaluationClassifier.toChw(rows, 2, 2, 3).getRow(1).toFloatVector());
    }

    @Test
    void theEvaluatorInterfaceReportsBothScores() {
        float[][] rows = heldOut.head(400);
        Map<String, Double> m = classifier.evaluate(Nd4j.create(rows));
        ImageScores s = classifier.score(rows);
        assertEquals(List.of(EvaluationClassifier.CLASSIFIER_SCORE, EvaluationClassifier.FID), List.copyOf(m.keySet()));
        assertEquals(s.classifierScore(), m.get(EvaluationClassifier.CLASSIFIER_SCORE), 1e-9);
        assertEquals(s.fid(), m.get(EvaluationClassifier.FID), 1e-9);
        assertMessage("image row 0 has dimension 3; expected 784", () -> classifier.score(new float[][] {{1, 2, 3}}));
    }

    private static org.apache.hadoop.fs.Path tempFolder(FileSystem fs, org.apache.hadoop.fs.Path root, String id, String file) throws IOException {
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root, ".classifier-x-seed1.tmp-" + id);
        fs.mkdirs(dir);
        fs.create(new org.apache.hadoop.fs.Path(dir, file), false).close();
        return dir;
    }

    private static Map<String, FileTime> listing(Path folder) throws IOException {
        Map<String, FileTime> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.getLastModifiedTime(p));
            }
        }
        m.put(".", Files.getLastModifiedTime(folder));
        return m;
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
