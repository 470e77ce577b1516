package io.sparkgan.data.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.data.idx.Idx;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistConverterTest {
    @TempDir
    Path dir;

    /** Pixel k of row r of class c: a value that identifies (c, r) in the first two pixels. */
    static int pixel(int c, int r, int k) {
        return k == 0 ? c : k == 1 ? r : (c * 31 + r * 7 + k) % 256;
    }

    /** A package with {@code rows} images per class; class 0 also gets empty rows at 1 and at the end, as the real one has. */
    Path writePackage(int rows) throws IOException {
        Path clothes = Files.createDirectories(dir.resolve("package/src/clothes"));
        for (int c = 0; c < 10; c++) {
            StringBuilder s = new StringBuilder("{\"data\":[");
            int written = 0;
            for (int r = 0; r < rows; r++) {
                if (c == 0 && r == 1) {
                    s.append("[],");
                }
                s.append('[');
                for (int k = 0; k < 784; k++) {
                    s.append(k == 0 ? "" : ",").append(pixel(c, r, k));
                }
                s.append(']').append(++written < rows ? "," : "");
            }
            s.append(c == 0 ? ",[]" : "").append("]}");
            Files.writeString(clothes.resolve(c + ".json"), s.toString());
        }
        return dir.resolve("package");
    }

    static List<byte[]> readImages(Path f) throws IOException {
        Idx.Header h = Idx.readHeader(f.toString(), Idx.IMAGES_MAGIC, new Configuration());
        assertEquals(28, h.rows());
        assertEquals(28, h.columns());
        List<byte[]> l = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(Idx.openRecords(h, 0, new Configuration()))) {
            for (long i = 0; i < h.count(); i++) {
                byte[] b = new byte[784];
                in.readFully(b);
                l.add(b);
            }
        }
        return l;
    }

    static byte[] readLabels(Path f) throws IOException {
        Idx.Header h = Idx.readHeader(f.toString(), Idx.LABELS_MAGIC, new Configuration());
        try (InputStream in = Idx.openRecords(h, 0, new Configuration())) {
            return in.readNBytes((int) h.count());
        }
    }

    @Test
    void theLastRowsOfEachClassAreTheTestSplitAndBothSplitsAreShuffledTheSameWayEverywhere() throws IOException {
        Path pkg = writePackage(5);
        Path out = Files.createDirectories(dir.resolve("out"));
        FashionMnistConverter.Summary s = FashionMnistConverter.convert(pkg, out, 2);
        assertEquals(new FashionMnistConverter.Summary(30, 20, 2), s);

        List<byte[]> train = readImages(out.resolve("train-images-idx3-ubyte"));
        byte[] trainLabels = readLabels(out.resolve("train-labels-idx1-ubyte"));
        List<byte[]> test = readImages(out.resolve("t10k-images-idx3-ubyte"));
        byte[] testLabels = readLabels(out.resolve("t10k-labels-idx1-ubyte"));
        assertEquals(30, train.size());
        assertEquals(20, test.size());

        // Before shuffling, split k lists class 0's rows, then class 1's, ...: train rows 0..2, test rows 3..4.
        int[] trainOrder = FashionMnistConverter.permutation(30);
        for (int i = 0; i < 30; i++) {
            int c = trainOrder[i] / 3;
            int r = trainOrder[i] % 3;
            assertEquals(c, trainLabels[i]);
            for (int k = 0; k < 784; k++) {
                assertEquals(pixel(c, r, k), train.get(i)[k] & 0xff);
            }
        }
        int[] testOrder = FashionMnistConverter.permutation(20);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            int c = testOrder[i] / 2;
            int r = 3 + testOrder[i] % 2;
            assertEquals(c, testLabels[i]);
            assertEquals(c, test.get(i)[0]);
            assertEquals(r, test.get(i)[1]);
            seen.add(c + "/" + r);
        }
        assertEquals(20, seen.size());
        // The classes are interleaved, not in blocks.
        assertNotEquals(0, trainLabels[1] + trainLabels[2] + trainLabels[3]);
    }

    @Test
    void thePermutationIsFisherYatesDrivenByRandomZero() {
        int[] order = {0, 1, 2, 3, 4, 5, 6, 7};
        Random r = new Random(0);
        for (int i = 7; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        assertArrayEquals(order, FashionMnistConverter.permutation(8));
        // Pinned so a change of algorithm cannot go unnoticed.
        assertArrayEquals(new int[] {0, 7, 3, 4, 6, 1, 2, 5}, FashionMnistConverter.permutation(8));
    }

    @Test
    void badRowsAreNamedByFileAndRow() throws IOException {
        Path pkg = writePackage(3);
        Path f = pkg.resolve("src/clothes/4.json");
        String json = Files.readString(f);
        Files.writeString(f, json.replaceFirst("\\[4,0,", "[4,"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnistConverter.convert(pkg, dir, 1));
        assertEquals("fashion-mnist file " + f + " row 0 has 783 values; expected 784 (28x28)", e.getMessage());

        Files.writeString(f, json.replaceFirst("\\[4,1,", "[4,256,"));
        e = assertThrows(IllegalArgumentException.class, () -> FashionMnistConverter.convert(pkg, dir, 1));
        assertEquals("fashion-mnist file " + f + " row 1 value 1 is 256; expected an integer 0..255", e.getMessage());

        Files.writeString(f, json.replaceFirst("\\[4,2,", "[4,2.5,"));
        e = assertThrows(IllegalArgumentException.class, () -> FashionMnistConverter.convert(pkg, dir, 1));
        assertEquals("fashion-mnist file " + f + " row 2 value 1 is 2.5; expected an integer 0..255", e.getMessage());

        Files.writeString(f, json.substring(0, 100));
        e = assertThrows(IllegalArgumentException.class, () -> FashionMnistConverter.convert(pkg, dir, 1));
        assertTrue(e.getMessage().startsWith("fashion-mnist file " + f + " is not valid JSON (Unexpected end-of-input"), e.getMessage());
        assertTrue(e.getMessage().endsWith("at line 1, column 101); expected {\"data\": [[784 integers 0..255], ...]}"), e.getMessage());

        Files.delete(f);
        e = assertThrows(IllegalArgumentException.class, () -> FashionMnistConverter.convert(pkg, dir, 1));
        assertEquals("fashion-mnist package " + pkg + " lacks src/clothes/4.json; expected one JSON file per class 0..9", e.getMessage());
    }

    @Test
    void aClassTooSmallForTheTestSplitIsAnError() throws IOException {
        Path pkg = writePackage(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnistConverter.convert(pkg, dir, 3));
        assertEquals("fashion-mnist file " + pkg.resolve("src/clothes/0.json") + " holds 3 images; expected more than 3 (the last 3 form the test split)",
                e.getMessage());
    }
}
