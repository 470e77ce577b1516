package io.sparkgan.core.train;

import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The standalone GAN as a {@link TrainingLoop.Step}: one generator and one discriminator in this
 * JVM, each step one {@link LocalIteration} (Hardy et al., IPDPS 2019, Algorithm 1 with N = 1 and
 * k = 1). Its random streams are worker 0's and generator 0's, so it is the reference the
 * distributed strategies are checked against step for step.
 */
public final class StandaloneStep implements TrainingLoop.Step {
    /** The checkpoint part holding the random streams and the sampler's position. */
    static final String STATE = "state.json";

    private final GanConfig config;
    private final DataType dtype;
    private Generator generator;
    private Discriminator discriminator;
    private final BatchSampler sampler;
    private GanRandom latentRng;

    /** @param labels one class per sample (null for unlabelled data); a conditional objective needs them */
    public StandaloneStep(GanConfig config, float[][] data, int[] labels, DataType dtype) {
        config.validate();
        this.config = config;
        this.dtype = dtype;
        int dim = data[0].length;
        this.generator = Gan.generator(config, dim, dtype);
        this.discriminator = Gan.discriminator(config, dim, 0, dtype);
        this.sampler = new BatchSampler(data, labels, GanRandom.stream(config.getSeed(), "worker", 0));
        this.latentRng = GanRandom.stream(config.getSeed(), "latent", 0);
    }

    @Override
    public Generator generator() {
        return generator;
    }

    public Discriminator discriminator() {
        return discriminator;
    }

    @Override
    public Discriminator evaluationDiscriminator() {
        return discriminator;
    }

    @Override
    public TrainingLoop.Outcome run(int from, int to, boolean checkpoint) {
        long t0 = System.nanoTime();
        double[] losses = LocalIteration.run(generator, discriminator, sampler, latentRng, config.getBatchSize(), config.getLocalSteps(), dtype, to);
        return TrainingLoop.Outcome.local(losses[0], losses[1], (System.nanoTime() - t0) / 1e9);
    }

    @Override
    public Map<String, CheckpointStore.PartWriter> checkpoint() {
        Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
        Gan.putGenerator(parts, generator);
        ModelParts.putNetwork(parts, ModelParts.DISCRIMINATOR, discriminator.network());
        parts.put(STATE, ModelParts.json(new State(latentRng.state(), sampler.state())));
        return parts;
    }

    @Override
    public void restore(Map<String, byte[]> parts) {
        MultiLayerNetwork gn = ModelParts.network(parts, ModelParts.GENERATOR);
        MultiLayerNetwork dn = ModelParts.network(parts, ModelParts.DISCRIMINATOR);
        State s = ModelParts.json(parts, STATE, State.class);
        TrainingLoop.checkShape("generator", generator.network(), gn, null);
        TrainingLoop.checkShape("discriminator", discriminator.network(), dn, config.getObjective());
        Generator g = Gan.restoredGenerator(config, gn, parts);
        Discriminator d = Gan.discriminator(config, dn, 0);
        ModelParts.restoreExtras(parts, ModelParts.DISCRIMINATOR, dn);
        try {
            sampler.restore(s.sampler());
        } catch (IllegalStateException e) {
            throw new CheckpointMismatchException("data", e.getMessage());
        }
        generator = g;
        discriminator = d;
        latentRng = GanRandom.fromState(s.latentRng());
    }

    /** What a checkpoint holds besides the networks and the loop's progress. */
    public record State(GanRandom.State latentRng, BatchSampler.State sampler) {}
}
