package io.sparkgan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated dSprites: each factor does what it says to the image (position moves the sprite's
 * centroid by the expected number of pixels, scale grows its area by the square, orientation turns
 * its principal axis, the shapes differ), the factors are uniform and deterministic by seed, and the
 * Spark frame carries the same images and factors as the driver-side samples.
 */
class DSpritesTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    /** {area in pixels, centroid column, centroid row, orientation of the principal axis in radians}. */
    private static double[] moments(float[] img) {
        int s = DSprites.SIDE;
        double area = 0;
        double cx = 0;
        double cy = 0;
        for (int r = 0; r < s; r++) {
            for (int c = 0; c < s; c++) {
                double w = (img[r * s + c] + 1) / 2;
                area += w;
                cx += w * c;
                cy += w * r;
            }
        }
        cx /= area;
        cy /= area;
        double mxx = 0;
        double myy = 0;
        double mxy = 0;
        for (int r = 0; r < s; r++) {
            for (int c = 0; c < s; c++) {
                double w = (img[r * s + c] + 1) / 2;
                mxx += w * (c - cx) * (c - cx);
                myy += w * (r - cy) * (r - cy);
                mxy += w * (c - cx) * (cy - r); // y up
            }
        }
        return new double[] {area, cx, cy, 0.5 * Math.atan2(2 * mxy, mxx - myy)};
    }

    @Test
    void positionMovesScaleGrowsAndOrientationTurnsTheSprite() {
        double[] left = moments(DSprites.render(new int[] {0, 5, 0, 0, 16}));
        double[] right = moments(DSprites.render(new int[] {0, 5, 0, 31, 16}));
        // Centres span [0.24, 0.76] of 32 pixels: 16.6 pixels from the first position to the last.
        assertEquals(0.52 * 32, right[1] - left[1], 0.3, "x moves the centroid right");
        assertEquals(left[2], right[2], 1e-9, "and leaves its row");
        double[] low = moments(DSprites.render(new int[] {0, 5, 0, 16, 0}));
        double[] high = moments(DSprites.render(new int[] {0, 5, 0, 16, 31}));
        assertEquals(0.52 * 32, high[2] - low[2], 0.3, "y moves the centroid down the rows, as the original's position y does");

        double[] small = moments(DSprites.render(new int[] {0, 0, 0, 16, 16}));
        double[] large = moments(DSprites.render(new int[] {0, 5, 0, 16, 16}));
        assertEquals(4.0, large[0] / small[0], 0.15, "scale 1 against 0.5: four times the area");
        // A square of half-side 0.8 × 0.22 of the canvas at scale 1: (0.352 · 32)² pixels.
        assertEquals(Math.pow(0.352 * 32, 2), large[0], 3.0);

        // The ellipse's long axis is its frame's u axis: it turns with the orientation.
        for (int o : new int[] {0, 5, 10, 15}) {
            double expected = DSprites.orientation(o);
            double axis = moments(DSprites.render(new int[] {1, 5, o, 16, 16}))[3];
            double diff = Math.abs(Math.IEEEremainder(axis - expected, Math.PI));
            assertTrue(diff < 0.06, "orientation " + o + ": axis at " + axis + ", expected " + expected);
        }
        float[] square = DSprites.render(new int[] {0, 5, 0, 16, 16});
        float[] ellipse = DSprites.render(new int[] {1, 5, 0, 16, 16});
        float[] heart = DSprites.render(new int[] {2, 5, 0, 16, 16});
        for (float[][] pair : new float[][][] {{square, ellipse}, {square, heart}, {ellipse, heart}}) {
            double differing = 0;
            for (int i = 0; i < pair[0].length; i++) {
                differing += Math.abs(pair[0][i] - pair[1][i]) / 2;
            }
            assertTrue(differing > 15, "the shapes differ by " + differing + " pixels");
        }
        for (float v : heart) {
            assertTrue(v >= -1 && v <= 1);
        }
    }

    @Test
    void theFactorsAreUniformAndDeterministicAndTheFrameCarriesThem() {
        int n = 24_000;
        int[][] f = DSprites.factors(n, 5);
        for (int k = 0; k < DSprites.VALUES.length; k++) {
            int[] counts = new int[DSprites.VALUES[k]];
            for (int[] row : f) {
                counts[row[k]]++;
            }
            double expected = (double) n / counts.length;
            double chi2 = 0;
            for (int c : counts) {
                chi2 += (c - expected) * (c - expected) / expected;
            }
            // Far beyond the 99.9 % point of χ² with up to 39 degrees of freedom (72.1).
            assertTrue(chi2 < 80, DSprites.FACTORS.get(k) + ": χ² " + chi2);
        }
        assertArrayEquals(DSprites.factorsAt(17, 5), DSprites.factors(20, 5)[17]);
        Samples s = DSprites.sample(50, 5);
        List<Row> rows = DSprites.frame(spark, 50, 5).collectAsList();
        assertEquals(50, rows.size());
        for (int i = 0; i < 50; i++) {
            Row r = rows.get(i);
            double[] v = ((Vector) r.getAs("features")).toArray();
            for (int j = 0; j < v.length; j++) {
                assertEquals(s.features()[i][j], v[j], 0.0);
            }
            assertEquals(s.labels()[i], (int) r.getDouble(1), "the label is the shape");
            for (int k = 0; k < DSprites.FACTORS.size(); k++) {
                assertEquals(f[i][k], (int) r.getAs(DSprites.FACTORS.get(k)), DSprites.FACTORS.get(k) + " of sample " + i);
            }
        }
    }
}
