package io.sparkgan.spark.eval;

import io.sparkgan.data.Samples;
import io.sparkgan.data.VectorFrames;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A small, seeded stand-in for MNIST that needs no download: 28x28x1 images in [-1, 1] of eight
 * procedurally drawn classes (horizontal bar, vertical bar, the two diagonals, ring, plus, X, box)
 * with random position, size, tilt, stroke width and intensity, plus pixel noise.
 */
final class SyntheticShapes {
    static final int SIDE = 28;
    static final int CLASSES = 8;
    private static final double PIXEL_NOISE = 0.1;

    private SyntheticShapes() {}

    record Images(float[][] x, int[] y) {
        Dataset<Row> frame(SparkSession spark) {
            return VectorFrames.toFrame(spark, new Samples(x, y));
        }

        /** The images of class {@code k} only. */
        float[][] ofClass(int k) {
            return java.util.stream.IntStream.range(0, y.length).filter(i -> y[i] == k).mapToObj(i -> x[i]).toArray(float[][]::new);
        }

        float[][] head(int n) {
            return java.util.Arrays.copyOf(x, n);
        }
    }

    /** {@code n} images, classes cycling 0..7, drawn from {@code seed}. */
    static Images draw(int n, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % CLASSES;
            x[i] = image(y[i], r);
        }
        return new Images(x, y);
    }

    private static float[] image(int label, Random r) {
        double[] ink = new double[SIDE * SIDE];
        double cx = 13.5 + (r.nextDouble() - 0.5) * 6;
        double cy = 13.5 + (r.nextDouble() - 0.5) * 6;
        double width = 1.5 + r.nextDouble() * 1.5;
        double a = 0.6 + 0.4 * r.nextDouble();
        double tilt = (r.nextDouble() - 0.5) * 0.3;
        double len = 7 + r.nextDouble() * 4;
        switch (label) {
            case 0 -> bar(ink, cx, cy, tilt, len, width, a);
            case 1 -> bar(ink, cx, cy, Math.PI / 2 + tilt, len, width, a);
            case 2 -> bar(ink, cx, cy, Math.PI / 4 + tilt, len, width, a);
            case 3 -> bar(ink, cx, cy, -Math.PI / 4 + tilt, len, width, a);
            case 4 -> ring(ink, cx, cy, 5 + r.nextDouble() * 4, width, a);
            case 5 -> {
                bar(ink, cx, cy, tilt, len - 2, width, a);
                bar(ink, cx, cy, Math.PI / 2 + tilt, len - 2, width, a);
            }
            case 6 -> {
                bar(ink, cx, cy, Math.PI / 4 + tilt, len - 2, width, a);
                bar(ink, cx, cy, -Math.PI / 4 + tilt, len - 2, width, a);
            }
            default -> {
                double h = 5 + r.nextDouble() * 4;
                segment(ink, cx - h, cy - h, cx + h, cy - h, width, a);
                segment(ink, cx - h, cy + h, cx + h, cy + h, width, a);
                segment(ink, cx - h, cy - h, cx - h, cy + h, width, a);
                segment(ink, cx + h, cy - h, cx + h, cy + h, width, a);
            }
        }
        float[] px = new float[SIDE * SIDE];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) clamp(2 * ink[i] - 1 + PIXEL_NOISE * r.nextGaussian());
        }
        return px;
    }

    private static void bar(double[] ink, double cx, double cy, double angle, double halfLength, double width, double a) {
        double dx = Math.cos(angle) * halfLength;
        double dy = Math.sin(angle) * halfLength;
        segment(ink, cx - dx, cy - dy, cx + dx, cy + dy, width, a);
    }

    private static void segment(double[] ink, double x0, double y0, double x1, double y1, double width, double a) {
        double vx = x1 - x0;
        double vy = y1 - y0;
        double len2 = vx * vx + vy * vy;
        for (int row = 0; row < SIDE; row++) {
            for (int col = 0; col < SIDE; col++) {
                double t = Math.max(0, Math.min(1, ((col - x0) * vx + (row - y0) * vy) / len2));
                double d = Math.hypot(col - (x0 + t * vx), row - (y0 + t * vy));
                paint(ink, row, col, d, width, a);
            }
        }
    }

    private static void ring(double[] ink, double cx, double cy, double radius, double width, double a) {
        for (int row = 0; row < SIDE; row++) {
            for (int col = 0; col < SIDE; col++) {
                paint(ink, row, col, Math.abs(Math.hypot(col - cx, row - cy) - radius), width, a);
            }
        }
    }

    /** Anti-aliased stroke: full ink within width/2 of the shape, fading over one pixel. */
    private static void paint(double[] ink, int row, int col, double distance, double width, double a) {
        double cover = Math.max(0, Math.min(1, width / 2 + 0.5 - distance));
        ink[row * SIDE + col] = Math.max(ink[row * SIDE + col], cover * a);
    }

    /** Copies of the images under a box blur of the given radius (edges clamped). */
    static float[][] blur(float[][] images, int radius) {
        float[][] out = new float[images.length][SIDE * SIDE];
        for (int n = 0; n < images.length; n++) {
            for (int row = 0; row < SIDE; row++) {
                for (int col = 0; col < SIDE; col++) {
                    double sum = 0;
                    int count = 0;
                    for (int dr = -radius; dr <= radius; dr++) {
                        for (int dc = -radius; dc <= radius; dc++) {
                            int rr = Math.max(0, Math.min(SIDE - 1, row + dr));
                            int cc = Math.max(0, Math.min(SIDE - 1, col + dc));
                            sum += images[n][rr * SIDE + cc];
                            count++;
                        }
                    }
                    out[n][row * SIDE + col] = (float) (sum / count);
                }
            }
        }
        return out;
    }

    /** Adds Gaussian noise of standard deviation {@code sigma}, clamped to [-1, 1] like a tanh generator's output. */
    static float[][] noisy(float[][] images, double sigma, long seed) {
        Random r = new Random(seed);
        float[][] out = new float[images.length][];
        for (int n = 0; n < images.length; n++) {
            out[n] = new float[images[n].length];
            for (int i = 0; i < out[n].length; i++) {
                out[n][i] = (float) clamp(images[n][i] + sigma * r.nextGaussian());
            }
        }
        return out;
    }

    private static double clamp(double v) {
        return Math.max(-1, Math.min(1, v));
    }
}
