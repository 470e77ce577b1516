package io.sparkgan.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.nn.ExtraState;
import io.sparkgan.core.nn.LearningRateDecay;
import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.nn.SpectralNorm;
import io.sparkgan.core.nn.NetworkSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class StandaloneTrainerTest {
    @TempDir
    Path dir;

    static float[][] blobs(int n) {
        GanRandom r = new GanRandom(4);
        float[][] x = new float[n][];
        for (int i = 0; i < n; i++) {
            x[i] = new float[] {(float) (3 + 0.1 * r.nextGaussian()), (float) (-1 + 0.1 * r.nextGaussian())};
        }
        return x;
    }

    static GanConfig tiny(int iterations) {
        return new GanConfig().setSeed(5).setIterations(iterations).setBatchSize(16).setLatentDim(3)
                .setGenerator(NetworkSpec.mlp("relu", "identity", 16))
                .setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 16))
                .setLogEvery(5).setEvalEvery(10).setEvalSamples(200).setCheckpointEvery(10);
    }

    /** Mean of generated samples, as a stand-in metric that depends on the generator. */
    static final Evaluator MEAN = new Evaluator() {
        public List<String> metricNames() { return List.of("mean_x"); }
        public Map<String, Double> evaluate(INDArray s) { return Map.of("mean_x", s.getColumn(0).meanNumber().doubleValue()); }
    };

    @Test
    void sameSeedGivesIdenticalParametersAndADifferentSeedDoesNot() {
        StandaloneTrainer a = new StandaloneTrainer(tiny(15), blobs(100), DataType.FLOAT, null, null);
        StandaloneTrainer b = new StandaloneTrainer(tiny(15), blobs(100), DataType.FLOAT, null, null);
        StandaloneTrainer c = new StandaloneTrainer(tiny(15).setSeed(6), blobs(100), DataType.FLOAT, null, null);
        a.train(new TrainingListener() {});
        b.train(new TrainingListener() {});
        c.train(new TrainingListener() {});
        assertEquals(a.generator().network().params(), b.generator().network().params());
        assertEquals(a.discriminator().network().params(), b.discriminator().network().params());
        assertNotEquals(a.generator().network().params(), c.generator().network().params());
    }

    @Test
    void aResumedRunEndsExactlyWhereAnUninterruptedRunEnds() {
        StandaloneTrainer whole = new StandaloneTrainer(tiny(30), blobs(50), DataType.FLOAT, null, null);
        whole.train(new TrainingListener() {});

        String ckpt = dir.resolve("checkpoints").toUri().toString();
        new StandaloneTrainer(tiny(20), blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt)).train(new TrainingListener() {});
        StandaloneTrainer resumed = new StandaloneTrainer(tiny(30), blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt));
        assertEquals(20, resumed.resume().orElseThrow());
        resumed.train(new TrainingListener() {});

        assertEquals(30, resumed.iteration());
        assertEquals(whole.generator().network().params(), resumed.generator().network().params());
        assertEquals(whole.discriminator().network().params(), resumed.discriminator().network().params());
        assertEquals(List.of(10, 20, 30), new CheckpointStore(ckpt).iterations());
    }

    @Test
    void withLearningRateDecayARunStoppedAndResumedEndsBitIdenticallyAndDecayDiffersFromAConstantRate() {
        GanConfig decaying = tiny(30);
        decaying.set(LearningRateDecay.SETTING, "linear");
        decaying.setLocalSteps(2);
        StandaloneTrainer uninterrupted = new StandaloneTrainer(decaying, blobs(50), DataType.FLOAT, null, null);
        uninterrupted.train(new TrainingListener() {});

        // The same run, stopped at iteration 25 (after the checkpoint at 20), then resumed.
        String ckpt = dir.resolve("checkpoints").toUri().toString();
        StandaloneTrainer stopped = new StandaloneTrainer(decaying, blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt));
        RuntimeException stop = new RuntimeException("stop");
        assertEquals(stop, assertThrows(RuntimeException.class, () -> stopped.train(new TrainingListener() {
            @Override
            public void onProgress(int iteration, double dLoss, double gLoss) {
                if (iteration == 25) {
                    throw stop;
                }
            }
        })));
        StandaloneTrainer resumed = new StandaloneTrainer(decaying, blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt));
        assertEquals(20, resumed.resume().orElseThrow());
        resumed.train(new TrainingListener() {});
        assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params());
        assertEquals(uninterrupted.discriminator().network().params(), resumed.discriminator().network().params());
        // L = 2: the discriminator took 60 steps, its rate decaying over 60.
        assertEquals(60, uninterrupted.discriminator().network().getLayerWiseConfigurations().getIterationCount());

        GanConfig constant = tiny(30).setLocalSteps(2);
        StandaloneTrainer plain = new StandaloneTrainer(constant, blobs(50), DataType.FLOAT, null, null);
        plain.train(new TrainingListener() {});
        assertNotEquals(plain.generator().network().params(), uninterrupted.generator().network().params(), "lr-decay changes training");
    }

    @Test
    void withAGeneratorAverageTheAverageIsCheckpointedResumedBitIdenticallyAndIsWhatTheRunExports() {
        GanConfig averaging = tiny(30);
        averaging.set(ParameterEma.SETTING, 0.9);
        StandaloneTrainer uninterrupted = new StandaloneTrainer(averaging, blobs(50), DataType.FLOAT, null, null);
        uninterrupted.train(new TrainingListener() {});

        String ckpt = dir.resolve("checkpoints").toUri().toString();
        GanConfig first = tiny(20);
        first.set(ParameterEma.SETTING, 0.9);
        new StandaloneTrainer(first, blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt)).train(new TrainingListener() {});
        assertTrue(Files.exists(dir.resolve("checkpoints/iter-000000020/" + Gan.GENERATOR_AVERAGE)), "the average is a part");
        StandaloneTrainer resumed = new StandaloneTrainer(averaging, blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt));
        assertEquals(20, resumed.resume().orElseThrow());
        resumed.train(new TrainingListener() {});

        assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params());
        INDArray average = uninterrupted.generator().ema().average();
        assertEquals(average, resumed.generator().ema().average());
        // What evaluation (and, through the loop's result, models and refinement) uses is the average, not the last iterate.
        assertEquals(average, uninterrupted.generator().averaged().network().params());
        assertNotEquals(uninterrupted.generator().network().params(), uninterrupted.generator().averaged().network().params());
        // Training itself is not changed by keeping an average.
        GanConfig noAverage = tiny(30);
        noAverage.set(ParameterEma.SETTING, 0.0);
        StandaloneTrainer plain = new StandaloneTrainer(noAverage, blobs(50), DataType.FLOAT, null, null);
        plain.train(new TrainingListener() {});
        assertEquals(plain.generator().network().params(), uninterrupted.generator().network().params());
    }

    @Test
    void withSpectralNormTheUVectorsAreCheckpointedAndAResumedRunEndsBitIdentically() {
        GanConfig whole = tiny(30);
        whole.set(SpectralNorm.SETTING, true);
        StandaloneTrainer uninterrupted = new StandaloneTrainer(whole, blobs(50), DataType.FLOAT, null, null);
        uninterrupted.train(new TrainingListener() {});

        String ckpt = dir.resolve("checkpoints").toUri().toString();
        GanConfig first = tiny(20);
        first.set(SpectralNorm.SETTING, true);
        new StandaloneTrainer(first, blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt)).train(new TrainingListener() {});
        assertTrue(Files.exists(dir.resolve("checkpoints/iter-000000020/" + ModelParts.extrasPart(ModelParts.DISCRIMINATOR))), "the u vectors are a part");
        StandaloneTrainer resumed = new StandaloneTrainer(whole, blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt));
        assertEquals(20, resumed.resume().orElseThrow());
        resumed.train(new TrainingListener() {});

        assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params());
        assertEquals(uninterrupted.discriminator().network().params(), resumed.discriminator().network().params());
        Map<String, INDArray> u = ExtraState.of(uninterrupted.discriminator().network());
        assertEquals(List.of("0/spectral-u", "1/spectral-u"), List.copyOf(u.keySet()));
        assertEquals(u, ExtraState.of(resumed.discriminator().network()));
        // Without the u vectors a restore would start them afresh: the run would differ.
        GanConfig plain = tiny(30);
        StandaloneTrainer unnormalised = new StandaloneTrainer(plain, blobs(50), DataType.FLOAT, null, null);
        unnormalised.train(new TrainingListener() {});
        assertNotEquals(unnormalised.discriminator().network().params(), uninterrupted.discriminator().network().params(), "spectral-norm changes training");
    }

    @Test
    void logsEveryLogEveryIterationsEvaluatesAtEvalPointsAndLearnsTheBlob() {
        List<IterationRecord> rows = new ArrayList<>();
        int[] progress = {0};
        Map<String, Double> last = new StandaloneTrainer(tiny(300).setEvalEvery(100).setLogEvery(50).setGeneratorLr(3e-3).setDiscriminatorLr(3e-3),
                blobs(200), DataType.FLOAT, MEAN, null).train(new TrainingListener() {
                    public void onProgress(int it, double d, double g) { progress[0]++; }
                    public void onRecord(IterationRecord r) { rows.add(r); }
                });
        assertEquals(300, progress[0]);
        assertEquals(List.of(50, 100, 150, 200, 250, 300), rows.stream().map(IterationRecord::iteration).toList());
        assertTrue(rows.get(0).metrics().isEmpty());
        assertEquals(Map.of("mean_x", last.get("mean_x")), rows.get(5).metrics());
        assertTrue(rows.get(1).metrics().containsKey("mean_x"));
        assertTrue(rows.get(5).wallSeconds() >= rows.get(0).wallSeconds());
        // The data sits at x = 3; an untrained generator's outputs are centred near 0.
        assertEquals(3.0, last.get("mean_x"), 1.0, "generator mean x after 300 iterations");
    }

    /** A run checkpointed at 10, 20 and 30, and the folder of its checkpoint 30. */
    private Path runWithThreeCheckpoints() {
        String ckpt = dir.resolve("checkpoints").toUri().toString();
        new StandaloneTrainer(tiny(30), blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt)).train(new TrainingListener() {});
        return dir.resolve("checkpoints/iter-000000030");
    }

    @Test
    void aTruncatedOrCorruptLatestCheckpointIsSkippedForThePreviousOneAndNamed() throws Exception {
        Path latest = runWithThreeCheckpoints();
        Path zip = latest.resolve("generator.zip");
        byte[] whole = Files.readAllBytes(zip);
        Files.write(zip, Arrays.copyOf(whole, whole.length / 2));
        String ckpt = dir.resolve("checkpoints").toUri().toString();
        StandaloneTrainer resumed = new StandaloneTrainer(tiny(30), blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt));
        List<String> warnings = new ArrayList<>();
        assertEquals(20, resumed.resume(warnings::add).orElseThrow());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("checkpoint " + new CheckpointStore(ckpt).uri() + "/iter-000000030 is unreadable (cannot read network generator.zip"),
                warnings.get(0));
        assertTrue(warnings.get(0).endsWith("); using iter-000000020"), warnings.get(0));

        // Continuing from 20 ends where the uninterrupted run ended.
        StandaloneTrainer whole30 = new StandaloneTrainer(tiny(30), blobs(50), DataType.FLOAT, null, null);
        whole30.train(new TrainingListener() {});
        resumed.train(new TrainingListener() {});
        assertEquals(whole30.generator().network().params(), resumed.generator().network().params());

        // Malformed JSON in the state part, and a part that is missing.
        Files.writeString(dir.resolve("checkpoints/iter-000000030/state.json"), "{\"iteration\": 3");
        Files.delete(dir.resolve("checkpoints/iter-000000020/discriminator.zip"));
        warnings.clear();
        StandaloneTrainer again = new StandaloneTrainer(tiny(30), blobs(50), DataType.FLOAT, null, new CheckpointStore(ckpt));
        assertEquals(10, again.resume(warnings::add).orElseThrow());
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).matches("checkpoint .*/iter-000000030 is unreadable \\(cannot read state.json from checkpoint: .*\\); using iter-000000010"), warnings.get(0));
        assertTrue(warnings.get(1).matches("checkpoint .*/iter-000000020 is unreadable \\(checkpoint has no part 'discriminator.zip' .*\\); using iter-000000010"), warnings.get(1));
    }

    @Test
    void checkpointsThatAreAllUnreadableAreOneClearError() throws Exception {
        Path latest = runWithThreeCheckpoints();
        for (String it : List.of("10", "20", "30")) {
            Files.write(latest.resolveSibling("iter-0000000" + it).resolve("generator.zip"), new byte[] {1, 2, 3});
        }
        StandaloneTrainer t = new StandaloneTrainer(tiny(30), blobs(50), DataType.FLOAT, null,
                new CheckpointStore(dir.resolve("checkpoints").toUri().toString()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.resume(w -> {}));
        assertTrue(e.getMessage().startsWith("no checkpoint in "), e.getMessage());
        for (String it : List.of("10", "20", "30")) {
            assertTrue(e.getMessage().contains("/iter-0000000" + it + " is unreadable (cannot read network generator.zip"), e.getMessage());
        }
        assertEquals(0, t.iteration(), "nothing was restored");
    }

    @Test
    void aCheckpointOfAnotherShapeOrObjectiveIsRefusedByNameWithTheDifference() {
        runWithThreeCheckpoints();
        CheckpointStore store = new CheckpointStore(dir.resolve("checkpoints").toUri().toString());
        StandaloneTrainer wider = new StandaloneTrainer(tiny(30).setGenerator(NetworkSpec.mlp("relu", "identity", 32)), blobs(50), DataType.FLOAT, null, store);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wider.resume(w -> {}));
        assertEquals("checkpoint " + store.uri() + "/iter-000000030 does not belong to this configuration: its generator is 3-16-2 but this configuration builds 3-32-2",
                e.getMessage());
        StandaloneTrainer narrowD = new StandaloneTrainer(tiny(30).setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 8)), blobs(50),
                DataType.FLOAT, null, store);
        assertEquals("checkpoint " + store.uri() + "/iter-000000030 does not belong to this configuration: its discriminator is 2-16-1"
                + " but this configuration builds 2-8-1 (objective hinge)", assertThrows(IllegalArgumentException.class, () -> narrowD.resume(w -> {})).getMessage());
        // A conditional objective's generator takes the one-hot class too.
        int[] labels = new int[50];
        for (int i = 0; i < 50; i++) {
            labels[i] = i % 3;
        }
        StandaloneTrainer acgan = new StandaloneTrainer(tiny(30).setObjective("acgan").setClasses(3), blobs(50), labels, DataType.FLOAT, null, store);
        assertEquals("checkpoint " + store.uri() + "/iter-000000030 does not belong to this configuration: its generator is 3-16-2 but this configuration builds 6-16-2",
                assertThrows(IllegalArgumentException.class, () -> acgan.resume(w -> {})).getMessage());
    }
}
