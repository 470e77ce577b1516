package io.sparkgan.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.metrics.Fid.FeatureStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FidTest {
    @Test
    void identicalStatisticsAreAtDistanceZero() {
        FeatureStats s = gaussianStats(new Random(1), 6);
        assertEquals(0.0, Fid.distance(s, s), 1e-9);
        FeatureStats copy = new FeatureStats(s.mean().clone(), deepCopy(s.covariance()), s.count());
        assertEquals(0.0, Fid.distance(s, copy), 1e-9);
    }

    @Test
    void diagonalCovariancesMatchTheClosedForm() {
        double[] va = {1, 4, 0.25, 2, 1e-3};
        double[] vb = {9, 1, 0.25, 0.5, 3};
        double[] ma = {0, 1, -2, 0.5, 3};
        double[] mb = {1, 1, 0, 0.5, -1};
        double expected = 0;
        for (int i = 0; i < va.length; i++) {
            expected += va[i] + vb[i] - 2 * Math.sqrt(va[i] * vb[i]) + (ma[i] - mb[i]) * (ma[i] - mb[i]);
        }
        double fid = Fid.distance(new FeatureStats(ma, diag(va), 10), new FeatureStats(mb, diag(vb), 10));
        assertEquals(expected, fid, 1e-10);
    }

    @Test
    void nonCommutingTwoByTwoCovariancesMatchTheClosedForm() {
        // For 2x2 PSD A, B the eigenvalues of M = AB are real and >= 0, and tr(sqrt M) = sqrt(tr M + 2 sqrt(det M)).
        double[][][] pairs = {
            {{2, 1}, {1, 2}}, {{1, 0}, {0, 3}},
            {{1, 0.9}, {0.9, 1}}, {{2, -0.5}, {-0.5, 0.3}},
        };
        for (int p = 0; p < pairs.length; p += 2) {
            double[][] a = pairs[p];
            double[][] b = pairs[p + 1];
            double[][] m = multiply(a, b);
            assertFalse(Arrays.deepEquals(m, multiply(b, a)), "the case must not commute");
            double trM = m[0][0] + m[1][1];
            double detM = m[0][0] * m[1][1] - m[0][1] * m[1][0];
            double expected = 5 + a[0][0] + a[1][1] + b[0][0] + b[1][1] - 2 * Math.sqrt(trM + 2 * Math.sqrt(detM));
            double fid = Fid.distance(new FeatureStats(new double[] {0, 0}, a, 5), new FeatureStats(new double[] {1, 2}, b, 5));
            assertEquals(expected, fid, 1e-10);
        }
        // The first pair by hand: 5 + 4 + 4 - 2 sqrt(8 + 2·3) = 13 - 2 sqrt(14).
        assertEquals(13 - 2 * Math.sqrt(14), Fid.distance(new FeatureStats(new double[] {0, 0}, pairs[0], 5),
                new FeatureStats(new double[] {1, 2}, pairs[1], 5)), 1e-10);
    }

    @Test
    void distanceIsSymmetricForNonCommutingCovariances() {
        Random r = new Random(7);
        FeatureStats a = gaussianStats(r, 8);
        FeatureStats b = gaussianStats(r, 8);
        double ab = Fid.distance(a, b);
        assertTrue(ab > 0);
        assertEquals(ab, Fid.distance(b, a), 1e-9 * ab);
        // A reference reused for several distances gives the same values as one-off calls.
        Fid.Reference ref = new Fid.Reference(a);
        assertEquals(ab, ref.distanceTo(b), 1e-12 * ab);
        assertEquals(0.0, ref.distanceTo(a), 1e-9);
        FeatureStats c = gaussianStats(r, 8);
        assertEquals(Fid.distance(a, c), ref.distanceTo(c), 1e-12 * Fid.distance(a, c));
        assertThrows(IllegalArgumentException.class, () -> ref.distanceTo(gaussianStats(r, 3)));
    }

    @Test
    void singularCovariancesLeaveOnlyTheMeanTerm() {
        double[][] zero = new double[3][3];
        double fid = Fid.distance(new FeatureStats(new double[] {0, 0, 0}, zero, 4), new FeatureStats(new double[] {1, 2, 2}, deepCopy(zero), 4));
        assertEquals(9.0, fid, 1e-12);
        // Rank one against itself: the clamped eigenvalues keep rounding from leaving a negative or NaN distance.
        double[][] rank1 = {{1, 2, 3}, {2, 4, 6}, {3, 6, 9}};
        assertEquals(0.0, Fid.distance(new FeatureStats(new double[3], rank1, 4), new FeatureStats(new double[3], deepCopy(rank1), 4)), 1e-6);
    }

    @Test
    void statsOfSeededGaussianSamplesApproachTheTrueMeanAndCovariance() {
        double[] mu = {1, -2, 0.5};
        double[][] l = {{1, 0, 0}, {0.5, 2, 0}, {-0.3, 0.4, 0.7}};
        double[][] sigma = multiply(l, transpose(l));
        Random r = new Random(42);
        float[][] x = sample(r, mu, l, 200_000);
        FeatureStats s = FeatureStats.of(x);
        assertEquals(200_000, s.count());
        // Within 4 standard errors: sd(mean_i) = sqrt(s_ii / n), sd(cov_ij) = sqrt((s_ii s_jj + s_ij^2) / n) for a Gaussian.
        int n = x.length;
        for (int i = 0; i < 3; i++) {
            assertEquals(mu[i], s.mean()[i], 4 * Math.sqrt(sigma[i][i] / n), "mean " + i);
            for (int j = 0; j < 3; j++) {
                double se = Math.sqrt((sigma[i][i] * sigma[j][j] + sigma[i][j] * sigma[i][j]) / n);
                assertEquals(sigma[i][j], s.covariance()[i][j], 4 * se, "cov " + i + "," + j);
            }
        }
        // Two independent samples of one Gaussian are close; the true parameters are closer still.
        FeatureStats truth = new FeatureStats(mu, sigma, 2);
        assertTrue(Fid.distance(s, truth) < 1e-3, "FID to the true Gaussian " + Fid.distance(s, truth));
        assertTrue(Fid.distance(s, FeatureStats.of(sample(r, mu, l, 200_000))) < 2e-3);
    }

    @Test
    void batchesAndMergedAccumulatorsEqualOneShotAndTwoPassStatistics() {
        Random r = new Random(3);
        float[][] x = new float[1000][7];
        for (float[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) (100 + j + r.nextGaussian() * (j + 1));
            }
        }
        FeatureStats oneShot = FeatureStats.of(x);
        // Irregular batches, one of a single row.
        Fid.Accumulator batched = new Fid.Accumulator(7);
        int[] cuts = {0, 1, 14, 500, 501, 1000};
        for (int c = 0; c + 1 < cuts.length; c++) {
            batched.add(Arrays.copyOfRange(x, cuts[c], cuts[c + 1]));
        }
        // Partition-style: two accumulators merged, plus an empty one.
        Fid.Accumulator left = new Fid.Accumulator(7).add(Arrays.copyOfRange(x, 0, 333));
        Fid.Accumulator right = new Fid.Accumulator(7).add(Arrays.copyOfRange(x, 333, 1000));
        FeatureStats merged = left.merge(new Fid.Accumulator(7)).merge(right).stats();

        FeatureStats twoPass = twoPass(x);
        for (FeatureStats s : new FeatureStats[] {oneShot, batched.stats(), merged}) {
            assertEquals(1000, s.count());
            for (int i = 0; i < 7; i++) {
                assertEquals(twoPass.mean()[i], s.mean()[i], 1e-12 * Math.abs(twoPass.mean()[i]));
                for (int j = 0; j < 7; j++) {
                    assertEquals(twoPass.covariance()[i][j], s.covariance()[i][j], 1e-11 * Math.sqrt(twoPass.covariance()[i][i] * twoPass.covariance()[j][j]));
                }
            }
        }
    }

    @Test
    void writeThenReadGivesBitIdenticalStatistics() throws IOException {
        FeatureStats s = FeatureStats.of(sample(new Random(5), new double[] {1, 2, 3, 4}, lowerRandom(new Random(6), 4), 50));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.write(out);
        FeatureStats back = FeatureStats.read(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(s.count(), back.count());
        assertArrayEquals(s.mean(), back.mean());
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(s.covariance()[i], back.covariance()[i]);
        }
        byte[] truncated = Arrays.copyOf(out.toByteArray(), out.size() - 3);
        assertThrows(IOException.class, () -> FeatureStats.read(new ByteArrayInputStream(truncated)));
        assertThrows(IOException.class, () -> FeatureStats.read(new ByteArrayInputStream("{\"mean\": []}".getBytes())));
    }

    @Test
    void badInputsAreRejectedWithTheOffendingValue() {
        FeatureStats a = gaussianStats(new Random(1), 3);
        FeatureStats b = gaussianStats(new Random(2), 4);
        IllegalArgumentException dims = assertThrows(IllegalArgumentException.class, () -> Fid.distance(a, b));
        assertTrue(dims.getMessage().contains("3 and 4"), dims.getMessage());
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> FeatureStats.of(new float[][] {{1, 2}}));
        assertTrue(one.getMessage().contains("got 1"), one.getMessage());
        IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
                () -> FeatureStats.of(new float[][] {{1, 2}, {3}}));
        assertTrue(ragged.getMessage().contains("row 1 has dimension 1"), ragged.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FeatureStats.of(new float[][] {{1, 2}, {Float.NaN, 0}}));
        assertThrows(IllegalArgumentException.class, () -> new Fid.Accumulator(2).merge(new Fid.Accumulator(3)));
    }

    private static FeatureStats gaussianStats(Random r, int d) {
        double[] mu = new double[d];
        for (int i = 0; i < d; i++) {
            mu[i] = r.nextGaussian();
        }
        double[][] l = lowerRandom(r, d);
        double[][] cov = multiply(l, transpose(l));
        for (int i = 0; i < d; i++) {
            cov[i][i] += 0.1;
        }
        return new FeatureStats(mu, cov, 100);
    }

    private static double[][] lowerRandom(Random r, int d) {
        double[][] l = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                l[i][j] = r.nextGaussian();
            }
        }
        return l;
    }

    private static float[][] sample(Random r, double[] mu, double[][] l, int n) {
        int d = mu.length;
        float[][] x = new float[n][d];
        double[] z = new double[d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                z[j] = r.nextGaussian();
            }
            for (int i = 0; i < d; i++) {
                double v = mu[i];
                for (int j = 0; j < d; j++) {
                    v += l[i][j] * z[j];
                }
                row[i] = (float) v;
            }
        }
        return x;
    }

    /** The textbook definition: mean first, then the centred products, all in double. */
    private static FeatureStats twoPass(float[][] x) {
        int d = x[0].length;
        double[] m = new double[d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                m[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            m[j] /= x.length;
        }
        double[][] c = new double[d][d];
        for (float[] row : x) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    c[i][j] += (row[i] - m[i]) * (row[j] - m[j]);
                }
            }
        }
        for (double[] row : c) {
            for (int j = 0; j < d; j++) {
                row[j] /= x.length - 1;
            }
        }
        return new FeatureStats(m, c, x.length);
    }

    private static double[][] diag(double[] v) {
        double[][] m = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) {
            m[i][i] = v[i];
        }
        return m;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b[0].length; j++) {
                for (int k = 0; k < b.length; k++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
