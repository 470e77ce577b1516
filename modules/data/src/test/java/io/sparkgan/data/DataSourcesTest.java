package io.sparkgan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkgan.data.idx.Idx;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.SparkException;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourcesTest {
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    /** A tiny dataset in the fetched layout: {@code n} 2x2 images per split, pixel value = 10 * i + split offset, label i % 10. */
    Path writeNamed(String name, int trainN, int testN, boolean gzipTest) throws IOException {
        Path d = Files.createDirectories(dir.resolve("data").resolve(name));
        for (String split : List.of("train", "t10k")) {
            int n = split.equals("train") ? trainN : testN;
            boolean gz = gzipTest && split.equals("t10k");
            List<byte[]> imgs = new ArrayList<>();
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                byte v = (byte) (10 * i + (split.equals("train") ? 0 : 5));
                imgs.add(new byte[] {v, v, v, v});
                labels[i] = (byte) (i % 10);
            }
            String suffix = gz ? ".gz" : "";
            try (OutputStream o = wrap(Files.newOutputStream(d.resolve(split + "-images-idx3-ubyte" + suffix)), gz)) {
                Idx.writeImages(o, 2, 2, imgs);
            }
            try (OutputStream o = wrap(Files.newOutputStream(d.resolve(split + "-labels-idx1-ubyte" + suffix)), gz)) {
                Idx.writeLabels(o, labels);
            }
        }
        return d;
    }

    static OutputStream wrap(OutputStream o, boolean gz) throws IOException {
        return gz ? new GZIPOutputStream(o) : o;
    }

    @Test
    void namedDatasetsLoadBothSplitsFromTheDataFolder() throws IOException {
        writeNamed("fashion-mnist", 12, 4, true);
        DataOptions o = DataOptions.defaults().withDataDir(dir.resolve("data").toString()).withPartitions(3);
        LoadedData train = DataSources.load(spark, "fashion-mnist", o);
        assertEquals(4, train.dimension());
        assertEquals(10, train.classes());
        assertEquals(new ImageShape(2, 2, 1), train.shape());
        assertEquals("Ankle boot", train.classNames().get(9));
        assertEquals("fashion-mnist train split from " + dir.resolve("data/fashion-mnist") + " (12 images 2x2x1, 10 classes)", train.description());
        List<Row> rows = train.frame().collectAsList();
        assertEquals(12, rows.size());
        assertEquals(3, train.frame().rdd().getNumPartitions());
        assertArrayEquals(new double[] {110 / 127.5 - 1, 110 / 127.5 - 1, 110 / 127.5 - 1, 110 / 127.5 - 1}, ((Vector) rows.get(11).getAs(0)).toArray());
        assertEquals(1.0, rows.get(11).getDouble(1));

        LoadedData test = DataSources.load(spark, "fashion-mnist", o.withSplit("test"));
        rows = test.frame().collectAsList();
        assertEquals(4, rows.size());
        assertEquals(35 / 127.5 - 1, ((Vector) rows.get(3).getAs(0)).apply(0));
        assertEquals(3.0, rows.get(3).getDouble(1));
    }

    @Test
    void aMissingDatasetSaysHowToFetchIt() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        DataOptions o = DataOptions.defaults().withDataDir(dir.resolve("data").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "mnist", o));
        assertEquals("dataset 'mnist' not found under " + dir.resolve("data/mnist") + "; run `bin/sparkgan data fetch mnist` first", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "mnist", DataOptions.defaults().withDataDir("no/such/folder")));
        assertEquals("dataset 'mnist' not found under no/such/folder/mnist; run `bin/sparkgan data fetch mnist` first", e.getMessage());

        Path d = writeNamed("mnist", 3, 2, false);
        Files.delete(d.resolve("t10k-labels-idx1-ubyte"));
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "mnist", o.withSplit("test")));
        assertEquals("dataset 'mnist' in " + d + " lacks t10k-labels-idx1-ubyte; run `bin/sparkgan data fetch mnist` to rebuild it", e.getMessage());
    }

    @Test
    void badSpecsAndOptionsAreNamed() {
        DataOptions o = DataOptions.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "cifar10", o));
        assertEquals("data spec 'cifar10' is not understood; expected mnist, fashion-mnist, idx:<images>[,<labels>], parquet:<path>, csv:<path> "
                + "or images:<folder>", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.validateSpec("csv:"));
        assertEquals("data spec 'csv:' names no path; expected csv:<path>", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "csv:x.csv", o.withSplit("test")));
        assertEquals("data spec 'csv:x.csv' has no test split (only fashion-mnist and mnist do); name the test files in the spec itself "
                + "and load them as the train split", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.validateSpec("idx:a,b,c"));
        assertEquals("data spec 'idx:a,b,c' is malformed; expected idx:<images file>[,<labels file>]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.validateSpec("hdfs://nn/x.csv"));
        assertEquals("data spec 'hdfs://nn/x.csv' is not understood; expected mnist, fashion-mnist, idx:<images>[,<labels>], parquet:<path>, "
                + "csv:<path> or images:<folder>", e.getMessage());
        for (String good : List.of("mnist", "fashion-mnist", "idx:a", "idx:hdfs://nn/a,hdfs://nn/b", "parquet:p", "csv:c.csv", "images:dir")) {
            DataSources.validateSpec(good);
        }

        e = assertThrows(IllegalArgumentException.class, () -> o.withSplit("validation"));
        assertEquals("split 'validation' is unknown; expected train or test", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> o.withImageSize("28"));
        assertEquals("image size '28' is invalid; expected HxW (height x width) such as 28x28, each side 1..4096", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> o.withChannels(4));
        assertEquals("channels is 4; expected 1 (grayscale) or 3 (RGB)", e.getMessage());
        assertEquals(new ImageShape(32, 24, 3), o.withImageSize("32x24").withChannels(3).resizeTo());
    }

    @Test
    void checkFitsNamesBothDimensions() throws IOException {
        writeNamed("mnist", 3, 2, false);
        LoadedData d = DataSources.load(spark, "mnist", DataOptions.defaults().withDataDir(dir.resolve("data").toString()));
        d.checkFits(4, "the generator");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.checkFits(2, "the generator mlp:512,512"));
        assertEquals("data dimension 4 (2x2x1 images) of mnist train split from " + dir.resolve("data/mnist")
                + " (3 images 2x2x1, 10 classes) does not fit the generator mlp:512,512 (expects 2)", e.getMessage());
    }

    @Test
    void userErrorUnwrapsTheTasksMessage() {
        IllegalArgumentException inner = new IllegalArgumentException("image x.png cannot be read (boom); expected a PNG or JPEG image");
        RuntimeException e = DataSources.userError(new SparkException("Job aborted due to stage failure: ...", inner));
        assertEquals(IllegalArgumentException.class, e.getClass());
        assertEquals(inner.getMessage(), e.getMessage());
        IllegalStateException other = new IllegalStateException("x");
        assertSame(other, DataSources.userError(other));
    }
}
