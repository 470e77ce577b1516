package io.sparkgan.core.train;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A GAN trained in one JVM, built from exactly the three operations MD-GAN splits between driver and
 * workers (Hardy et al., IPDPS 2019, Algorithm 1 with N = 1 and k = 1): the generator makes one batch
 * X = G(z); the discriminator takes L steps on (real batch, X); the discriminator's feedback on X is
 * backpropagated through the generator. This makes it the reference the distributed strategies are
 * checked against, step for step.
 *
 * <p>A convenience over {@link StandaloneStep} in the shared {@link TrainingLoop}: checkpoints,
 * resume and cadence are the loop's, as for every strategy.
 */
public final class StandaloneTrainer {
    private final GanConfig config;
    private final Evaluator evaluator;
    private final CheckpointStore checkpoints;
    private final StandaloneStep step;
    private TrainingLoop.Progress resumedAt;
    private int iteration;

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
        this.config = config;
        this.evaluator = evaluator;
        this.checkpoints = checkpoints;
        this.step = new StandaloneStep(config, data, labels, dtype);
    }

    public Generator generator() {
        return step.generator();
    }

    public Discriminator discriminator() {
        return step.discriminator();
    }

    public int iteration() {
        return iteration;
    }

    /** One generator update (with its L discriminator steps); returns {d loss, g loss}. */
    public double[] iterate() {
        TrainingLoop.Outcome o = step.run(iteration, iteration + 1, false);
        iteration++;
        return new double[] {o.dLoss(), o.gLoss()};
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
        TrainingLoop.Progress from = resumedAt != null ? resumedAt
                : new TrainingLoop.Progress(iteration, 0, traffic, 0, 0, Cadence.Window.EMPTY);
        TrainingLoop.Result r = new TrainingLoop(config, evaluator, listener, checkpoints).run(step, from, resumedAt != null);
        resumedAt = null;
        iteration = r.iteration();
        return r.metrics();
    }

    /**
     * Scores {@code evalSamples} fresh samples drawn from a stream of their own (training draws are
     * unaffected), from the generator's moving average when the run keeps one.
     */
    public Map<String, Double> evaluate() {
        return evaluator.score(generator().averaged(), config, iteration);
    }

    /** {@link #resume(Consumer)} reporting skipped checkpoints on standard error. */
    public Optional<Integer> resume() {
        return resume(System.err::println);
    }

    /**
     * Restores the newest readable checkpoint, if there is one: networks with optimizer state, RNG
     * streams, the sampler's position and the iteration count, so the run continues as if never
     * stopped ({@link TrainingLoop#restore}).
     *
     * @return the iteration resumed from
     * @throws IllegalStateException when checkpoints exist but none can be read
     * @throws CheckpointMismatchException when the checkpoint belongs to another configuration or data, naming it and the difference
     */
    public Optional<Integer> resume(Consumer<String> warn) {
        if (checkpoints == null) {
            return Optional.empty();
        }
        Optional<CheckpointStore.Loaded<TrainingLoop.Progress>> found = TrainingLoop.restore(checkpoints, step, warn);
        found.ifPresent(l -> {
            resumedAt = l.value();
            iteration = l.value().iteration();
        });
        return found.map(CheckpointStore.Loaded::iteration);
    }
}
