package io.sparkgan.core;

import java.io.Serializable;

/**
 * The distribution a generator's latent codes are drawn from. A GAN draws from N(0, I)
 * ({@link #GAUSSIAN}); an adversarial autoencoder's decoder samples from the prior its code
 * discriminator imposed on the codes (Makhzani et al. 2015, §2), which may be a mixture
 * ({@link io.sparkgan.core.aae.MixturePrior}).
 */
public interface LatentPrior extends Serializable {
    /**
     * {@code n} codes of dimension {@code dim}, row after row, drawn with {@code rng}.
     *
     * @param components per row, the mixture component to draw from (−1: any, drawn with {@code rng});
     *     null: every row from the whole prior. A prior without components ignores them.
     */
    double[] draw(GanRandom rng, int n, int dim, int[] components);

    /** The standard normal N(0, I), one draw per coordinate in row order. */
    LatentPrior GAUSSIAN = new LatentPrior() {
        private static final long serialVersionUID = 1L;

        @Override
        public double[] draw(GanRandom rng, int n, int dim, int[] components) {
            double[] z = new double[n * dim];
            for (int i = 0; i < z.length; i++) {
                z[i] = rng.nextGaussian();
            }
            return z;
        }

        @Override
        public String toString() {
            return "gaussian";
        }
    };
}
