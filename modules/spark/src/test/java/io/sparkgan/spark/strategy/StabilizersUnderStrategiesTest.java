package io.sparkgan.spark.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.stabilizer.Stabilizers;
import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.StrategyConfig;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every stabilizer (Salimans et al. 2016) under every strategy, on a real local Spark: with one
 * worker MD-GAN (feature matching's feedback computed on the worker with its own real batch) and
 * FL-GAN equal the standalone trainer step for step; with three workers, swaps and averages, a run
 * resumed from a checkpoint ends exactly where an uninterrupted one ends, so the stabilizers' state
 * (historical averages, ...) moves with swaps, averages and checkpoints.
 */
class StabilizersUnderStrategiesTest extends SparkTestBase {
    @TempDir
    Path tmp;

    /** D's Gaussian noise (the semi-supervised discriminator's, Salimans et al. 2016 §5) rides along: its pass count is model state too. */
    static final String NOISE = "discriminator-noise";
    /** So does its weight normalisation (Salimans and Kingma 2016): the scales and their Adam moments are model state. */
    static final String WEIGHT_NORM = "weight-norm";

    static Stream<String> stabilizers() {
        return Stream.concat(Stabilizers.NAMES.stream(), Stream.of(NOISE, WEIGHT_NORM));
    }

    private StrategyResult run(StrategyConfig c, Shards shards, String checkpoints, boolean resume, TrainingListener rows) {
        c.validate();
        return Strategies.byName(c.getStrategy()).train(new StrategyContext(c, shards, sc, null, rows, checkpoints, resume, DataType.FLOAT));
    }

    private static StrategyConfig config(String strategy, String stabilizers, int workers, int iterations) {
        StrategyConfig c = tiny(strategy, workers, iterations);
        // Label smoothing needs a logistic real term; every other stabilizer takes any objective.
        c.setObjective("nonsaturating");
        if (stabilizers.equals(NOISE)) {
            c.set(io.sparkgan.core.nn.GaussianNoise.INPUT, 0.3);
            c.set(io.sparkgan.core.nn.GaussianNoise.HIDDEN, 0.5);
        } else if (stabilizers.equals(WEIGHT_NORM)) {
            c.set(io.sparkgan.core.nn.WeightNorm.SETTING, true);
        } else {
            c.set(Stabilizers.SETTING, stabilizers);
        }
        c.set(ParameterEma.SETTING, 0.0);
        // A weight whose pull shows within a few updates (the default's is below float resolution here).
        c.set(io.sparkgan.core.stabilizer.HistoricalAveraging.WEIGHT, 0.5);
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stabilizers")
    void withOneWorkerMdganAndFlganAreTheStandaloneTrainerStepForStep(String stabilizer) {
        Shards shards = Shards.iid(ring(64), 1, 9);
        Rows standaloneRows = new Rows();
        Rows mdganRows = new Rows();
        StrategyResult standalone = run(config("standalone", stabilizer, 1, 6), shards, null, false, standaloneRows);
        StrategyResult mdgan = run(config("mdgan", stabilizer, 1, 6).setK(1).setSwapEveryEpochs(0), shards, null, false, mdganRows);
        StrategyResult fl = run(config("flgan", stabilizer, 1, 6).setAverageEveryIterations(2), shards, null, false, new Rows());
        for (int i = 0; i < 6; i++) {
            assertEquals(standaloneRows.rows.get(i).dLoss(), mdganRows.rows.get(i).dLoss(), 0.0, stabilizer + ": D loss at iteration " + (i + 1));
            assertEquals(standaloneRows.rows.get(i).gLoss(), mdganRows.rows.get(i).gLoss(), 0.0, stabilizer + ": G loss at iteration " + (i + 1));
        }
        assertEquals(standalone.generator().network().params(), mdgan.generator().network().params(), stabilizer + ": MD-GAN's generator");
        assertEquals(standalone.generator().network().params(), fl.generator().network().params(), stabilizer + ": FL-GAN's generator");
        StrategyResult plain = run(config("standalone", "", 1, 6), shards, null, false, new Rows());
        assertNotEquals(plain.generator().network().params(), standalone.generator().network().params(), stabilizer + " is in effect");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stabilizers")
    void aResumedRunWithSwapsAndAveragesEndsExactlyWhereAnUninterruptedRunEnds(String stabilizer) {
        Shards shards = Shards.iid(ring(96), 3, 9);
        for (String s : new String[] {"mdgan", "flgan"}) {
            // 32 samples per shard at b = 8: MD-GAN swaps every 4 iterations; the cut at 6 falls between two swaps.
            StrategyConfig whole = config(s, stabilizer, 3, 9).setK(2).setSwapEveryEpochs(1).setAverageEveryIterations(3);
            whole.setCheckpointEvery(3);
            Rows wholeRows = new Rows();
            StrategyResult uninterrupted = run(whole, shards, tmp.resolve(stabilizer + "-" + s + "-whole").toUri().toString(), false, wholeRows);
            String ckpt = tmp.resolve(stabilizer + "-" + s + "-split").toUri().toString();
            StrategyConfig first = config(s, stabilizer, 3, 6).setK(2).setSwapEveryEpochs(1).setAverageEveryIterations(3);
            first.setCheckpointEvery(3);
            run(first, shards, ckpt, false, new TrainingListener() {});
            Rows resumedRows = new Rows();
            StrategyResult resumed = run(whole, shards, ckpt, true, resumedRows);
            assertEquals(3, resumed.restores(), stabilizer + " under " + s + ": every worker restored its state from the checkpoint at iteration 6");
            assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(), stabilizer + " under " + s);
            IterationRecord last = resumedRows.rows.get(resumedRows.rows.size() - 1);
            assertEquals(wholeRows.rows.get(wholeRows.rows.size() - 1).dLoss(), last.dLoss(), 0.0, stabilizer + " under " + s + ": the last D loss");
            assertTrue(wholeRows.rows.stream().allMatch(r -> Double.isFinite(r.dLoss()) && Double.isFinite(r.gLoss())), stabilizer + " under " + s);
        }
    }

    @Test
    void everyStabilizerAtOnceTrainsUnderEveryStrategy() {
        String all = String.join(",", Stabilizers.NAMES);
        for (String s : new String[] {"standalone", "mdgan", "flgan"}) {
            int workers = s.equals("standalone") ? 1 : 2;
            Rows rows = new Rows();
            StrategyResult r = run(config(s, all, workers, 8).setK(1).setSwapEveryEpochs(1).setAverageEveryIterations(2),
                    Shards.iid(ring(64), workers, 9), null, false, rows);
            assertEquals(8, r.iteration(), s);
            assertTrue(rows.rows.stream().allMatch(x -> Double.isFinite(x.dLoss()) && Double.isFinite(x.gLoss())), all + " under " + s);
        }
    }
}
