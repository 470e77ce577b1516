package io.sparkgan.core.aae;

import io.sparkgan.core.GanRandom;
import io.sparkgan.core.LatentPrior;

/**
 * A mixture of {@code k} equally weighted Gaussians (Makhzani et al. 2015, §2 and Fig. 4, "a mixture
 * of 10 2-D Gaussians"): component {@code j} is centred at radius {@link #RADIUS} on the circle of
 * the first two coordinates, at angle 2πj/k, with standard deviation {@link #SIGMA} in every
 * coordinate. With 10 components neighbouring centres are 2.5 apart, five standard deviations, so
 * the components are clearly separate in a plot of the codes. Needs a latent dimension of at least 2.
 */
public final class MixturePrior implements LatentPrior {
    private static final long serialVersionUID = 1L;
    public static final double RADIUS = 4;
    public static final double SIGMA = 0.5;

    private final int k;

    public MixturePrior(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("a mixture prior needs at least one component, got " + k);
        }
        this.k = k;
    }

    public int components() {
        return k;
    }

    /** The centre of component {@code j} in {@code dim} dimensions. */
    public double[] mean(int j, int dim) {
        double[] m = new double[dim];
        double angle = 2 * Math.PI * j / k;
        m[0] = RADIUS * Math.cos(angle);
        m[1] = RADIUS * Math.sin(angle);
        return m;
    }

    @Override
    public double[] draw(GanRandom rng, int n, int dim, int[] components) {
        if (dim < 2) {
            throw new IllegalArgumentException("a mixture prior needs latent-dim of at least 2, got " + dim);
        }
        double[] z = new double[n * dim];
        for (int i = 0; i < n; i++) {
            int j = components == null || components[i] < 0 ? rng.nextInt(k) : components[i];
            if (j >= k) {
                throw new IllegalArgumentException("component " + j + " is outside 0.." + (k - 1));
            }
            double[] m = mean(j, dim);
            for (int d = 0; d < dim; d++) {
                z[i * dim + d] = m[d] + SIGMA * rng.nextGaussian();
            }
        }
        return z;
    }

    @Override
    public String toString() {
        return "mixture of " + k;
    }
}
