package io.sparkgan.core.objective;

import io.sparkgan.core.config.Setting;
import java.util.List;

/**
 * WGAN-GP (Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017, Algorithm 1): the
 * critic minimises {@code E[D(G(z))] - E[D(x)] + λ E[(‖∇D(x̂)‖ - 1)²]} on random interpolates x̂ of
 * real and generated samples; the generator minimises {@code -E[D(G(z))]}. Chosen with
 * {@code --objective wgan-gp}, which also makes the paper's 5 critic steps per generator update and
 * Adam 1e-4 with betas (0.5, 0.9) the defaults ({@link Objectives#defaults}).
 */
public final class Wasserstein extends ScoreObjective {
    private static final long serialVersionUID = 1L;

    public static final Setting<Double> LAMBDA = Setting.number("gp-weight", 10,
            "wgan-gp: λ, weight of the gradient penalty E[(‖∇D(x̂)‖ - 1)²] (paper: 10).").nonNegative("no penalty").scope("wgan-gp");

    private final double lambda;

    public Wasserstein(double lambda) {
        this.lambda = lambda;
    }

    @Override
    public String name() {
        return "wgan-gp";
    }

    @Override
    public List<Regularizer> regularizers() {
        return lambda == 0 ? List.of() : List.of(new GradientPenalty(GradientPenalty.Form.TWO_SIDED, lambda));
    }

    @Override
    double real(double f, double[] d) {
        d[0] = -1;
        return -f;
    }

    @Override
    double fake(double f, double[] d) {
        d[0] = 1;
        return f;
    }

    @Override
    double generator(double f, double[] d) {
        d[0] = -1;
        return -f;
    }
}
