package io.sparkgan.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.GanRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** MIG and the FactorVAE score on representations whose answer is known by construction. */
class DisentanglementTest {
    private static final int[] VALUES = {3, 6, 8};

    /** A source of uniform factors, encoded by {@code code}. */
    private static Disentanglement.Source source(Function<int[], double[]> code) {
        return new Disentanglement.Source() {
            @Override
            public int[][] factors(int n, int fixed, int value, GanRandom rng) {
                return Disentanglement.uniformFactors(VALUES, n, fixed, value, rng);
            }

            @Override
            public double[][] encode(int[][] f) {
                double[][] z = new double[f.length][];
                for (int i = 0; i < f.length; i++) {
                    z[i] = code.apply(f[i]);
                }
                return z;
            }
        };
    }

    @Test
    void migOnHandCountedCases() {
        int[][] v = {{0}, {0}, {1}, {1}};
        // z1 is the factor, z2 independent of it: I(z1; v) = H(v) = ln 2, I(z2; v) = 0.
        double[][] z = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        assertEquals(1.0, Disentanglement.mig(z, v, new int[] {2}), 1e-12);
        // Both dimensions carry the factor: no gap.
        double[][] twice = {{0, 0}, {0, 0}, {1, 1}, {1, 1}};
        assertEquals(0.0, Disentanglement.mig(twice, v, new int[] {2}), 1e-12);
        assertEquals(Math.log(2), Disentanglement.entropy(new int[] {0, 0, 1, 1}, 2), 1e-12);
        assertEquals(Math.log(2), Disentanglement.mutualInformation(new int[] {0, 0, 1, 1}, 2, new int[] {1, 1, 0, 0}, 2), 1e-12);
    }

    @Test
    void migIsOneForAnAxisAlignedCodeAndZeroForADuplicatedOrAnIndependentOne() {
        GanRandom rng = new GanRandom(3);
        int n = 20_000;
        int[][] v = Disentanglement.uniformFactors(VALUES, n, -1, 0, rng);
        double[][] aligned = new double[n][];
        double[][] duplicated = new double[n][];
        double[][] independent = new double[n][];
        for (int i = 0; i < n; i++) {
            aligned[i] = new double[] {v[i][0], v[i][1], v[i][2], rng.nextGaussian()};
            duplicated[i] = new double[] {v[i][0], v[i][0], v[i][1], v[i][1], v[i][2], v[i][2]};
            independent[i] = new double[] {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
        }
        // The plug-in estimate of the runner-up's information is slightly positive (bias of order bins·values / n).
        double mig = Disentanglement.mig(aligned, v, VALUES);
        assertTrue(mig > 0.98 && mig <= 1.0, "aligned: " + mig);
        assertEquals(0.0, Disentanglement.mig(duplicated, v, VALUES), 1e-12, "duplicated");
        assertTrue(Disentanglement.mig(independent, v, VALUES) < 0.01, "independent");
    }

    @Test
    void factorVaeScoreIsOneForAnAxisAlignedCodeAndLosesTheFactorsACodeDropped() {
        double aligned = Disentanglement.factorVaeScore(source(f -> new double[] {f[0], 2 * f[1], -f[2]}), VALUES, 400, 64, 2000, new GanRandom(1));
        assertEquals(1.0, aligned, 0.0);
        // Factor 1 has no dimension (a collapsed one instead): its votes go to dimensions the classifier gives to other factors.
        double dropped = Disentanglement.factorVaeScore(source(f -> new double[] {f[0], 0.0, f[2]}), VALUES, 2000, 64, 2000, new GanRandom(1));
        assertEquals(2.0 / 3, dropped, 0.04, "factors 0 and 2 scored, factor 1 never");
        // Every dimension a mixture of every factor: fixing one factor leaves every dimension varying.
        double mixed = Disentanglement.factorVaeScore(source(f -> new double[] {f[0] / 3.0 + f[1] / 6.0 + f[2] / 8.0, f[0] / 3.0 - f[1] / 6.0,
                f[1] / 6.0 - f[2] / 8.0}), VALUES, 2000, 64, 2000, new GanRandom(1));
        assertTrue(mixed < aligned - 0.1, "mixed: " + mixed);
    }
}
