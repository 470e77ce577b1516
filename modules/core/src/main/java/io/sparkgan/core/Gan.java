package io.sparkgan.core;

import io.sparkgan.core.aae.AdversarialAutoencoder;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.nn.LearningRateDecay;
import io.sparkgan.core.nn.Networks;
import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.nn.SpectralNorm;
import io.sparkgan.core.objective.Objective;
import io.sparkgan.core.objective.Objectives;
import io.sparkgan.core.stabilizer.Stabilizer;
import io.sparkgan.core.stabilizer.Stabilizers;
import io.sparkgan.core.stabilizer.VirtualBatchNorm;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Builds the generator and discriminators of a run from its {@link GanConfig}. Initial weights come
 * from seeds derived from the run seed: the generator from stream "generator", discriminator
 * {@code n} from stream ("discriminator", n), so a strategy with N workers and a standalone run
 * agree on worker 0's discriminator. An adversarial autoencoder's decoder is built here as the
 * generator, sampling from its prior ({@link AdversarialAutoencoder#prior}).
 */
public final class Gan {
    private Gan() {}

    /**
     * The generator; a conditional objective makes it conditional, its input being the latent code
     * followed by a one-hot class ({@link Generator#latent}).
     */
    public static Generator generator(GanConfig c, int dataDim, DataType dtype) {
        return generator(c, dataDim, dtype, true);
    }

    /**
     * As {@link #generator(GanConfig, int, DataType)}; {@code average} false leaves out the
     * {@linkplain ParameterEma moving average} (FL-GAN's workers: their driver keeps it).
     */
    public static Generator generator(GanConfig c, int dataDim, DataType dtype, boolean average) {
        int classes = objective(c).classes();
        // A stabilizer may ask for batch normalisation in G (virtual batch normalisation needs layers to act on).
        boolean batchNorm = Stabilizers.of(c).stream().anyMatch(Stabilizer::generatorBatchNorm);
        io.sparkgan.core.info.InfoCodes info = io.sparkgan.core.info.InfoCodes.of(c);
        int infoWidth = info == null ? 0 : info.inputWidth();
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = Networks.generator(c.getGenerator(), c.getLatentDim() + classes + infoWidth, dataDim,
                adam(c.getGeneratorLr(), c), GanRandom.derive(c.getSeed(), "generator", 0), dtype, batchNorm);
        attachToGenerator(c, net);
        return new Generator(net, c.getLatentDim(), classes, generatorDecay(c), average ? ParameterEma.start(net, c.get(ParameterEma.SETTING)) : null)
                .withPrior(AdversarialAutoencoder.prior(c)).withInfo(info);
    }

    /** The checkpoint part of the generator's moving average. */
    public static final String GENERATOR_AVERAGE = ModelParts.GENERATOR + ".average";
    private static final String AVERAGE = "params";

    /** Checkpoint parts of generator {@code g}: its network and, if it keeps one, its moving average. */
    public static void putGenerator(Map<String, io.sparkgan.core.checkpoint.CheckpointStore.PartWriter> parts, Generator g) {
        ModelParts.putNetwork(parts, ModelParts.GENERATOR, g.network());
        if (g.ema() != null) {
            ModelParts.putArrays(parts, GENERATOR_AVERAGE, Map.of(AVERAGE, g.ema().average()));
        }
    }

    /**
     * The generator of a checkpoint, to train on: network {@code net}, read from {@code parts}, with
     * its {@linkplain ParameterEma moving average} (when configured) restored from them.
     *
     * @throws IllegalStateException when the configuration keeps an average the checkpoint lacks
     */
    public static Generator restoredGenerator(GanConfig c, org.deeplearning4j.nn.multilayer.MultiLayerNetwork net, Map<String, byte[]> parts) {
        attachToGenerator(c, net);
        ModelParts.restoreExtras(parts, ModelParts.GENERATOR, net);
        ParameterEma ema = ParameterEma.start(net, c.get(ParameterEma.SETTING));
        if (ema != null) {
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> saved = ModelParts.arrays(parts, GENERATOR_AVERAGE);
            if (saved == null || !saved.containsKey(AVERAGE)) {
                throw new IllegalStateException("checkpoint has no part '" + GENERATOR_AVERAGE + "' for the generator's moving average (generator-ema "
                        + c.get(ParameterEma.SETTING) + ")");
            }
            ema.restore(saved.get(AVERAGE), "checkpoint part " + GENERATOR_AVERAGE);
        }
        return new Generator(net, c.getLatentDim(), classesOf(c, net), generatorDecay(c), ema).withPrior(AdversarialAutoencoder.prior(c))
                .withInfo(io.sparkgan.core.info.InfoCodes.of(c));
    }

    /**
     * A generator of this configuration around restored network {@code net}. A conditional
     * generator's class count is read off the network's input width (latent + classes), so a
     * configuration that left {@code classes} to the data (0) still restores. Used as it is: an
     * exported generator (already the average, if any) or one {@link #restoredGenerator} set up.
     */
    public static Generator generator(GanConfig c, org.deeplearning4j.nn.multilayer.MultiLayerNetwork net) {
        return new Generator(net, c.getLatentDim(), classesOf(c, net), generatorDecay(c)).withPrior(AdversarialAutoencoder.prior(c))
                .withInfo(io.sparkgan.core.info.InfoCodes.of(c));
    }

    /**
     * An exported generator: network {@code net} with the {@linkplain Generator#samplingState sampling
     * state} exported beside it (virtual batch normalisation's reference batch), so it samples
     * exactly as the trained generator did.
     *
     * @throws IllegalStateException when the configuration uses virtual batch normalisation and the
     *     export carries no reference batch
     */
    public static Generator exportedGenerator(GanConfig c, org.deeplearning4j.nn.multilayer.MultiLayerNetwork net,
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> samplingState) {
        org.nd4j.linalg.api.ndarray.INDArray reference = samplingState == null ? null : samplingState.get(VirtualBatchNorm.REFERENCE_STATE);
        if (reference != null) {
            VirtualBatchNorm.attachReference(net, reference);
        } else if (Stabilizers.of(c).stream().anyMatch(s -> s instanceof VirtualBatchNorm)) {
            throw new IllegalStateException("the exported generator has no reference batch ('" + VirtualBatchNorm.REFERENCE_STATE
                    + "') for virtual-batch-norm");
        }
        return generator(c, net);
    }

    /** The classes restored generator {@code net} is conditioned on: its input width less the latent code's and InfoGAN codes'. */
    private static int classesOf(GanConfig c, org.deeplearning4j.nn.multilayer.MultiLayerNetwork net) {
        if (!Objectives.conditional(c.getObjective())) {
            return 0;
        }
        long in = ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) net.getLayerWiseConfigurations().getConf(0).getLayer()).getNIn();
        io.sparkgan.core.info.InfoCodes info = io.sparkgan.core.info.InfoCodes.of(c);
        return (int) in - c.getLatentDim() - (info == null ? 0 : info.inputWidth());
    }

    /** The run's objective, with the class count of its configuration and the run's stabilizers applied. */
    public static Objective objective(GanConfig c) {
        // InfoGAN's terms come last: they add outputs after whatever the stabilized objective reads.
        return io.sparkgan.core.info.InfoGan.apply(Stabilizers.apply(Stabilizers.of(c), Objectives.byName(c.getObjective(), c.getClasses(), c)), c);
    }

    /** Attaches the state the run's stabilizers keep on a generator (a restore then overwrites it). */
    public static void attachToGenerator(GanConfig c, org.deeplearning4j.nn.multilayer.MultiLayerNetwork net) {
        for (Stabilizer s : Stabilizers.of(c)) {
            s.attachToGenerator(net);
        }
    }

    /** Discriminator {@code worker}'s initial network, from its own seed. */
    public static Discriminator discriminator(GanConfig c, int dataDim, int worker, DataType dtype) {
        Objective objective = objective(c);
        org.deeplearning4j.nn.conf.layers.Layer extra = Stabilizers.of(c).stream().map(Stabilizer::discriminatorLayerBeforeOutput)
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
        return discriminator(c, Networks.discriminator(c.getDiscriminator(), dataDim, objective.discriminatorOutputs(dataDim),
                adam(c.getDiscriminatorLr(), c), GanRandom.derive(c.getSeed(), "discriminator", worker), dtype, extra), worker);
    }

    /**
     * The discriminator of worker {@code worker} around network {@code net} (a restored one, say). The
     * regularizers' draws are seeded by the run seed and the worker, and vary with the network's
     * update count, so a resumed run draws what an uninterrupted one would. With
     * {@link SpectralNorm#SETTING} the network is spectrally normalised, its u vectors drawn from the
     * run seed and the worker; a restore then overwrites them with the checkpointed ones
     * ({@link io.sparkgan.core.checkpoint.ModelParts#restoreExtras}).
     */
    public static Discriminator discriminator(GanConfig c, org.deeplearning4j.nn.multilayer.MultiLayerNetwork net, int worker) {
        if (c.get(SpectralNorm.SETTING)) {
            SpectralNorm.attach(net, GanRandom.derive(c.getSeed(), "spectral-norm", worker));
        }
        if (c.get(io.sparkgan.core.nn.WeightNorm.SETTING)) {
            // The scales start at the weights' norms; a restore then overwrites them with the checkpointed ones.
            io.sparkgan.core.nn.WeightNorm.attach(net);
        }
        io.sparkgan.core.nn.GaussianNoise.attach(net, c.get(io.sparkgan.core.nn.GaussianNoise.INPUT), c.get(io.sparkgan.core.nn.GaussianNoise.HIDDEN),
                GanRandom.derive(c.getSeed(), "noise", worker), true);
        attachToDiscriminator(c, net);
        return new Discriminator(net, objective(c), GanRandom.derive(c.getSeed(), "regularizers", worker), discriminatorDecay(c));
    }

    /**
     * The discriminator network checkpointed as part {@code name} ({@link ModelParts#putNetwork}), set
     * up as this configuration's (spectral normalisation attached) with its extra state restored:
     * what a reader of trained discriminators (refinement's energies) wraps in a {@link Discriminator}.
     */
    public static org.deeplearning4j.nn.multilayer.MultiLayerNetwork readDiscriminator(GanConfig c, Map<String, byte[]> parts, String name) {
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = ModelParts.network(parts, name);
        if (c.get(SpectralNorm.SETTING)) {
            SpectralNorm.attach(net, 0); // the checkpointed u vectors replace these
        }
        if (c.get(io.sparkgan.core.nn.WeightNorm.SETTING)) {
            io.sparkgan.core.nn.WeightNorm.attach(net); // the checkpointed scales replace these
        }
        // A reader of trained discriminators restores the noise's pass count but never draws noise.
        io.sparkgan.core.nn.GaussianNoise.attach(net, c.get(io.sparkgan.core.nn.GaussianNoise.INPUT), c.get(io.sparkgan.core.nn.GaussianNoise.HIDDEN), 0, false);
        attachToDiscriminator(c, net);
        ModelParts.restoreExtras(parts, name, net);
        return net;
    }

    /** Attaches the state the run's stabilizers keep on a discriminator (a restore then overwrites it). */
    private static void attachToDiscriminator(GanConfig c, org.deeplearning4j.nn.multilayer.MultiLayerNetwork net) {
        for (Stabilizer s : Stabilizers.of(c)) {
            s.attachToDiscriminator(net);
        }
    }

    /** The generator's learning rate over its planned updates, one per iteration; null for a constant rate. */
    public static LearningRateDecay generatorDecay(GanConfig c) {
        return LearningRateDecay.of(c.get(LearningRateDecay.SETTING), c.getGeneratorLr(), c.get(LearningRateDecay.START), c.getIterations());
    }

    /** A discriminator's learning rate over its planned updates, L per iteration under every strategy; null for a constant rate. */
    public static LearningRateDecay discriminatorDecay(GanConfig c) {
        return LearningRateDecay.of(c.get(LearningRateDecay.SETTING), c.getDiscriminatorLr(), (long) c.get(LearningRateDecay.START) * c.getLocalSteps(),
                (long) c.getIterations() * c.getLocalSteps());
    }

    private static IUpdater adam(double lr, GanConfig c) {
        return new Adam(lr, c.getBeta1(), c.getBeta2(), 1e-8);
    }
}
