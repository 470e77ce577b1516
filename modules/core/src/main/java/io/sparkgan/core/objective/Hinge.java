package io.sparkgan.core.objective;

/**
 * The hinge objective (Lim and Ye, "Geometric GAN", 2017; Miyato et al., "Spectral Normalization for
 * Generative Adversarial Networks", ICLR 2018, eq. 17): D minimises
 * {@code E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]}, G minimises {@code -E[D(G(z))]}.
 */
public final class Hinge extends ScoreObjective {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
        return "hinge";
    }

    @Override
    double real(double f, double[] d) {
        d[0] = f < 1 ? -1 : 0;
        return Math.max(0, 1 - f);
    }

    @Override
    double fake(double f, double[] d) {
        d[0] = f > -1 ? 1 : 0;
        return Math.max(0, 1 + f);
    }

    @Override
    double generator(double f, double[] d) {
        d[0] = -1;
        return -f;
    }
}
