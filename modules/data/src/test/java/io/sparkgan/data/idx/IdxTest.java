package io.sparkgan.data.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.data.DataOptions;
import io.sparkgan.data.DataSources;
import io.sparkgan.data.ImageShape;
import io.sparkgan.data.LoadedData;
import io.sparkgan.data.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    static SparkSession spark;
    static final int N = 7;
    static final int ROWS = 3;
    static final int COLS = 2;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    /** Image i holds bytes (37 * i + 11 * k) mod 256 at index k, so every value 0..255 can occur; label i % 4. */
    static List<byte[]> images() {
        List<byte[]> l = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            byte[] b = new byte[ROWS * COLS];
            for (int k = 0; k < b.length; k++) {
                b[k] = (byte) ((37 * i + 11 * k + (i == 3 ? 255 - 11 * k - 37 * i : 0)) & 0xff);
            }
            l.add(b);
        }
        return l;
    }

    static byte[] labels() {
        byte[] y = new byte[N];
        for (int i = 0; i < N; i++) {
            y[i] = (byte) (i % 4);
        }
        return y;
    }

    static byte[] imageBytes() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Idx.writeImages(b, ROWS, COLS, images());
        return b.toByteArray();
    }

    static byte[] labelBytes() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Idx.writeLabels(b, labels());
        return b.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(b)) {
            o.write(raw);
        }
        return b.toByteArray();
    }

    Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    static void assertFrameHoldsTheImages(LoadedData d) {
        assertEquals(ROWS * COLS, d.dimension());
        assertEquals(new ImageShape(ROWS, COLS, 1), d.shape());
        assertEquals(4, d.classes());
        List<Row> rows = d.frame().collectAsList();
        assertEquals(N, rows.size());
        for (int i = 0; i < N; i++) {
            Vector v = rows.get(i).getAs(0);
            double[] expected = new double[ROWS * COLS];
            for (int k = 0; k < expected.length; k++) {
                expected[k] = (images().get(i)[k] & 0xff) / 127.5 - 1;
            }
            assertArrayEquals(expected, v.toArray(), 0.0, "image " + i);
            assertEquals(i % 4, rows.get(i).getDouble(1));
        }
    }

    @Test
    void rawFilesBecomeScaledPixelsWithLabelsInFileOrderAcrossPartitions() throws IOException {
        Path img = write("imgs", imageBytes());
        Path lab = write("labs", labelBytes());
        LoadedData d = DataSources.load(spark, "idx:" + img + "," + lab, DataOptions.defaults().withPartitions(3));
        assertEquals(3, d.frame().rdd().getNumPartitions());
        assertFrameHoldsTheImages(d);
        List<Row> rows = d.frame().collectAsList();
        Vector v3 = rows.get(3).getAs(0);
        assertEquals(1.0, v3.apply(0));  // 255 → 1
        Vector v0 = rows.get(0).getAs(0);
        assertEquals(-1.0, v0.apply(0));  // 0 → -1
    }

    @Test
    void gzipIsRecognisedByItsMagicBytesNotItsName() throws IOException {
        Path img = write("images.bin", gzip(imageBytes()));
        Path lab = write("labels.gz", gzip(labelBytes()));
        Idx.Header h = Idx.readHeader(img.toString(), Idx.IMAGES_MAGIC, new Configuration());
        assertTrue(h.gzip());
        assertEquals(N, h.count());
        LoadedData d = DataSources.load(spark, "idx:" + img.toUri() + "," + lab.toUri(), DataOptions.defaults().withPartitions(4));
        assertFrameHoldsTheImages(d);
    }

    @Test
    void imagesWithoutLabelsAreUnlabelled() throws IOException {
        Path img = write("imgs", imageBytes());
        LoadedData d = DataSources.load(spark, "idx:" + img, DataOptions.defaults().withPartitions(2));
        assertEquals(0, d.classes());
        assertEquals(List.of("features"), List.of(d.frame().schema().fieldNames()));
        assertEquals(N, d.frame().count());
    }

    @Test
    void channelsAndImageSizeApplyToIdxImages() throws IOException {
        List<byte[]> flat = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] b = new byte[4 * 4];
            Arrays.fill(b, (byte) (100 + i));
            flat.add(b);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Idx.writeImages(b, 4, 4, flat);
        Path img = write("flat", b.toByteArray());
        LoadedData rgb = DataSources.load(spark, "idx:" + img, DataOptions.defaults().withChannels(3).withImageSize("2x3"));
        assertEquals(new ImageShape(2, 3, 3), rgb.shape());
        List<Row> rows = rgb.frame().collectAsList();
        for (int i = 0; i < 3; i++) {
            double[] expected = new double[2 * 3 * 3];
            Arrays.fill(expected, (100 + i) / 127.5 - 1);
            assertArrayEquals(expected, ((Vector) rows.get(i).getAs(0)).toArray(), 1e-12);
        }
    }

    @Test
    void aWrongMagicNumberIsNamedWithTheExpectedOne() throws IOException {
        Path lab = write("labs", labelBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.readHeader(lab.toString(), Idx.IMAGES_MAGIC, new Configuration()));
        assertEquals("IDX file " + lab + " has magic number 0x00000801 (unsigned-byte labels: count); expected 0x00000803 "
                + "(unsigned-byte images: count x rows x columns)", e.getMessage());
        Path png = write("x.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "idx:" + png, DataOptions.defaults()));
        assertEquals("IDX file " + png + " has magic number 0x89504e47; expected 0x00000803 (unsigned-byte images: count x rows x columns)", e.getMessage());
    }

    @Test
    void otherElementTypesAreRejected() throws IOException {
        Path floats = write("floats", ByteBuffer.allocate(16).putInt(0x00000d03).putInt(0).putInt(28).putInt(28).array());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.readHeader(floats.toString(), Idx.IMAGES_MAGIC, new Configuration()));
        assertEquals("IDX file " + floats + " has element type 0x0d (float); only unsigned bytes (0x08) are supported", e.getMessage());
    }

    @Test
    void truncatedFilesSayHowManyBytesWereExpectedAndFound() throws IOException {
        byte[] full = imageBytes();
        Path raw = write("short", Arrays.copyOf(full, full.length - 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.readHeader(raw.toString(), Idx.IMAGES_MAGIC, new Configuration()));
        assertEquals("IDX file " + raw + " is truncated: its header promises 7 x 3 x 2 = 42 bytes of data but only 37 are present", e.getMessage());

        Path gz = write("short.gz", gzip(Arrays.copyOf(full, full.length - 5)));
        e = assertThrows(IllegalArgumentException.class, () -> Idx.readHeader(gz.toString(), Idx.IMAGES_MAGIC, new Configuration()));
        assertEquals("IDX file " + gz + " is truncated: its header promises 7 x 3 x 2 = 42 bytes of data but only 37 are present", e.getMessage());

        byte[] zipped = gzip(full);
        Path cut = write("cut.gz", Arrays.copyOf(zipped, zipped.length - 12));
        e = assertThrows(IllegalArgumentException.class, () -> Idx.readHeader(cut.toString(), Idx.IMAGES_MAGIC, new Configuration()));
        assertTrue(e.getMessage().startsWith("IDX file " + cut + " is truncated: its header promises 7 x 3 x 2 = 42 bytes of data but its gzip stream breaks off"),
                e.getMessage());

        Path header = write("header", Arrays.copyOf(full, 10));
        e = assertThrows(IllegalArgumentException.class, () -> Idx.readHeader(header.toString(), Idx.IMAGES_MAGIC, new Configuration()));
        assertEquals("IDX file " + header + " is truncated: its header needs 16 bytes but the file ends inside it", e.getMessage());

        Path longer = write("long", Arrays.copyOf(full, full.length + 3));
        e = assertThrows(IllegalArgumentException.class, () -> Idx.readHeader(longer.toString(), Idx.IMAGES_MAGIC, new Configuration()));
        assertEquals("IDX file " + longer + " has 3 bytes after the 42 bytes of data its header promises (7 x 3 x 2); expected the file to end there",
                e.getMessage());
    }

    @Test
    void imageAndLabelCountsMustMatch() throws IOException {
        Path img = write("imgs", imageBytes());
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Idx.writeLabels(b, new byte[] {1, 2, 3});
        Path lab = write("labs", b.toByteArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSources.load(spark, "idx:" + img + "," + lab, DataOptions.defaults()));
        assertEquals("images file " + img + " holds 7 images but labels file " + lab + " holds 3 labels; expected the same count", e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        Path none = dir.resolve("none");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "idx:" + none, DataOptions.defaults()));
        assertEquals("IDX file " + none + " does not exist", e.getMessage());
    }

    @Test
    void recordsAreReadFromAnyOffset() throws IOException {
        for (byte[] content : List.of(imageBytes(), gzip(imageBytes()))) {
            Path img = write("imgs", content);
            Idx.Header h = Idx.readHeader(img.toString(), Idx.IMAGES_MAGIC, new Configuration());
            try (var in = Idx.openRecords(h, 5, new Configuration())) {
                assertArrayEquals(images().get(5), in.readNBytes(ROWS * COLS));
                assertArrayEquals(images().get(6), in.readNBytes(ROWS * COLS));
                assertEquals(-1, in.read());
            }
        }
    }
}
