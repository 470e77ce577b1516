package io.sparkgan.core.objective;

/**
 * The least-squares objective (Mao et al., "Least Squares Generative Adversarial Networks", ICCV
 * 2017, eq. 2 with a = 0, b = c = 1): D minimises {@code ½E[(D(x) - 1)²] + ½E[D(G(z))²]}, G minimises
 * {@code ½E[(D(G(z)) - 1)²]}.
 */
public final class LeastSquares extends ScoreObjective {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
        return "least-squares";
    }

    @Override
    double real(double f, double[] d) {
        d[0] = f - 1;
        return 0.5 * (f - 1) * (f - 1);
    }

    @Override
    double fake(double f, double[] d) {
        d[0] = f;
        return 0.5 * f * f;
    }

    @Override
    double generator(double f, double[] d) {
        return real(f, d);
    }
}
