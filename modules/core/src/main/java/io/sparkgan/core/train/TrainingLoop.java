package io.sparkgan.core.train;

import io.sparkgan.core.GanConfig;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one training loop every strategy runs: resume from the newest readable checkpoint, steps of
 * one or more generator updates, logging and evaluation on the shared {@link Cadence}, checkpoints,
 * divergence checks and clean stops. A strategy supplies only its {@link Step}: what one step
 * does, what its checkpoint holds and how to restore it. That keeps resume, cadence and
 * checkpointing in a single place, so the strategies' metrics files line up row for row and a
 * resumed run of any strategy ends exactly where an uninterrupted one does.
 */
public final class TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
    /** The loop's own part of every checkpoint: where the run stood. */
    public static final String PROGRESS = "progress.json";

    private final GanConfig config;
    private final Evaluator evaluator;
    private final TrainingListener listener;
    private final CheckpointStore store;

    /**
     * @param evaluator scores the generator at evaluation points (may be null)
     * @param store where checkpoints go (may be null: none, and a run cannot be resumed)
     */
    public TrainingLoop(GanConfig config, Evaluator evaluator, TrainingListener listener, CheckpointStore store) {
        this.config = config;
        this.evaluator = evaluator;
        this.listener = listener;
        this.store = store;
    }

    /** Throws a {@link CheckpointMismatchException} when a restored network's shape is not the one this configuration builds. */
    public static void checkShape(String role, org.deeplearning4j.nn.multilayer.MultiLayerNetwork expected,
            org.deeplearning4j.nn.multilayer.MultiLayerNetwork found, String objective) {
        java.util.Optional<String> wrong = io.sparkgan.core.checkpoint.NetworkShape.mismatch(role, expected, found);
        if (wrong.isPresent()) {
            throw new CheckpointMismatchException("configuration", wrong.get() + (objective == null ? "" : " (objective " + objective + ")"));
        }
    }

    /** Where a run stood at a checkpoint: what the loop itself keeps across a resume. */
    public record Progress(int iteration, double wallSeconds, Traffic traffic, int restores, long lostIterations, Cadence.Window window) {
        public Progress {
            window = window == null ? Cadence.Window.EMPTY : window;
        }
    }

    /**
     * What one step did.
     *
     * @param restores workers that found no (or stale) state and restored it from a checkpoint
     * @param lostIterations discriminator iterations those restores lost (a restore from an older checkpoint)
     * @param workerSeconds summed time workers spent in GAN computation
     * @param driverSeconds time the driver spent in GAN computation
     */
    public record Outcome(double dLoss, double gLoss, long bytesToWorkers, long bytesFromWorkers, long bytesBetweenWorkers,
            int restores, long lostIterations, double workerSeconds, double driverSeconds) {
        /** A step done in this JVM. */
        public static Outcome local(double dLoss, double gLoss, double seconds) {
            return new Outcome(dLoss, gLoss, 0, 0, 0, 0, 0, 0, seconds);
        }

        /** This step's work plus {@code more} (e.g. a swap after it); losses stay this step's. */
        public Outcome plus(Outcome more) {
            return more == null ? this : new Outcome(dLoss, gLoss, bytesToWorkers + more.bytesToWorkers, bytesFromWorkers + more.bytesFromWorkers,
                    bytesBetweenWorkers + more.bytesBetweenWorkers, restores + more.restores, lostIterations + more.lostIterations,
                    workerSeconds + more.workerSeconds, driverSeconds + more.driverSeconds);
        }
    }

    /** What a strategy does; the loop calls it in this order: {@link #restore} or nothing, {@link #start}, then steps. */
    public interface Step {
        /** The generator being trained (evaluated at evaluation points). */
        Generator generator();

        /** Before the first step: {@code resumed} says whether {@link #restore} ran (a fresh run initialises its workers). */
        default void start(boolean resumed) {}

        /** The iteration a step starting at {@code from} reaches (one generator update by default; FL-GAN: a round). */
        default int end(int from) {
            return from + 1;
        }

        /** Whether the state after a step ending at {@code to} must be checkpointed whatever the cadence (MD-GAN: after a swap). */
        default boolean forcesCheckpoint(int to) {
            return false;
        }

        /**
         * Takes the run from {@code from} to {@code to}.
         *
         * @param checkpoint whether the loop checkpoints the driver after this step; workers checkpoint their state at {@code to} too
         */
        Outcome run(int from, int to, boolean checkpoint);

        /**
         * Discriminator 0 as it stands after the last step, for an evaluator that
         * {@linkplain Evaluator#readsDiscriminator reads one} (a copy fetched from its worker under
         * MD-GAN); null when the strategy has none at hand.
         */
        default io.sparkgan.core.Discriminator evaluationDiscriminator() {
            return null;
        }

        /** Work after a step and before its checkpoint and evaluation (MD-GAN's swaps); null when there is none. */
        default Outcome after(int to, boolean checkpoint) {
            return null;
        }

        /** Makes every worker checkpoint its state at {@code iteration} outside the cadence (a stop request). */
        default void checkpointWorkers(int iteration) {}

        /** The driver's checkpoint parts. */
        Map<String, CheckpointStore.PartWriter> checkpoint();

        /** Restores the driver from a checkpoint's parts; throws if they are unreadable or do not fit this run. */
        void restore(Map<String, byte[]> parts);

        /** After the last step of a run that ended normally (e.g. ends a session cleanly); {@link #close} follows. */
        default void finish() {}

        /** Releases what the step holds (worker state, sessions), whether training ended or failed. */
        default void close() {}
    }

    /** The outcome of a run; its generator is the one to export (the {@linkplain Generator#averaged moving average}, when the run keeps one). */
    public record Result(Generator generator, int iteration, Map<String, Double> metrics, Traffic traffic, double wallSeconds, int restores,
            long lostIterations, double workerSeconds, double driverSeconds) {}

    /**
     * Trains {@code step} up to the configured iterations.
     *
     * @param resume continue from the newest readable checkpoint, if there is one
     * @param initial traffic before training (e.g. the data sent to the driver once)
     */
    public Result run(Step step, boolean resume, Traffic initial) {
        Optional<Progress> restored = resume && store != null ? restore(store, step, listener::onWarning).map(CheckpointStore.Loaded::value) : Optional.empty();
        return run(step, restored.orElse(start(initial)), restored.isPresent());
    }

    /** Where a fresh run starts: iteration 0, with {@code initial} traffic already counted. */
    public static Progress start(Traffic initial) {
        return new Progress(0, 0, initial, 0, 0, Cadence.Window.EMPTY);
    }

    /**
     * Restores {@code step} from the newest checkpoint in {@code store} that reads back whole; a
     * damaged one is skipped for the one before it, reported through {@code warn} (a disk error or a
     * copy cut short can leave one although checkpoints are written under a temporary name and
     * renamed). A readable checkpoint of another run is not skipped: it stops the resume.
     *
     * @throws IllegalStateException when checkpoints exist but none can be read
     * @throws CheckpointMismatchException naming the checkpoint, when it belongs to another configuration or data
     */
    public static Optional<CheckpointStore.Loaded<Progress>> restore(CheckpointStore store, Step step, java.util.function.Consumer<String> warn) {
        CheckpointMismatchException[] mismatch = new CheckpointMismatchException[1];
        Optional<CheckpointStore.Loaded<Progress>> found = store.latestValid(Integer.MAX_VALUE, parts -> {
            Progress p = ModelParts.json(parts, PROGRESS, Progress.class);
            try {
                step.restore(parts);
            } catch (CheckpointMismatchException e) {
                mismatch[0] = e; // readable, so not to be skipped: reported below with the checkpoint's name
            }
            return p;
        }, warn);
        if (mismatch[0] != null) {
            throw new CheckpointMismatchException(mismatch[0].of(), mismatch[0].detail(), found.get().uri());
        }
        return found;
    }

    /**
     * Trains {@code step} from {@code at} up to the configured iterations.
     *
     * @param resumed whether {@code step} was restored from a checkpoint (a fresh run initialises its workers)
     */
    public Result run(Step step, Progress at, boolean resumed) {
        int iteration = at.iteration();
        Traffic traffic = at.traffic();
        int restores = at.restores();
        long lost = at.lostIterations();
        double workerSeconds = 0;
        double driverSeconds = 0;
        int lastCheckpoint = resumed ? iteration : -1;
        Cadence cadence = new Cadence(config, listener, at.wallSeconds(), at.window());
        StopSignal.looping(true);
        try {
            step.start(resumed);
            listener.onStart(iteration, config.getIterations());
            while (iteration < config.getIterations()) {
                int from = iteration;
                int to = Math.min(config.getIterations(), step.end(from));
                boolean checkpoint = store != null && (cadence.checkpointDue(from, to) || step.forcesCheckpoint(to));
                Outcome o = step.run(from, to, checkpoint).plus(step.after(to, checkpoint));
                DivergenceException.check(o.dLoss(), to, "the discriminator loss");
                DivergenceException.check(o.gLoss(), to, "the generator loss");
                traffic = traffic.plus(o.bytesToWorkers(), o.bytesFromWorkers(), o.bytesBetweenWorkers());
                restores += o.restores();
                lost += o.lostIterations();
                workerSeconds += o.workerSeconds();
                driverSeconds += o.driverSeconds();
                iteration = to;
                cadence.after(from, to, o.dLoss(), o.gLoss(), traffic, restores, lost,
                        evaluator == null ? null : () -> evaluate(step, to));
                if (checkpoint) {
                    save(step, new Progress(iteration, cadence.wallSeconds(), traffic, restores, lost, cadence.window()));
                    lastCheckpoint = iteration;
                }
                if (StopSignal.requested() && iteration < config.getIterations()) {
                    if (store != null && lastCheckpoint != iteration) {
                        step.checkpointWorkers(iteration);
                        save(step, new Progress(iteration, cadence.wallSeconds(), traffic, restores, lost, cadence.window()));
                        lastCheckpoint = iteration;
                    }
                    throw new RunInterruptedException(iteration, store == null ? -1 : lastCheckpoint);
                }
            }
            step.finish();
            listener.onEnd();
        } finally {
            StopSignal.looping(false);
            step.close();
        }
        return new Result(step.generator().averaged(), iteration, cadence.lastMetrics(), traffic, cadence.wallSeconds(), restores, lost,
                workerSeconds, driverSeconds);
    }

    private void save(Step step, Progress progress) {
        Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>(step.checkpoint());
        parts.put(PROGRESS, ModelParts.json(progress));
        store.save(progress.iteration(), parts);
        store.prune(config.getKeepCheckpoints());
    }

    /** The evaluation at iteration {@code to}: the generator's samples, then discriminator 0 if the evaluator reads one. */
    private Map<String, Double> evaluate(Step step, int to) {
        Map<String, Double> m = evaluator.score(step.generator().averaged(), config, to);
        if (evaluator.readsDiscriminator()) {
            io.sparkgan.core.Discriminator d = step.evaluationDiscriminator();
            if (d != null) {
                m = new java.util.LinkedHashMap<>(m);
                m.putAll(evaluator.scoreDiscriminator(d, config, to));
            }
        }
        return m;
    }
}
