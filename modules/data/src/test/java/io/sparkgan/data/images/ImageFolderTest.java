package io.sparkgan.data.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.data.DataOptions;
import io.sparkgan.data.DataSources;
import io.sparkgan.data.ImageShape;
import io.sparkgan.data.LoadedData;
import io.sparkgan.data.TestSpark;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    /** A {@code h x w} RGB image whose pixel (x, y) is red = 10x + y, green = 100 + class, blue = 200. */
    static BufferedImage rgbImage(int h, int w, int cls) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (10 * x + y) << 16 | (100 + cls) << 8 | 200);
            }
        }
        return img;
    }

    /** A {@code h x w} 8-bit grayscale image whose pixel (x, y) is 40x + 7y + 3 * value. */
    static BufferedImage grayImage(int h, int w, int value) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, 40 * x + 7 * y + 3 * value);
            }
        }
        return img;
    }

    Path save(BufferedImage img, String rel, String format) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        assertTrue(ImageIO.write(img, format, p.toFile()));
        return p;
    }

    static double s(int v) {
        return v / 127.5 - 1;
    }

    static double[] features(Row r) {
        return ((Vector) r.getAs(0)).toArray();
    }

    @Test
    void classSubFoldersBecomeLabelsInNameOrderAsRgb() throws IOException {
        save(rgbImage(3, 2, 1), "pics/dogs/b.png", "png");
        save(rgbImage(3, 2, 1), "pics/dogs/a.PNG", "png");
        save(rgbImage(3, 2, 0), "pics/cats/z.png", "png");
        Files.writeString(dir.resolve("pics/cats/notes.txt"), "not an image");
        Files.createDirectories(dir.resolve("pics/.hidden"));
        LoadedData d = DataSources.load(spark, "images:" + dir.resolve("pics"), DataOptions.defaults().withChannels(3).withPartitions(2));
        assertEquals(List.of("cats", "dogs"), d.classNames());
        assertEquals(2, d.classes());
        assertEquals(new ImageShape(3, 2, 3), d.shape());
        assertEquals("images:" + dir.resolve("pics") + " (3 images 3x2x3, 2 classes: cats, dogs)", d.description());
        List<Row> rows = d.frame().collectAsList();
        assertEquals(List.of(0.0, 1.0, 1.0), rows.stream().map(r -> r.getDouble(1)).toList());
        // Row-major, channel-last: pixel (x=1, y=2) is at (2 * 2 + 1) * 3.
        double[] f = features(rows.get(1));
        assertEquals(18, f.length);
        assertArrayEquals(new double[] {s(12), s(101), s(200)}, Arrays.copyOfRange(f, 15, 18));
        assertArrayEquals(new double[] {s(0), s(101), s(200)}, Arrays.copyOfRange(f, 0, 3));
    }

    @Test
    void grayscaleKeepsGrayValuesAndConvertsColourByLuma() throws IOException {
        save(grayImage(2, 3, 0), "g/one.png", "png");
        save(rgbImage(2, 3, 0), "g/two.png", "png");
        LoadedData d = DataSources.load(spark, "images:" + dir.resolve("g"), DataOptions.defaults());
        assertEquals(0, d.classes());
        assertEquals(List.of(), d.classNames());
        assertEquals(List.of("features"), List.of(d.frame().schema().fieldNames()));
        List<Row> rows = d.frame().collectAsList();
        double[] gray = features(rows.get(0));
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                assertEquals(s(40 * x + 7 * y), gray[y * 3 + x], "gray pixel " + x + "," + y);
            }
        }
        double[] luma = features(rows.get(1));
        int r = 10 * 2 + 1;
        assertEquals(s((299 * r + 587 * 100 + 114 * 200 + 500) / 1000), luma[1 * 3 + 2]);
    }

    @Test
    void imagesOfDifferentSizesAreResizedWhenAskedAndRejectedOtherwise() throws IOException {
        BufferedImage flat = new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                flat.setRGB(x, y, 90 << 16 | 90 << 8 | 90);
            }
        }
        Path first = save(rgbImage(4, 4, 0), "mixed/a.png", "png");
        Path jpeg = save(flat, "mixed/b.jpeg", "jpeg");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSources.load(spark, "images:" + dir.resolve("mixed"), DataOptions.defaults()));
        assertEquals("image file:" + jpeg + " is 6x8 (height x width) but the first image, file:" + first
                + ", is 4x4; all images must have the same size unless an image size (HxW, e.g. 64x64) is given to resize them", e.getMessage());

        LoadedData d = DataSources.load(spark, "images:" + dir.resolve("mixed"), DataOptions.defaults().withImageSize("3x5"));
        assertEquals(new ImageShape(3, 5, 1), d.shape());
        double[] f = features(d.frame().collectAsList().get(1));
        assertEquals(15, f.length);
        for (double v : f) {
            assertEquals(s(90), v, 2 / 127.5, "a flat image stays flat (JPEG rounding aside)");
        }
    }

    @Test
    void unreadableImagesAndBadLayoutsAreNamed() throws IOException {
        save(grayImage(2, 2, 1), "bad/a.png", "png");
        Path broken = dir.resolve("bad/b.jpg");
        Files.writeString(broken, "this is not a JPEG");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSources.load(spark, "images:" + dir.resolve("bad"), DataOptions.defaults()));
        assertEquals("image file:" + broken + " cannot be read (not in an image format Java can decode); expected a PNG or JPEG image", e.getMessage());

        save(grayImage(2, 2, 1), "both/a.png", "png");
        save(grayImage(2, 2, 1), "both/cls/b.png", "png");
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "images:" + dir.resolve("both"), DataOptions.defaults()));
        assertEquals("image folder " + dir.resolve("both") + " holds both class sub-folders (cls, ...) and images directly inside (a.png, ...); "
                + "expected either one sub-folder per class or only images", e.getMessage());

        save(grayImage(2, 2, 1), "gap/one/a.png", "png");
        Files.createDirectories(dir.resolve("gap/two"));
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "images:" + dir.resolve("gap"), DataOptions.defaults()));
        assertEquals("class folder file:" + dir.resolve("gap/two") + " holds no PNG or JPEG images (.png, .jpg, .jpeg)", e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "images:" + dir.resolve("nothing"), DataOptions.defaults()));
        assertEquals("image folder " + dir.resolve("nothing") + " does not exist", e.getMessage());
    }
}
