package io.sparkgan.core;

import io.sparkgan.core.aae.AdversarialAutoencoder;
import io.sparkgan.core.config.Setting;
import io.sparkgan.core.config.SettingValues;
import io.sparkgan.core.nn.LearningRateDecay;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.nn.SpectralNorm;
import io.sparkgan.core.objective.Objectives;
import io.sparkgan.core.stabilizer.Stabilizers;
import java.util.ArrayList;
import java.util.List;

/**
 * The hyper-parameters every strategy shares: networks, objective, optimizer, batch sizes, budget,
 * and the run's seed, each declared once as a {@link Setting} below; flags, YAML keys, Spark ML
 * params, run.json and the README's table derive from these declarations. The objective's own
 * settings ({@link Objectives#SETTINGS}) are part of the configuration too, and an objective may
 * change defaults (WGAN-GP's 5 critic steps and Adam (0.5, 0.9), say): {@link #defaultOf}.
 *
 * <p>Vocabulary: an <em>iteration</em> is one generator update; each iteration performs
 * {@link #getLocalSteps() L} discriminator steps (MD-GAN's L).
 */
public class GanConfig extends SettingValues {
    private static final long serialVersionUID = 2L;

    // Defaults suit the embedded 2-D mixtures (measured on grid25, docs/results.md); image presets set their own.
    public static final Setting<Long> SEED = Setting.wholeLong("seed", 1, "Seed of every random draw: the same seed, configuration and workers give the same run.");
    public static final Setting<Integer> ITERATIONS = Setting.integer("iterations", 5000, "Generator updates.").positive();
    public static final Setting<Integer> BATCH_SIZE = Setting.integer("batch-size", 256, "b: samples per batch (real and generated).").positive();
    public static final Setting<Integer> LOCAL_STEPS = Setting.integer("local-steps", 1, "L: discriminator steps per generator update.").positive();
    public static final Setting<Integer> LATENT_DIM = Setting.integer("latent-dim", 2, "Dimension of the latent codes.").positive();
    public static final Setting<NetworkSpec> GENERATOR = Setting.parsed("generator", NetworkSpec.class,
            NetworkSpec.mlp("relu", "identity", 128, 128, 128), "a network such as mlp:128,128:relu", NetworkSpec::parse,
            "Generator network: kind:w1,w2[:activation[:output-activation]], kind mlp or dcgan.");
    public static final Setting<NetworkSpec> DISCRIMINATOR = Setting.parsed("discriminator", NetworkSpec.class,
            NetworkSpec.mlp("leakyrelu", "identity", 128, 128, 128), "a network such as mlp:128,128:relu", NetworkSpec::parse,
            "Discriminator network: kind:w1,w2[:activation], kind mlp or dcgan.");
    public static final Setting<String> OBJECTIVE = Setting.text("objective", "hinge", "GAN objective: " + Objectives.NAMES_TEXT + ".")
            .check((n, v) -> Objectives.problem(v));
    public static final Setting<Integer> CLASSES = Setting.integer("classes", 0,
            "Classes a conditional objective (acgan) conditions on (0: from the data's labels).").nonNegative("taken from the data");
    public static final Setting<Double> GENERATOR_LR = Setting.number("generator-lr", 1e-3, "Generator Adam learning rate.").positive();
    public static final Setting<Double> DISCRIMINATOR_LR = Setting.number("discriminator-lr", 1e-3, "Discriminator Adam learning rate.").positive();
    public static final Setting<Double> BETA1 = Setting.number("beta1", 0.5, "Adam beta1 of both networks.").inRange(0, 1);
    public static final Setting<Double> BETA2 = Setting.number("beta2", 0.999, "Adam beta2 of both networks.").inRange(0, 1);
    public static final Setting<Integer> LOG_EVERY = Setting.integer("log-every", 10, "Iterations between rows of metrics.csv.").positive();
    public static final Setting<Integer> EVAL_EVERY = Setting.integer("eval-every", 500, "Iterations between evaluations.").positive();
    public static final Setting<Integer> EVAL_SAMPLES = Setting.integer("eval-samples", 2500, "Generated samples per evaluation.").positive();
    public static final Setting<Integer> CHECKPOINT_EVERY = Setting.integer("checkpoint-every", 1000, "Iterations between checkpoints.").positive();
    public static final Setting<Integer> KEEP_CHECKPOINTS = Setting.integer("keep-checkpoints", 3, "Checkpoints kept (older ones are deleted).").positive();

    /** The settings of this class, in declaration order, then the objectives' own. */
    public static final List<Setting<?>> SETTINGS = concat(List.of(SEED, ITERATIONS, BATCH_SIZE, LOCAL_STEPS, LATENT_DIM, GENERATOR, DISCRIMINATOR,
            OBJECTIVE, CLASSES, SpectralNorm.SETTING, io.sparkgan.core.nn.WeightNorm.SETTING, io.sparkgan.core.nn.GaussianNoise.INPUT, io.sparkgan.core.nn.GaussianNoise.HIDDEN, Stabilizers.SETTING, GENERATOR_LR, DISCRIMINATOR_LR, LearningRateDecay.SETTING, LearningRateDecay.START, ParameterEma.SETTING, BETA1, BETA2, LOG_EVERY, EVAL_EVERY, EVAL_SAMPLES, CHECKPOINT_EVERY,
            KEEP_CHECKPOINTS), Objectives.SETTINGS, Stabilizers.SETTINGS, AdversarialAutoencoder.SETTINGS,
            io.sparkgan.core.info.InfoCodes.SETTINGS);

    @Override
    public List<Setting<?>> settings() {
        return SETTINGS;
    }

    /**
     * Checks every setting, then that every stabilizer applies to the objective (label smoothing
     * needs a logistic real term, say), before any data is read: the class count does not change
     * that, so a conditional objective is built with at least 2 classes here.
     */
    @Override
    public void validate() {
        super.validate();
        String aae = AdversarialAutoencoder.problem(this);
        if (aae != null) {
            throw new IllegalArgumentException(aae);
        }
        if (get(SpectralNorm.SETTING) && get(io.sparkgan.core.nn.WeightNorm.SETTING)) {
            throw new IllegalArgumentException("spectral-norm and weight-norm both reparameterise D's weights; expected one of them");
        }
        String schedule = LearningRateDecay.problem(get(LearningRateDecay.SETTING), get(LearningRateDecay.START), getIterations());
        if (schedule != null) {
            throw new IllegalArgumentException(schedule);
        }
        String info = io.sparkgan.core.info.InfoCodes.problem(this, getBatchSize());
        if (info != null) {
            throw new IllegalArgumentException(info);
        }
        if (io.sparkgan.core.info.InfoCodes.on(this)) {
            if (AdversarialAutoencoder.on(this)) {
                throw new IllegalArgumentException("InfoGAN codes do not combine with autoencoder " + get(AdversarialAutoencoder.AUTOENCODER)
                        + " (its decoder draws from the code prior); expected info-categorical empty and info-continuous 0");
            }
            if (Stabilizers.of(this).stream().anyMatch(s -> s instanceof io.sparkgan.core.stabilizer.VirtualBatchNorm)) {
                throw new IllegalArgumentException("InfoGAN codes do not combine with stabilizer virtual-batch-norm (its reference batch has no codes); "
                        + "expected info-categorical empty and info-continuous 0, or another stabilizer");
            }
        }
        io.sparkgan.core.objective.Objective objective = Stabilizers.apply(Stabilizers.of(this), Objectives.byName(getObjective(), Math.max(2, getClasses()), this));
        if ((get(io.sparkgan.core.nn.GaussianNoise.INPUT) > 0 || get(io.sparkgan.core.nn.GaussianNoise.HIDDEN) > 0) && !objective.regularizers().isEmpty()) {
            // The penalty's second-order term differentiates D twice at nearby points: each pass would draw other noise.
            throw new IllegalArgumentException("discriminator noise does not combine with objective " + getObjective()
                    + " (its gradient penalty differentiates D through several passes); expected discriminator-input-noise and discriminator-hidden-noise 0");
        }
    }

    /**
     * Declared defaults, except where the chosen objective recommends its own (see
     * {@link Objectives#defaults}), and no moving average of an adversarial autoencoder's decoder.
     */
    @Override
    protected <T> T defaultOf(Setting<T> s) {
        if (s.equals(OBJECTIVE)) {
            return s.defaultValue();
        }
        if (s.equals(ParameterEma.SETTING) && AdversarialAutoencoder.on(this)) {
            // An averaged decoder no longer fits the encoder's codes (measured: reconstruction error 8.6 instead of 0.08 on grid25).
            return s.type().cast(0.0);
        }
        Object v = Objectives.defaults(get(OBJECTIVE)).get(s);
        return v != null ? s.type().cast(v) : s.defaultValue();
    }

    /** {@code a} then {@code b}, as one unmodifiable list (for subclasses adding their settings). */
    @SafeVarargs
    protected static List<Setting<?>> concat(List<Setting<?>>... lists) {
        List<Setting<?>> all = new ArrayList<>();
        for (List<Setting<?>> l : lists) {
            all.addAll(l);
        }
        return List.copyOf(all);
    }

    public long getSeed() { return get(SEED); }
    public GanConfig setSeed(long v) { set(SEED, v); return this; }
    public int getIterations() { return get(ITERATIONS); }
    public GanConfig setIterations(int v) { set(ITERATIONS, v); return this; }
    public int getBatchSize() { return get(BATCH_SIZE); }
    public GanConfig setBatchSize(int v) { set(BATCH_SIZE, v); return this; }
    public int getLocalSteps() { return get(LOCAL_STEPS); }
    public GanConfig setLocalSteps(int v) { set(LOCAL_STEPS, v); return this; }
    public int getLatentDim() { return get(LATENT_DIM); }
    public GanConfig setLatentDim(int v) { set(LATENT_DIM, v); return this; }
    public NetworkSpec getGenerator() { return get(GENERATOR); }
    public GanConfig setGenerator(NetworkSpec v) { set(GENERATOR, v); return this; }
    public NetworkSpec getDiscriminator() { return get(DISCRIMINATOR); }
    public GanConfig setDiscriminator(NetworkSpec v) { set(DISCRIMINATOR, v); return this; }
    public String getObjective() { return get(OBJECTIVE); }
    public GanConfig setObjective(String v) { set(OBJECTIVE, v); return this; }
    public int getClasses() { return get(CLASSES); }
    public GanConfig setClasses(int v) { set(CLASSES, v); return this; }
    public double getGeneratorLr() { return get(GENERATOR_LR); }
    public GanConfig setGeneratorLr(double v) { set(GENERATOR_LR, v); return this; }
    public double getDiscriminatorLr() { return get(DISCRIMINATOR_LR); }
    public GanConfig setDiscriminatorLr(double v) { set(DISCRIMINATOR_LR, v); return this; }
    public double getBeta1() { return get(BETA1); }
    public GanConfig setBeta1(double v) { set(BETA1, v); return this; }
    public double getBeta2() { return get(BETA2); }
    public GanConfig setBeta2(double v) { set(BETA2, v); return this; }
    public int getLogEvery() { return get(LOG_EVERY); }
    public GanConfig setLogEvery(int v) { set(LOG_EVERY, v); return this; }
    public int getEvalEvery() { return get(EVAL_EVERY); }
    public GanConfig setEvalEvery(int v) { set(EVAL_EVERY, v); return this; }
    public int getEvalSamples() { return get(EVAL_SAMPLES); }
    public GanConfig setEvalSamples(int v) { set(EVAL_SAMPLES, v); return this; }
    public int getCheckpointEvery() { return get(CHECKPOINT_EVERY); }
    public GanConfig setCheckpointEvery(int v) { set(CHECKPOINT_EVERY, v); return this; }
    public int getKeepCheckpoints() { return get(KEEP_CHECKPOINTS); }
    public GanConfig setKeepCheckpoints(int v) { set(KEEP_CHECKPOINTS, v); return this; }
}
