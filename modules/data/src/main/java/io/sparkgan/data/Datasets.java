package io.sparkgan.data;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The embedded datasets the command line knows by name: generated in code from the run's seed, so
 * they need no data folder. Two kinds: the 2-D Gaussian mixtures (scored by mode coverage) and the
 * dSprites images with known generative factors ({@link DSprites}).
 */
public final class Datasets {
    /** The 2-D mixtures. */
    public static final List<String> MIXTURES = List.of("grid25", "ring8");
    /** Every embedded dataset. */
    public static final List<String> NAMES = List.of("grid25", "ring8", DSprites.NAME);

    private Datasets() {}

    /** A built-in synthetic mixture by name. */
    public static GaussianMixture mixture(String name) {
        return switch (name) {
            case "grid25" -> GaussianMixture.grid25();
            case "ring8" -> GaussianMixture.ring8();
            default -> throw new IllegalArgumentException("dataset '" + name + "' is not a mixture; expected one of " + MIXTURES);
        };
    }

    /** Whether {@code name} is one of the 2-D mixtures. */
    public static boolean isMixture(String name) {
        return MIXTURES.contains(name);
    }

    /** The first {@code n} samples of embedded dataset {@code name} drawn with {@code seed}, as a frame. */
    public static Dataset<Row> frame(SparkSession spark, String name, long n, long seed) {
        return isMixture(name) ? mixture(name).frame(spark, n, seed) : DSprites.frame(spark, n, seed);
    }

    /** The first {@code n} samples of embedded dataset {@code name} drawn with {@code seed}, on the driver. */
    public static Samples sample(String name, int n, long seed) {
        return isMixture(name) ? mixture(name).sample(n, seed) : DSprites.sample(n, seed);
    }

    /** The classes of embedded dataset {@code name}: a mixture's modes, dSprites' shapes. */
    public static int classes(String name) {
        return isMixture(name) ? mixture(name).modes() : DSprites.SHAPES.size();
    }

    /** The width of a sample of embedded dataset {@code name}. */
    public static int dimension(String name) {
        return isMixture(name) ? 2 : DSprites.IMAGE.size();
    }

    /** The image shape of embedded dataset {@code name}, or null for the 2-D mixtures. */
    public static ImageShape imageShape(String name) {
        return isMixture(name) ? null : DSprites.IMAGE;
    }

    public static void validateName(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("dataset '" + name + "' is unknown; expected one of " + NAMES);
        }
    }
}
