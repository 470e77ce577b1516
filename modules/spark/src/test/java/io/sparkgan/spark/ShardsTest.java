package io.sparkgan.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.data.Samples;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** Shard modes: sizes, disjointness, full coverage, class histograms, determinism, errors. */
class ShardsTest extends SparkTestBase {
    /** 10 classes with 30 + 3k rows each; feature 0 is the row id so rows can be traced. */
    private static int[] labels() {
        List<Integer> y = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            for (int i = 0; i < 30 + 3 * k; i++) {
                y.add(k);
            }
        }
        return y.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Dataset<Row> frame(int[] y) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            rows.add(RowFactory.create(Vectors.dense(i, -i), (double) y[i]));
        }
        return spark.createDataFrame(rows, io.sparkgan.data.VectorFrames.schema(true)).repartition(3);
    }

    /** Checks the materialised shards against the plan's sizes and histogram; returns classes per worker. */
    private static List<Set<Integer>> check(Shards s, int[] y) {
        JavaRDD<float[]> rdd = s.rdd();
        assertEquals(s.workers(), rdd.getNumPartitions());
        List<List<float[]>> parts = rdd.glom().collect();
        Set<Integer> seen = new HashSet<>();
        List<Set<Integer>> classes = new ArrayList<>();
        long[][] h = s.histogram();
        for (int w = 0; w < parts.size(); w++) {
            Samples d = Shards.materialise(parts.get(w).iterator(), true);
            assertEquals(s.size(w), d.features().length, "size of shard " + w);
            long[] counted = new long[10];
            Set<Integer> cs = new HashSet<>();
            for (int i = 0; i < d.features().length; i++) {
                int id = (int) d.features()[i][0];
                assertTrue(seen.add(id), "row " + id + " is in two shards");
                assertEquals(y[id], d.labels()[i], "row " + id + " keeps its label");
                assertEquals(-id, d.features()[i][1], 0.0, "row " + id + " keeps its features");
                counted[d.labels()[i]]++;
                cs.add(d.labels()[i]);
            }
            assertArrayEquals(h[w], counted, "histogram of worker " + w);
            classes.add(cs);
        }
        assertEquals(y.length, seen.size(), "every row is in some shard");
        return classes;
    }

    @Test
    void iidShardsAreBalancedDisjointAndComplete() {
        int[] y = labels();
        Shards s = Shards.build(frame(y), 4, 3, "iid");
        try {
            check(s, y);
            long[] sizes = s.sizes();
            assertTrue(java.util.Arrays.stream(sizes).max().getAsLong() - java.util.Arrays.stream(sizes).min().getAsLong() <= 1);
            assertEquals(2, s.dimension());
        } finally {
            s.release();
        }
    }

    @Test
    void labelSkewGivesEveryWorkerExactlyItsClasses() {
        int[] y = labels();
        Shards s = Shards.build(frame(y), 10, 3, "label-skew:2");
        try {
            List<Set<Integer>> classes = check(s, y);
            for (Set<Integer> c : classes) {
                assertEquals(2, c.size(), "classes per worker: " + classes);
            }
            // Each class is held by exactly two workers here (10 workers × 2 = 2 × 10 classes).
            long[] holders = new long[10];
            classes.forEach(c -> c.forEach(k -> holders[k]++));
            assertArrayEquals(new long[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, holders);
        } finally {
            s.release();
        }
        ShardPlan a = ShardPlan.of("label-skew:2", y, y.length, 10, 3);
        assertArrayEquals(a.workerOf(), ShardPlan.of("label-skew:2", y, y.length, 10, 3).workerOf(), "same seed, same split");
        assertNotEquals(java.util.Arrays.toString(a.workerOf()), java.util.Arrays.toString(ShardPlan.of("label-skew:2", y, y.length, 10, 4).workerOf()));
    }

    @Test
    void dirichletSkewsWithSmallAlphaAndNotWithLargeAlpha() {
        int[] y = labels();
        Shards s = Shards.build(frame(y), 5, 3, "dirichlet:0.1");
        try {
            check(s, y);
        } finally {
            s.release();
        }
        // Share of each class held by its largest holder: near 1 for α = 0.1, near 1/5 for α = 1000.
        double skewed = meanTopShare(ShardPlan.of("dirichlet:0.1", y, y.length, 5, 3).histogram(y));
        double even = meanTopShare(ShardPlan.of("dirichlet:1000", y, y.length, 5, 3).histogram(y));
        assertTrue(skewed > 0.7, "alpha 0.1: " + skewed);
        assertTrue(even < 0.3, "alpha 1000: " + even);
        assertArrayEquals(ShardPlan.of("dirichlet:0.5", y, y.length, 5, 3).workerOf(), ShardPlan.of("dirichlet:0.5", y, y.length, 5, 3).workerOf());
    }

    private static double meanTopShare(long[][] h) {
        int classes = h[0].length;
        double total = 0;
        for (int k = 0; k < classes; k++) {
            long sum = 0;
            long max = 0;
            for (long[] row : h) {
                sum += row[k];
                max = Math.max(max, row[k]);
            }
            total += (double) max / sum / classes;
        }
        return total;
    }

    @Test
    void badModesAndImpossibleSplitsAreClearErrors() {
        int[] y = labels();
        assertEquals("--shards 'label-skew' is not valid; expected iid, label-skew:C (classes per worker) or dirichlet:ALPHA (C a positive integer, ALPHA a positive number)",
                assertThrows(IllegalArgumentException.class, () -> ShardPlan.validateMode("label-skew")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShardPlan.validateMode("dirichlet:-1"));
        assertEquals("--shards label-skew:2 with 3 workers covers 6 of 10 classes; expected workers × 2 ≥ 10",
                assertThrows(IllegalArgumentException.class, () -> ShardPlan.of("label-skew:2", y, y.length, 3, 1)).getMessage());
        assertEquals("--shards label-skew:11 asks for 11 classes per worker but the data has 10",
                assertThrows(IllegalArgumentException.class, () -> ShardPlan.of("label-skew:11", y, y.length, 10, 1)).getMessage());
        assertEquals("the data has 5 rows but 6 workers were asked for; each worker needs at least one row",
                assertThrows(IllegalArgumentException.class, () -> ShardPlan.of("iid", null, 5, 6, 1)).getMessage());
        assertEquals("--shards dirichlet:1 needs labelled data (a 'label' column); this data has none, use --shards iid",
                assertThrows(IllegalArgumentException.class, () -> ShardPlan.of("dirichlet:1", null, 50, 2, 1)).getMessage());
    }

    @Test
    void anImageThatFailsToDecodeOnAnExecutorIsReportedWhenTheShardsAreBuilt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // Its header (and size) survives, so loading the folder succeeds; the pixel data does not,
        // so the first read of the rows, building the shards, must fail with the file's own message.
        java.nio.file.Files.createDirectories(dir.resolve("cut"));
        java.nio.file.Path whole = dir.resolve("cut/b.png");
        for (String name : new String[] {"a.png", "b.png", "c.png"}) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(20, 20, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 20; y++) {
                for (int x = 0; x < 20; x++) {
                    img.getRaster().setSample(x, y, 0, 11 * x + 7 * y);
                }
            }
            assertTrue(javax.imageio.ImageIO.write(img, "png", dir.resolve("cut").resolve(name).toFile()));
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(whole);
        java.nio.file.Files.write(whole, java.util.Arrays.copyOf(bytes, 40));
        Dataset<Row> frame = io.sparkgan.data.DataSources.load(spark, "images:" + dir.resolve("cut"),
                io.sparkgan.data.DataOptions.defaults().withImageSize("2x2")).frame();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shards.build(frame, 2, 1, "iid"));
        assertTrue(e.getMessage().startsWith("image file:" + whole + " cannot be read ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("); expected a PNG or JPEG image"), e.getMessage());
    }
}
