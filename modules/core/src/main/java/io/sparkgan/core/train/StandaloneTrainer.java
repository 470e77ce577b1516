package io.sparkgan.core.train;

import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.checkpoint.NetworkShape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A GAN trained in one JVM, built from exactly the three operations MD-GAN splits between driver and
 * workers (Hardy et al., IPDPS 2019, Algorithm 1 with N = 1 and k = 1): the generator makes one batch
 * X = G(z); the discriminator takes L steps on (real batch, X); the discriminator's feedback on X is
 * backpropagated through the generator. This makes it the reference the distributed strategies are
 * checked against, step for step.
 */
public final class StandaloneTrainer {
    static final String STATE = "state.json";

    private final GanConfig config;
    private final DataType dtype;
    private final Evaluator evaluator;
    private final CheckpointStore checkpoints;
    private Generator generator;
    private Discriminator discriminator;
    private final BatchSampler sampler;
    private GanRandom latentRng;
    private int iteration;
    private double wallBefore;

    /**
     * @param data the training samples, one row each (the union of all shards)
     * @param evaluator scores generated samples at evaluation points; may be null
     * @param checkpoints where checkpoints go; may be null (no checkpoints)
     */
    public StandaloneTrainer(GanConfig config, float[][] data, DataType dtype, Evaluator evaluator, CheckpointStore checkpoints) {
        this(config, data, null, dtype, evaluator, checkpoints);
    }

    /** @param labels one class per sample (null for unlabelled data); a conditional objective needs them */
    public StandaloneTrainer(GanConfig config, float[][] data, int[] labels, DataType dtype, Evaluator evaluator, CheckpointStore checkpoints) {
        config.validate();
        this.config = config;
        this.dtype = dtype;
        this.evaluator = evaluator;
        this.checkpoints = checkpoints;
        int dim = data[0].length;
        this.generator = Gan.generator(config, dim, dtype);
        this.discriminator = Gan.discriminator(config, dim, 0, dtype);
        this.sampler = new BatchSampler(data, labels, GanRandom.stream(config.getSeed(), "worker", 0));
        this.latentRng = GanRandom.stream(config.getSeed(), "latent", 0);
    }

    public Generator generator() {
        return generator;
    }

    public Discriminator discriminator() {
        return discriminator;
    }

    public int iteration() {
        return iteration;
    }

    /** One generator update (with its L discriminator steps); returns {d loss, g loss}. */
    public double[] iterate() {
        double[] losses = LocalIteration.run(generator, discriminator, sampler, latentRng, config.getBatchSize(), config.getLocalSteps(), dtype);
        iteration++;
        return losses;
    }

    /**
     * Trains until {@code config.iterations}, logging, evaluating and checkpointing on the way.
     *
     * @return the metrics of the final evaluation (empty without an evaluator)
     */
    public Map<String, Double> train(TrainingListener listener) {
        return train(listener, Traffic.NONE);
    }

    /** As {@link #train(TrainingListener)}, reporting {@code traffic} (e.g. the initial data transfer) in every row. */
    public Map<String, Double> train(TrainingListener listener, Traffic traffic) {
        Cadence cadence = new Cadence(config, listener, wallBefore);
        listener.onStart(iteration, config.getIterations());
        while (iteration < config.getIterations()) {
            double[] losses = iterate();
            cadence.after(iteration - 1, iteration, losses[0], losses[1], traffic, evaluator == null ? null : this::evaluate);
            if (checkpoints != null && cadence.checkpointDue(iteration - 1, iteration)) {
                saveCheckpoint(cadence.wallSeconds());
            }
        }
        listener.onEnd();
        return cadence.lastMetrics();
    }

    /** Scores {@code evalSamples} fresh samples drawn from a stream of their own (training draws are unaffected). */
    public Map<String, Double> evaluate() {
        return evaluator.score(generator, config, iteration);
    }

    private void saveCheckpoint(double wallSeconds) {
        Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
        parts.put(ModelParts.GENERATOR, ModelParts.network(generator.network()));
        parts.put(ModelParts.DISCRIMINATOR, ModelParts.network(discriminator.network()));
        parts.put(STATE, ModelParts.json(new State(iteration, wallSeconds, latentRng.state(), sampler.state())));
        checkpoints.save(iteration, parts);
        checkpoints.prune(config.getKeepCheckpoints());
    }

    /** {@link #resume(Consumer)} reporting skipped checkpoints on standard error. */
    public Optional<Integer> resume() {
        return resume(System.err::println);
    }

    /**
     * Restores the newest readable checkpoint, if there is one: networks with optimizer state, RNG
     * streams, the sampler's position and the iteration count, so the run continues as if never
     * stopped. A damaged checkpoint is skipped for the previous one and reported through {@code warn}
     * ({@link CheckpointStore#latestValid}).
     *
     * @return the iteration resumed from
     * @throws IllegalStateException when checkpoints exist but none can be read
     * @throws IllegalArgumentException when the checkpoint's networks are not the ones this
     *     configuration builds (another width, data dimension or objective), naming it and the difference
     */
    public Optional<Integer> resume(Consumer<String> warn) {
        if (checkpoints == null) {
            return Optional.empty();
        }
        Optional<CheckpointStore.Loaded<Restored>> found = checkpoints.latestValid(Integer.MAX_VALUE, parts -> new Restored(
                network(parts, ModelParts.GENERATOR), network(parts, ModelParts.DISCRIMINATOR),
                ModelParts.json(parts, STATE, State.class)), warn);
        found.ifPresent(l -> {
            Restored r = l.value();
            Optional<String> wrong = NetworkShape.mismatch("generator", generator.network(), r.generator())
                    .or(() -> NetworkShape.mismatch("discriminator", discriminator.network(), r.discriminator())
                            .map(m -> m + " (objective " + config.getObjective() + ")"));
            if (wrong.isPresent()) {
                throw new IllegalArgumentException("checkpoint " + l.uri() + " does not belong to this configuration: " + wrong.get());
            }
            State s = r.state();
            try {
                sampler.restore(s.sampler());
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException("checkpoint " + l.uri() + " does not belong to this data: " + e.getMessage(), e);
            }
            generator = Gan.generator(config, r.generator());
            discriminator = new Discriminator(r.discriminator(), Gan.objective(config));
            iteration = s.iteration();
            wallBefore = s.wallSeconds();
            latentRng = GanRandom.fromState(s.latentRng());
        });
        return found.map(CheckpointStore.Loaded::iteration);
    }

    /** DL4J's reader names no file when a zip holds no model; the report of a skipped checkpoint should. */
    private static MultiLayerNetwork network(Map<String, byte[]> parts, String name) {
        try {
            return ModelParts.network(parts, name);
        } catch (RuntimeException e) {
            if (e.getMessage() != null && e.getMessage().contains(name)) {
                throw e;
            }
            throw new IllegalStateException("cannot read network " + name + " from checkpoint: " + e.getMessage(), e);
        }
    }

    /** A checkpoint's contents, read in full before any of it replaces the trainer's state. */
    private record Restored(MultiLayerNetwork generator, MultiLayerNetwork discriminator, State state) {}

    /** What a checkpoint holds besides the networks. */
    public record State(int iteration, double wallSeconds, GanRandom.State latentRng, BatchSampler.State sampler) {}
}
