package io.sparkgan.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkgan.core.GanRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ModelCentrality's medoid and the rank correlation on cases whose answer is known. */
class ModelCentralityTest {
    /** Feature statistics of n Gaussian samples around {@code centre} in 2-D. */
    private static Fid.FeatureStats stats(double cx, double cy, long seed) {
        GanRandom rng = new GanRandom(seed);
        float[][] f = new float[4000][];
        for (int i = 0; i < f.length; i++) {
            f[i] = new float[] {(float) (cx + rng.nextGaussian()), (float) (cy + rng.nextGaussian())};
        }
        return Fid.FeatureStats.of(f);
    }

    @Test
    void theMedoidOfAgreeingModelsIsPickedOverTheOutliers() {
        // Three good models near the truth (0, 0), each off a little in its own way; two bad ones off in opposite directions.
        List<Fid.FeatureStats> c = new ArrayList<>();
        c.add(stats(0, 6, 1));
        c.add(stats(0.5, 0, 2));
        c.add(stats(0, 0, 3));
        c.add(stats(-0.5, 0, 4));
        c.add(stats(0, -6, 5));
        ModelCentrality.Ranking r = ModelCentrality.rank(c);
        assertEquals(2, r.pick(), "the candidate in the middle of the agreeing ones");
        for (int i = 0; i < 5; i++) {
            assertEquals(0.0, r.distance()[i][i], 0.0);
            for (int j = 0; j < 5; j++) {
                assertEquals(r.distance()[i][j], r.distance()[j][i], 0.0);
            }
        }
        double mean = -(r.distance()[2][0] + r.distance()[2][1] + r.distance()[2][3] + r.distance()[2][4]) / 4;
        assertEquals(mean, r.centrality()[2], 1e-12);
        // Equal covariances: the Fréchet distance is the squared distance of the means, 0.5² + 6² = 36.25, up to sampling.
        assertEquals(36.25, r.distance()[0][1], 0.5);
        assertThrows(IllegalArgumentException.class, () -> ModelCentrality.rank(c.subList(0, 1)));
    }

    @Test
    void bySimilarityTheCentralityIsTheMeanSimilarityToTheOthers() {
        double[][] s = {
            {1, 0.9, 0.8, 0.1},
            {0.9, 1, 0.7, 0.2},
            {0.8, 0.7, 1, 0.3},
            {0.1, 0.2, 0.3, 1}};
        ModelCentrality.Ranking r = ModelCentrality.rankBySimilarity(s);
        assertEquals((0.9 + 0.8 + 0.1) / 3, r.centrality()[0], 1e-12);
        assertEquals((0.1 + 0.2 + 0.3) / 3, r.centrality()[3], 1e-12);
        assertEquals(0, r.pick(), "the model the others agree with most");
        assertEquals(0.9, r.distance()[0][3], 1e-12);
    }

    @Test
    void spearmanOnHandRankedSeries() {
        assertEquals(1.0, ModelCentrality.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 20, 30, 400}), 1e-12);
        assertEquals(-1.0, ModelCentrality.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, ModelCentrality.ranks(new double[] {1, 5, 5, 9}), 0.0);
        // ranks a = (1, 2, 3), b = (2, 1, 3): ρ = 1 − 6·Σd² / (n(n² − 1)) = 1 − 6·2 / 24 = 0.5
        assertEquals(0.5, ModelCentrality.spearman(new double[] {1, 2, 3}, new double[] {2, 1, 3}), 1e-12);
        assertEquals(Double.NaN, ModelCentrality.spearman(new double[] {1, 1, 1}, new double[] {1, 2, 3}));
    }
}
