package io.sparkgan.cli;

import io.sparkgan.core.Gan;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.checkpoint.NetworkShape;
import io.sparkgan.core.nn.LearningRateDecay;
import io.sparkgan.core.objective.Objectives;
import io.sparkgan.core.run.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What {@code train --resume} checks before it continues a run: the configuration against the one
 * stored in run.json, and the checkpoint it will continue from against that configuration and the
 * data (after the data is read, before the evaluation classifier and the shards).
 */
final class Resume {
    private Resume() {}

    /** The configuration a run was started with (run.json's {@code config}). */
    static RunConfig stored(Path out) {
        return stored(out, "--resume");
    }

    /** @param flag the option that named the run, for messages */
    static RunConfig stored(Path out, String flag) {
        Path runJson = out.resolve(RunFolder.RUN_JSON);
        if (!Files.isRegularFile(runJson)) {
            throw new UsageException(flag + ": '" + out + "' holds no run (no run.json); expected a folder written by 'sparkgan train'");
        }
        Object config;
        try {
            config = new RunFolder(out).readJsonMap(RunFolder.RUN_JSON).get("config");
            if (!(config instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("it has no 'config' object");
            }
            // A setting declared after the run was stored reads as what its absence meant then.
            RunConfig c = new RunConfig();
            c.fromStored(m);
            return c;
        } catch (RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            throw new UsageException(flag + ": " + runJson + " cannot be read (" + m.lines().findFirst().orElse(m) + "); expected the run.json of a sparkgan run");
        }
    }

    /**
     * The settings a resumed run may change: its length, and the learning-rate schedule of the updates
     * it has not made yet ({@link LearningRateDecay}: a decay starting at the checkpoint equals a run
     * that had it from the start).
     */
    static final java.util.Set<String> CHANGEABLE = java.util.Set.of("iterations", LearningRateDecay.SETTING.name(), LearningRateDecay.START.name());

    /** What the refusal of any other change says. */
    static final String KEEPS = "a resumed run keeps its configuration (only --iterations, --lr-decay and --lr-decay-start may change)";

    /**
     * Refuses a configuration that differs from the stored one, except for more iterations and the
     * learning-rate schedule.
     *
     * @throws UsageException naming the first setting that differs
     */
    static void compare(RunConfig stored, RunConfig now) {
        Map<String, Object> was = Configs.toMap(stored);
        Map<String, Object> is = Configs.toMap(now);
        for (String k : changed(stored, now)) {
            if (!CHANGEABLE.contains(k)) {
                throw new UsageException("--resume: '" + k + "' was " + was.get(k) + " in this run but is now " + is.get(k) + "; " + KEEPS);
            }
        }
        if (now.getIterations() < stored.getIterations()) {
            throw new UsageException("--resume: 'iterations' was " + stored.getIterations() + " in this run but is now " + now.getIterations()
                    + "; a resumed run may run longer, not shorter (expected at least " + stored.getIterations() + ")");
        }
    }

    /** The settings whose values differ between {@code stored} and {@code now}, in the stored configuration's order. */
    static List<String> changed(RunConfig stored, RunConfig now) {
        Map<String, Object> was = Configs.toMap(stored);
        Map<String, Object> is = Configs.toMap(now);
        return was.keySet().stream().filter(k -> !String.valueOf(was.get(k)).equals(String.valueOf(is.get(k)))).toList();
    }

    /** Before Spark starts: the checkpoint folder, if there is one, is a folder this process can write. */
    static void checkFolder(Path out) {
        Path ckpt = out.resolve(RunFolder.CHECKPOINTS);
        if (Files.exists(ckpt) && !Files.isDirectory(ckpt)) {
            throw new UsageException("--resume: checkpoint folder '" + ckpt + "' is a file; expected the run's folder of checkpoints");
        }
        if (Files.isDirectory(ckpt)) {
            OutFolder.writable(ckpt, "--resume: checkpoint folder '" + ckpt + "'");
        }
    }

    /** A checkpoint's networks; the discriminator is absent from MD-GAN's driver checkpoints. */
    private record Networks(MultiLayerNetwork generator, MultiLayerNetwork discriminator) {}

    /**
     * The checkpoint the run will continue from fits this configuration and data: the networks it
     * holds have the shapes the configuration builds for data of {@code facts.dimension()} values.
     *
     * @throws UsageException naming the checkpoint and the difference, or when none can be read
     */
    static void checkCheckpoint(RunConfig c, Path out, DataChecks.Facts facts) {
        CheckpointStore store = new CheckpointStore(out.resolve(RunFolder.CHECKPOINTS).toUri().toString());
        List<String> skipped = new ArrayList<>();
        Optional<CheckpointStore.Loaded<Networks>> found;
        try {
            found = store.latestValid(Integer.MAX_VALUE, parts -> new Networks(network(parts, ModelParts.GENERATOR),
                    parts.containsKey(ModelParts.DISCRIMINATOR) ? network(parts, ModelParts.DISCRIMINATOR) : null), skipped::add);
        } catch (IllegalStateException e) {
            throw new UsageException("--resume: " + e.getMessage());
        }
        if (found.isEmpty()) {
            return;
        }
        CheckpointStore.Loaded<Networks> l = found.get();
        RunConfig expected = Configs.fromMap(Configs.toMap(c));
        if (Objectives.conditional(c.getObjective()) && expected.getClasses() == 0) {
            expected.setClasses(Math.max(facts.classes(), 0));
        }
        MultiLayerNetwork g = Gan.generator(expected, facts.dimension(), DataType.FLOAT).network();
        Optional<String> wrong = NetworkShape.mismatch("generator", g, l.value().generator());
        if (wrong.isEmpty()) {
            MultiLayerNetwork d = l.value().discriminator() != null ? l.value().discriminator() : workerDiscriminator(store);
            if (d != null) {
                wrong = NetworkShape.mismatch("discriminator", Gan.discriminator(expected, facts.dimension(), 0, DataType.FLOAT).network(), d)
                        .map(m -> m + " (objective " + c.getObjective() + ")");
            }
        }
        if (wrong.isPresent()) {
            throw new UsageException("--resume: checkpoint " + l.uri() + " does not belong to this run's configuration and data ("
                    + facts.description() + "): " + wrong.get());
        }
    }

    /** DL4J's reader names no file when a zip holds no model; the message should. */
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

    /** Worker 0's newest readable discriminator (MD-GAN keeps discriminators with the workers), or null. */
    private static MultiLayerNetwork workerDiscriminator(CheckpointStore driver) {
        CheckpointStore worker = new CheckpointStore(driver.uri() + "/workers/worker-00000");
        try {
            return worker.latestValid(Integer.MAX_VALUE, parts -> network(parts, ModelParts.DISCRIMINATOR), w -> {})
                    .map(CheckpointStore.Loaded::value).orElse(null);
        } catch (IllegalStateException e) {
            return null; // the worker's own restore reports it
        }
    }
}
