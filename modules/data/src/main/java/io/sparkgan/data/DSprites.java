package io.sparkgan.data;

import io.sparkgan.core.GanRandom;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A dSprites-style dataset generated in code (Matthey, Higgins, Hassabis and Lerchner, "dSprites:
 * Disentanglement testing Sprites dataset", 2017; used by Lin et al., InfoGAN-CR and
 * ModelCentrality, seed 003): one white sprite on a black canvas, every image a function of five
 * independent ground-truth factors, each uniform over the same grid as the original:
 *
 * <ul>
 *   <li>shape: square, ellipse, heart (3);
 *   <li>scale: 6 values from 0.5 to 1;
 *   <li>orientation: 40 values over [0, 2π);
 *   <li>position x and position y: 32 values each, from 0 to 1 (left to right, top to bottom).
 * </ul>
 *
 * <p>The canvas is {@value #SIDE}×{@value #SIDE} rather than the original 64×64, so that GANs on it
 * train on two CPU cores: a 1,024-pixel image is a quarter of the work per sample. Each pixel is
 * the fraction of 3×3 sub-pixel points inside the sprite (the original is binary at twice the
 * resolution; at 32 pixels a binary sprite would alias rotations of small shapes into the same
 * image), mapped to [−1, 1] as the project's image data is.
 *
 * <p>Sample i of a dataset drawn with seed s has its own random stream, so a dataset is the same on
 * the driver and on the executors and is generated in parallel. The factors are kept: as columns of
 * the frame ({@link #FACTORS}) and in {@link #factorsAt}. The label is the shape.
 */
public final class DSprites {
    public static final String NAME = "dsprites";
    public static final int SIDE = 32;
    /** The factors in order, with the number of values each takes. */
    public static final List<String> FACTORS = List.of("shape", "scale", "orientation", "position_x", "position_y");
    public static final int[] VALUES = {3, 6, 40, 32, 32};
    public static final List<String> SHAPES = List.of("square", "ellipse", "heart");
    public static final ImageShape IMAGE = new ImageShape(SIDE, SIDE, 1);

    /** Half the side of a scale-1 sprite's frame, in canvas units (the canvas is [0, 1]²). */
    private static final double EXTENT = 0.22;
    /** Sprite centres span [MARGIN, 1 − MARGIN], so scaled and rotated sprites stay (almost) inside. */
    private static final double MARGIN = 0.24;
    private static final int SUPERSAMPLE = 3;

    private DSprites() {}

    /** The factor values (indices into each factor's grid) of sample {@code i} drawn with {@code seed}. */
    public static int[] factorsAt(long i, long seed) {
        GanRandom rng = GanRandom.stream(seed, "data:" + NAME, i);
        int[] f = new int[VALUES.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = rng.nextInt(VALUES[k]);
        }
        return f;
    }

    /** The scale of index {@code s}: 0.5 to 1 in 6 steps. */
    public static double scale(int s) {
        return 0.5 + 0.1 * s;
    }

    /** The orientation of index {@code o}, in radians. */
    public static double orientation(int o) {
        return 2 * Math.PI * o / VALUES[2];
    }

    /** The position of index {@code p} in [0, 1]. */
    public static double position(int p) {
        return p / (double) (VALUES[3] - 1);
    }

    /** The image of factor values {@code f} (shape, scale, orientation, x, y), row-major, in [−1, 1]. */
    public static float[] render(int[] f) {
        int shape = f[0];
        double size = EXTENT * scale(f[1]);
        double theta = orientation(f[2]);
        double cx = MARGIN + (1 - 2 * MARGIN) * position(f[3]);
        double cy = MARGIN + (1 - 2 * MARGIN) * position(f[4]);
        double cos = Math.cos(theta);
        double sin = Math.sin(theta);
        float[] img = new float[SIDE * SIDE];
        int points = SUPERSAMPLE * SUPERSAMPLE;
        for (int row = 0; row < SIDE; row++) {
            for (int col = 0; col < SIDE; col++) {
                int inside = 0;
                for (int sy = 0; sy < SUPERSAMPLE; sy++) {
                    for (int sx = 0; sx < SUPERSAMPLE; sx++) {
                        double x = (col + (sx + 0.5) / SUPERSAMPLE) / SIDE - cx;
                        // Position y runs down the rows, as image rows do; the sprite's own v axis points up.
                        double y = cy - (row + (sy + 0.5) / SUPERSAMPLE) / SIDE;
                        // Into the sprite's frame: rotate by −θ, divide by its size.
                        double u = (cos * x + sin * y) / size;
                        double v = (-sin * x + cos * y) / size;
                        if (inside(shape, u, v)) {
                            inside++;
                        }
                    }
                }
                img[row * SIDE + col] = (float) (2.0 * inside / points - 1);
            }
        }
        return img;
    }

    /** Whether (u, v) in the sprite's own frame lies inside shape {@code shape}, each about as large as the others. */
    static boolean inside(int shape, double u, double v) {
        return switch (shape) {
            case 0 -> Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
            case 1 -> u * u + (v / 0.55) * (v / 0.55) <= 1;
            case 2 -> {
                // The heart curve (x² + y² − 1)³ ≤ x² y³, centred on the frame's origin.
                double x = u * 1.15;
                double y = v * 1.15 + 0.15;
                double r = x * x + y * y - 1;
                yield r * r * r <= x * x * y * y * y;
            }
            default -> throw new IllegalArgumentException("shape " + shape + " is not one of " + SHAPES);
        };
    }

    /** {@code n} samples drawn with {@code seed}, on the driver; the label is the shape. */
    public static Samples sample(int n, long seed) {
        float[][] x = new float[n][];
        int[] label = new int[n];
        for (int i = 0; i < n; i++) {
            int[] f = factorsAt(i, seed);
            x[i] = render(f);
            label[i] = f[0];
        }
        return new Samples(x, label);
    }

    /** The factor values of the first {@code n} samples drawn with {@code seed}, one row per sample. */
    public static int[][] factors(int n, long seed) {
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            out[i] = factorsAt(i, seed);
        }
        return out;
    }

    /** The frame's schema: {@code features}, {@code label} (the shape), then one integer column per factor. */
    public static StructType schema() {
        List<StructField> f = new ArrayList<>();
        f.add(new StructField(VectorFrames.FEATURES, SQLDataTypes.VectorType(), false, Metadata.empty()));
        f.add(new StructField(VectorFrames.LABEL, DataTypes.DoubleType, false, Metadata.empty()));
        for (String name : FACTORS) {
            f.add(new StructField(name, DataTypes.IntegerType, false, Metadata.empty()));
        }
        return new StructType(f.toArray(new StructField[0]));
    }

    /** The same {@code n} samples as a DataFrame with their factors as columns, generated on the executors. */
    public static Dataset<Row> frame(SparkSession spark, long n, long seed) {
        int partitions = (int) Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), n / 1000));
        org.apache.spark.api.java.JavaRDD<Row> rows = spark.range(0, n, 1, partitions).javaRDD().map(id -> {
            int[] f = factorsAt(id, seed);
            float[] img = render(f);
            double[] v = new double[img.length];
            for (int j = 0; j < v.length; j++) {
                v[j] = img[j];
            }
            Object[] cells = new Object[2 + f.length];
            cells[0] = Vectors.dense(v);
            cells[1] = (double) f[0];
            for (int k = 0; k < f.length; k++) {
                cells[2 + k] = f[k];
            }
            return RowFactory.create(cells);
        });
        return spark.createDataFrame(rows, schema());
    }
}
