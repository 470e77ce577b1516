package io.sparkgan.data;

import io.sparkgan.core.GanRandom;

/**
 * An isotropic mixture of equally weighted Gaussians in the plane, the synthetic benchmark of
 * VEEGAN (Srivastava et al., NeurIPS 2017) and PacGAN (Lin et al., NeurIPS 2018).
 *
 * @param name dataset name
 * @param centres the modes, [M][2]
 * @param std standard deviation of every component
 */
public record GaussianMixture(String name, double[][] centres, double std) {

    /** 25 Gaussians on the grid {-4,-2,0,2,4}², std 0.05. */
    public static GaussianMixture grid25() {
        double[][] c = new double[25][];
        int k = 0;
        for (int i = -2; i <= 2; i++) {
            for (int j = -2; j <= 2; j++) {
                c[k++] = new double[] {2.0 * i, 2.0 * j};
            }
        }
        return new GaussianMixture("grid25", c, 0.05);
    }

    /** 8 Gaussians evenly spaced on the unit circle (8 distinct centres), std 0.01. */
    public static GaussianMixture ring8() {
        double[][] c = new double[8][];
        for (int k = 0; k < 8; k++) {
            double a = 2 * Math.PI * k / 8;
            c[k] = new double[] {Math.cos(a), Math.sin(a)};
        }
        return new GaussianMixture("ring8", c, 0.01);
    }

    public int modes() {
        return centres.length;
    }

    /** {@code n} samples drawn with {@code seed}: each picks a mode uniformly, then adds N(0, std²I). */
    public Samples sample(int n, long seed) {
        GanRandom rng = GanRandom.stream(seed, "data:" + name, 0);
        float[][] x = new float[n][];
        int[] label = new int[n];
        for (int i = 0; i < n; i++) {
            int m = rng.nextInt(centres.length);
            label[i] = m;
            x[i] = new float[] {
                (float) (centres[m][0] + std * rng.nextGaussian()),
                (float) (centres[m][1] + std * rng.nextGaussian())
            };
        }
        return new Samples(x, label);
    }
}
