package io.sparkgan.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class GanRandomTest {
    @Test
    void sameSeedSameStreamDifferentNamesDifferentStreams() {
        assertEquals(GanRandom.stream(7, "latent", 0).nextLong(), GanRandom.stream(7, "latent", 0).nextLong());
        assertNotEquals(GanRandom.stream(7, "latent", 0).nextLong(), GanRandom.stream(7, "worker", 0).nextLong());
        assertNotEquals(GanRandom.stream(7, "worker", 0).nextLong(), GanRandom.stream(7, "worker", 1).nextLong());
        assertNotEquals(GanRandom.stream(7, "worker", 0).nextLong(), GanRandom.stream(8, "worker", 0).nextLong());
    }

    @Test
    void stateRoundTripContinuesTheExactStreamIncludingTheSpareGaussian() {
        GanRandom a = new GanRandom(3);
        a.nextGaussian(); // leaves a spare
        GanRandom b = GanRandom.fromState(a.state());
        for (int i = 0; i < 100; i++) {
            assertEquals(a.nextGaussian(), b.nextGaussian());
            assertEquals(a.nextInt(17), b.nextInt(17));
        }
    }

    @Test
    void gaussianMomentsAndIntegerBounds() {
        GanRandom r = new GanRandom(1);
        int n = 200_000;
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double g = r.nextGaussian();
            sum += g;
            sq += g * g;
        }
        assertEquals(0, sum / n, 0.01);
        assertEquals(1, sq / n, 0.02);
        int[] counts = new int[5];
        for (int i = 0; i < 50_000; i++) {
            counts[r.nextInt(5)]++;
        }
        for (int c : counts) {
            assertEquals(10_000, c, 400);
        }
    }

    @Test
    void permutationIsAPermutation() {
        int[] p = new GanRandom(2).permutation(1000);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertTrue(p[0] != 0 || p[1] != 1 || p[2] != 2, "shuffled");
    }

    @Test
    void samplerVisitsEverySampleOncePerEpochAndResumesExactly() {
        float[][] shard = new float[10][];
        for (int i = 0; i < 10; i++) {
            shard[i] = new float[] {i, -i};
        }
        BatchSampler s = new BatchSampler(shard, new GanRandom(5));
        float[] seen = new float[10];
        for (int k = 0; k < 2; k++) {
            float[] b = s.next(5, DataType.FLOAT).x().ravel().toFloatVector();
            for (int i = 0; i < 5; i++) {
                seen[k * 5 + i] = b[2 * i];
                assertEquals(-b[2 * i], b[2 * i + 1], 0.0, "rows stay intact");
            }
        }
        float[] sorted = seen.clone();
        Arrays.sort(sorted);
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted);
        assertEquals(0, s.epoch());
        s.next(3, DataType.FLOAT);
        assertEquals(1, s.epoch());
        BatchSampler copy = new BatchSampler(shard, new GanRandom(99));
        copy.restore(s.state());
        for (int k = 0; k < 5; k++) {
            assertEquals(s.next(4, DataType.FLOAT).x(), copy.next(4, DataType.FLOAT).x());
        }
    }
}
