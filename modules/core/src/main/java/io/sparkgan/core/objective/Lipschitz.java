package io.sparkgan.core.objective;

import io.sparkgan.core.config.Setting;
import java.util.List;

/**
 * Lipschitz GANs (Zhou et al., "Lipschitz Generative Adversarial Nets", ICML 2019; the research
 * note "Understanding the Effectiveness of Lipschitz-Continuity in GANs", 2018): the discriminator
 * f minimises {@code E_fake φ(f) + E_real φ(-f) + λ (maxᵢ ‖∇f(x̂ᵢ)‖)²}, the max gradient penalty on
 * interpolates x̂, and the generator minimises {@code E φ(-f(G(z)))}, for an increasing convex φ:
 * {@code exp}, {@code logsigmoid} (φ(t) = -log σ(-t)), {@code sqrt} (√(t² + 1) + t), {@code linear}
 * (Wasserstein with the max penalty) or {@code hinge} (max(0, 1 + t)). Chosen as {@code lgan:PHI}.
 */
public final class Lipschitz extends ScoreObjective {
    private static final long serialVersionUID = 1L;

    public static final List<String> PHIS = List.of("exp", "logsigmoid", "sqrt", "linear", "hinge");
    public static final Setting<Double> LAMBDA = Setting.number("lgan-weight", 0.1,
            "lgan: λ, weight of the max gradient penalty (maxᵢ ‖∇f(x̂ᵢ)‖)² (0.1, the authors' setting as we read it).")
            .nonNegative("no penalty").scope("lgan");

    private final String phi;
    private final double lambda;

    public Lipschitz(String phi, double lambda) {
        if (!PHIS.contains(phi)) {
            throw new IllegalArgumentException("lgan: φ '" + phi + "' is unknown; expected one of " + PHIS);
        }
        this.phi = phi;
        this.lambda = lambda;
    }

    @Override
    public String name() {
        return "lgan:" + phi;
    }

    @Override
    public List<Regularizer> regularizers() {
        return lambda == 0 ? List.of() : List.of(new GradientPenalty(GradientPenalty.Form.MAX, lambda));
    }

    /** φ(t), with φ'(t) in {@code d[0]}. */
    double phi(double t, double[] d) {
        switch (phi) {
            case "exp" -> {
                double e = Math.exp(t);
                d[0] = e;
                return e;
            }
            case "logsigmoid" -> {
                d[0] = NonSaturating.sigmoid(t);
                return NonSaturating.softplus(t);
            }
            case "sqrt" -> {
                double r = Math.sqrt(t * t + 1);
                d[0] = t / r + 1;
                return r + t;
            }
            case "linear" -> {
                d[0] = 1;
                return t;
            }
            default -> {
                d[0] = t > -1 ? 1 : 0;
                return Math.max(0, 1 + t);
            }
        }
    }

    @Override
    double real(double f, double[] d) {
        double v = phi(-f, d);
        d[0] = -d[0];
        return v;
    }

    @Override
    double fake(double f, double[] d) {
        return phi(f, d);
    }

    @Override
    double generator(double f, double[] d) {
        return real(f, d);
    }
}
