package io.sparkgan.core.refine;

import io.sparkgan.core.GanRandom;
import io.sparkgan.core.nn.IterationScope;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

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

    /** Rows whose energy gradient one pass computes: bounds a step's memory whatever the sample count. */
    static final int CHUNK = 1024;

    /**
     * The samples after S steps from {@code x0} ([n, d], left unchanged), with noise drawn from {@code rng}.
     *
     * <p>Each step evaluates the energy's gradient on chunks of {@link #CHUNK} rows inside a cyclic
     * workspace ({@link IterationScope}). Why: the passes keep every activation (a discriminator of
     * 784-512-512 on 10,000 images holds about 150 MB per evaluation), and ND4J frees a buffer only
     * when the Java GC collects its array; 50 steps over the ten discriminators of an MNIST MD-GAN
     * run grew the process past 24 GB before this bound. Rows do not interact in an energy, so the
     * chunks give the same result as one pass.
     */
    public INDArray run(Energy energy, INDArray x0, GanRandom rng) {
        INDArray x;
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            x = x0.dup();
        }
        long n = x.rows();
        double[] xi = new double[(int) x.length()];
        for (int s = 0; s < steps; s++) {
            for (long from = 0; from < n; from += CHUNK) {
                INDArray rows = x.get(NDArrayIndex.interval(from, Math.min(n, from + CHUNK)), NDArrayIndex.all());
                IterationScope.run("langevin", () -> {
                    rows.subi(energy.evaluate(rows).gradient().mul(stepSize / 2));
                    return null;
                });
            }
            if (noise > 0) {
                for (int i = 0; i < xi.length; i++) {
                    xi[i] = noise * rng.nextGaussian();
                }
                try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    x.addi(Nd4j.create(xi, x.shape(), x.dataType()));
                }
            }
        }
        return x;
    }
}
