package io.sparkgan.core.refine;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.config.Setting;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Refinement of generated samples with the trained discriminators' energy (DCD: Song et al.,
 * "Discriminator Contrastive Divergence: Semi-Amortized Generative Modeling by Exploring Energy of
 * the Discriminator", 2020): {@link Langevin} dynamics started at the generator's samples on the
 * energy of one discriminator ({@code worker:K}) or the mean energy of all of them
 * ({@code ensemble}; MD-GAN keeps one per worker, FL-GAN and standalone have one).
 *
 * <p>Its parameters are declared once, below, as {@link Setting}s named like their flags; the
 * defaults were measured on grid25 (docs/results.md, "DCD Langevin refinement").
 *
 * @param method {@code none} or {@code langevin}
 * @param steps S
 * @param stepSize ε
 * @param noise σ
 * @param energy {@code ensemble} or {@code worker:K}
 */
public record Refinement(String method, int steps, double stepSize, double noise, String energy) implements Serializable {
    public static final String NONE = "none";
    public static final String LANGEVIN = "langevin";
    public static final String ENSEMBLE = "ensemble";

    public static final Setting<String> REFINE = Setting.oneOf("refine", NONE, List.of(NONE, LANGEVIN),
            "Refine generated samples with the discriminators' energy: none, or langevin (DCD; scored at the final evaluation).");
    public static final Setting<Integer> STEPS = Setting.integer("refine-steps", 50,
            "Langevin refinement: steps S.").nonNegative("samples left as they are").scope(LANGEVIN);
    public static final Setting<Double> STEP_SIZE = Setting.number("refine-step-size", 0.03,
            "Langevin refinement: step size ε in x ← x − (ε/2)∇E(x) + σξ.").positive().scope(LANGEVIN);
    public static final Setting<Double> NOISE = Setting.number("refine-noise", 0.0,
            "Langevin refinement: noise σ (√ε is exact Langevin dynamics).").nonNegative("gradient descent on the energy").scope(LANGEVIN);
    public static final Setting<String> ENERGY = Setting.text("energy", ENSEMBLE,
            "Langevin refinement: ensemble (the mean energy of every worker's discriminator) or worker:K (worker K's alone).")
            .check((n, v) -> v.equals(ENSEMBLE) || v.matches("worker:[0-9]{1,9}") ? null : n + " must be ensemble or worker:K, got '" + v + "'")
            .scope(LANGEVIN);

    /** Every setting of refinement, in the order of the README's table. */
    public static final List<Setting<?>> SETTINGS = List.of(REFINE, STEPS, STEP_SIZE, NOISE, ENERGY);

    /** Validates every value; the message names the setting and what it accepts. */
    public Refinement {
        method = REFINE.validate(method == null ? null : method.toLowerCase(Locale.ROOT));
        STEPS.validate(steps);
        STEP_SIZE.validate(stepSize);
        NOISE.validate(noise);
        energy = ENERGY.validate(energy == null ? null : energy.toLowerCase(Locale.ROOT));
    }

    /** No refinement, every other value at its default. */
    public static Refinement none() {
        return defaults(NONE);
    }

    /** {@code method} with every other value at its default. */
    public static Refinement defaults(String method) {
        return new Refinement(method, STEPS.defaultValue(), STEP_SIZE.defaultValue(), NOISE.defaultValue(), ENERGY.defaultValue());
    }

    public boolean enabled() {
        return method.equals(LANGEVIN);
    }

    public Langevin langevin() {
        return new Langevin(steps, stepSize, noise);
    }

    /** The worker whose discriminator alone is the energy, or -1 for the ensemble. */
    public int worker() {
        return energy.equals(ENSEMBLE) ? -1 : Integer.parseInt(energy.substring("worker:".length()));
    }

    /**
     * Checks the energy choice against a run with {@code discriminators} discriminators (workers).
     *
     * @throws IllegalArgumentException naming the allowed choices when {@code worker:K} is out of range
     */
    public void check(int discriminators) {
        int k = worker();
        if (k >= discriminators) {
            throw new IllegalArgumentException("energy 'worker:" + k + "' is out of range: the model has " + discriminators
                    + (discriminators == 1 ? " discriminator (worker:0)" : " discriminators (worker:0 to worker:" + (discriminators - 1) + ")")
                    + "; expected ensemble or one of them");
        }
    }

    /** The chosen energy over {@code discriminators}, one per worker in worker order. */
    public Energy energy(List<Discriminator> discriminators) {
        check(discriminators.size());
        int k = worker();
        if (k >= 0) {
            return new DiscriminatorEnergy(discriminators.get(k));
        }
        List<Energy> members = new ArrayList<>();
        for (Discriminator d : discriminators) {
            members.add(new DiscriminatorEnergy(d));
        }
        return members.size() == 1 ? members.get(0) : new EnsembleEnergy(members);
    }

    /** {@code x} refined with the chosen energy of {@code discriminators}, the noise drawn from {@code rng} (x itself unchanged). */
    public INDArray apply(INDArray x, List<Discriminator> discriminators, GanRandom rng) {
        return langevin().run(energy(discriminators), x, rng);
    }

    /** The values as a map keyed by the settings' names (for run.json and final.json). */
    public java.util.Map<String, Object> asMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put(REFINE.name(), method);
        m.put(STEPS.name(), steps);
        m.put(STEP_SIZE.name(), stepSize);
        m.put(NOISE.name(), noise);
        m.put(ENERGY.name(), energy);
        return m;
    }
}
