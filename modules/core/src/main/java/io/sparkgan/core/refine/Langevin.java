package io.sparkgan.core.refine;

import io.sparkgan.core.GanRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Langevin dynamics on an energy, started from given samples: S steps of
 * {@code x ← x + (ε/2)·∇ₓ(−E(x)) + σ·ξ}, ξ ~ N(0, I). With σ = √ε and many small steps the samples
 * approach the density ∝ exp(−E); DCD (Song et al., "Discriminator Contrastive Divergence:
 * Semi-Amortized Generative Modeling by Exploring Energy of the Discriminator", 2020) starts the
 * chain at the generator's samples and uses the discriminator's energy, so a few steps refine them.
 * A smaller σ (down to 0, plain gradient descent on E) trades diversity for sharper samples.
 *
 * <p>The noise comes from a {@link GanRandom} stream, so a refinement is deterministic for a seed.
 */
public final class Langevin {
    private final int steps;
    private final double stepSize;
    private final double noise;

    /**
     * @param steps S ≥ 0 (0 leaves the samples as they are)
     * @param stepSize ε &gt; 0
     * @param noise σ ≥ 0
     */
    public Langevin(int steps, double stepSize, double noise) {
        if (steps < 0) {
            throw new IllegalArgumentException("Langevin steps must be 0 or positive, got " + steps);
        }
        if (!(stepSize > 0) || Double.isInfinite(stepSize)) {
            throw new IllegalArgumentException("Langevin step size must be positive, got " + stepSize);
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("Langevin noise must be 0 or positive, got " + noise);
        }
        this.steps = steps;
        this.stepSize = stepSize;
        this.noise = noise;
    }

    public int steps() {
        return steps;
    }

    public double stepSize() {
        return stepSize;
    }

    public double noise() {
        return noise;
    }

    /** The samples after S steps from {@code x0} ([n, d], left unchanged), with noise drawn from {@code rng}. */
    public INDArray run(Energy energy, INDArray x0, GanRandom rng) {
        INDArray x = x0.dup();
        double[] xi = new double[(int) x.length()];
        for (int s = 0; s < steps; s++) {
            INDArray grad = energy.evaluate(x).gradient();
            x.subi(grad.mul(stepSize / 2));
            if (noise > 0) {
                for (int i = 0; i < xi.length; i++) {
                    xi[i] = noise * rng.nextGaussian();
                }
                x.addi(Nd4j.create(xi, x.shape(), x.dataType()));
            }
        }
        return x;
    }
}
