package io.sparkgan.core.aae;

import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.train.CheckpointMismatchException;
import io.sparkgan.core.train.TrainingLoop;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The standalone adversarial autoencoder (Makhzani et al. 2015) as a {@link TrainingLoop.Step}: its
 * three networks in this JVM, each step one {@link AdversarialAutoencoder#iteration} on a batch of
 * the data. Its random streams are worker 0's ("worker" for the batches, "latent" for the prior
 * draws), as the standalone GAN's. The checkpoint holds the decoder as the generator (with its
 * moving average), the code discriminator as the discriminator, the encoder, the streams and the
 * sampler's position, so a resumed run continues bit for bit.
 */
public final class AaeStep implements TrainingLoop.Step {
    static final String STATE = "state.json";

    private final GanConfig config;
    private final DataType dtype;
    private final int dataDim;
    private final int classes;
    private AdversarialAutoencoder aae;
    private final BatchSampler sampler;
    private GanRandom priorRng;
    /** The reconstruction error of the last step, before its update. */
    private double lastReconstruction = Double.NaN;

    /** @param labels one class per sample (null for unlabelled data); labelled-mixture needs them */
    public AaeStep(GanConfig config, float[][] data, int[] labels, DataType dtype) {
        this(config, data, labels, dtype, 0, true);
    }

    /**
     * The local adversarial autoencoder of worker {@code worker} on its shard (FL-GAN's): the
     * networks start from the run's seeds as every worker's do, its batches and prior draws come
     * from the worker's own streams; worker 0's are the standalone run's.
     *
     * @param average whether the decoder keeps its moving average (FL-GAN's driver keeps it instead)
     */
    public AaeStep(GanConfig config, float[][] data, int[] labels, DataType dtype, int worker, boolean average) {
        config.validate();
        this.config = config;
        this.dtype = dtype;
        this.dataDim = data[0].length;
        this.classes = labels == null ? 0 : java.util.Arrays.stream(labels).max().orElse(-1) + 1;
        this.aae = AdversarialAutoencoder.create(config, dataDim, classes, dtype, average);
        this.sampler = new BatchSampler(data, labels, GanRandom.stream(config.getSeed(), "worker", worker));
        this.priorRng = GanRandom.stream(config.getSeed(), "latent", worker);
    }

    /** The networks FL-GAN averages, in message order: decoder, code discriminator, encoder. */
    public java.util.List<MultiLayerNetwork> networks() {
        return aae.networks();
    }

    /** The decoder, sampling from the prior: what evaluation scores. */
    @Override
    public Generator generator() {
        return aae.decoder();
    }

    public AdversarialAutoencoder autoencoder() {
        return aae;
    }

    /** The reconstruction error of the last step's batch, before its update (NaN before any step). */
    public double lastReconstruction() {
        return lastReconstruction;
    }

    @Override
    public TrainingLoop.Outcome run(int from, int to, boolean checkpoint) {
        long t0 = System.nanoTime();
        double[] l = aae.iteration(sampler.next(config.getBatchSize(), dtype), priorRng, config.getLocalSteps());
        lastReconstruction = l[2];
        return TrainingLoop.Outcome.local(l[0], l[1], (System.nanoTime() - t0) / 1e9);
    }

    @Override
    public Map<String, CheckpointStore.PartWriter> checkpoint() {
        Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
        aae.putNetworks(parts);
        aae.putOptimizerState(parts);
        parts.put(STATE, ModelParts.json(new State(priorRng.state(), sampler.state())));
        return parts;
    }

    @Override
    public void restore(Map<String, byte[]> parts) {
        State s = ModelParts.json(parts, STATE, State.class);
        AdversarialAutoencoder restored = aae.restored(config, parts, dataDim);
        restored.restoreOptimizerState(parts);
        try {
            sampler.restore(s.sampler());
        } catch (IllegalStateException e) {
            throw new CheckpointMismatchException("data", e.getMessage());
        }
        aae = restored;
        priorRng = GanRandom.fromState(s.priorRng());
    }

    /** What a checkpoint holds besides the networks and the loop's progress. */
    public record State(GanRandom.State priorRng, BatchSampler.State sampler) {}
}
