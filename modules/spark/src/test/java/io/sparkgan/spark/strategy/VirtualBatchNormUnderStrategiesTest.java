package io.sparkgan.spark.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.GanRandom;
import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.stabilizer.Stabilizers;
import io.sparkgan.core.stabilizer.VirtualBatchNorm;
import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.StrategyConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Virtual batch normalisation (Salimans et al. 2016 §3.5) under every strategy, on a real local
 * Spark, with an mlp generator that gains batch normalisation for it and a reference batch of 16:
 * it trains with finite losses; with one worker MD-GAN and FL-GAN are the standalone trainer step
 * for step; with three workers, swaps and averages, a resumed run ends exactly where an
 * uninterrupted one ends, reference batch included (the driver's G under MD-GAN, every worker's G
 * under FL-GAN).
 */
class VirtualBatchNormUnderStrategiesTest extends SparkTestBase {
    @TempDir
    Path tmp;

    private StrategyResult run(StrategyConfig c, Shards shards, String checkpoints, boolean resume, TrainingListener rows) {
        c.validate();
        return Strategies.byName(c.getStrategy()).train(new StrategyContext(c, shards, sc, null, rows, checkpoints, resume, DataType.FLOAT));
    }

    private static StrategyConfig config(String strategy, int workers, int iterations) {
        StrategyConfig c = tiny(strategy, workers, iterations);
        c.setObjective("nonsaturating");
        c.set(Stabilizers.SETTING, "virtual-batch-norm");
        c.set(VirtualBatchNorm.REFERENCE_BATCH, 16);
        return c;
    }

    /** The trained parameters themselves rather than their moving average. */
    private static StrategyConfig noAverage(StrategyConfig c) {
        c.set(ParameterEma.SETTING, 0.0);
        return c;
    }

    @Test
    void trainsWithFiniteLossesUnderEveryStrategyAndSamplesIndependentlyOfTheBatch() {
        for (String s : new String[] {"standalone", "mdgan", "flgan"}) {
            int workers = s.equals("standalone") ? 1 : 2;
            Rows rows = new Rows();
            StrategyResult r = run(config(s, workers, 8).setK(1).setSwapEveryEpochs(1).setAverageEveryIterations(2),
                    Shards.iid(ring(64), workers, 9), null, false, rows);
            assertEquals(8, r.iteration(), s);
            assertTrue(rows.rows.stream().allMatch(x -> Double.isFinite(x.dLoss()) && Double.isFinite(x.gLoss())), s);
            // The result is the moving average's copy: it carries the reference batch and samples with it.
            INDArray ref = VirtualBatchNorm.reference(r.generator().network());
            assertNotNull(ref, s + ": the exported generator's reference batch");
            assertEquals(16, ref.rows(), s);
            INDArray z = r.generator().latent(GanRandom.stream(1, "t", 0), 5);
            INDArray all = r.generator().sample(z);
            INDArray one = r.generator().sample(z.getRow(2).reshape(1, z.columns()));
            assertTrue(all.getRow(2).reshape(one.shape()).equalsWithEps(one, 1e-5), s + ": a sample does not depend on its batch");
        }
    }

    @Test
    void withOneWorkerMdganAndFlganAreTheStandaloneTrainerStepForStep() {
        Shards shards = Shards.iid(ring(64), 1, 9);
        Rows standaloneRows = new Rows();
        Rows mdganRows = new Rows();
        Rows flRows = new Rows();
        StrategyResult standalone = run(noAverage(config("standalone", 1, 6)), shards, null, false, standaloneRows);
        StrategyResult mdgan = run(noAverage(config("mdgan", 1, 6).setK(1).setSwapEveryEpochs(0)), shards, null, false, mdganRows);
        StrategyResult fl = run(noAverage(config("flgan", 1, 6).setAverageEveryIterations(2)), shards, null, false, flRows);
        for (int i = 0; i < 6; i++) {
            assertEquals(standaloneRows.rows.get(i).dLoss(), mdganRows.rows.get(i).dLoss(), 0.0, "MD-GAN's D loss at iteration " + (i + 1));
            assertEquals(standaloneRows.rows.get(i).gLoss(), mdganRows.rows.get(i).gLoss(), 0.0, "MD-GAN's G loss at iteration " + (i + 1));
        }
        assertEquals(standalone.generator().network().params(), mdgan.generator().network().params(), "MD-GAN's generator");
        assertEquals(standalone.generator().network().params(), fl.generator().network().params(), "FL-GAN's generator");
        INDArray ref = VirtualBatchNorm.reference(standalone.generator().network());
        assertEquals(ref, VirtualBatchNorm.reference(mdgan.generator().network()), "MD-GAN's reference batch");
        assertEquals(ref, VirtualBatchNorm.reference(fl.generator().network()), "FL-GAN's averaged reference batch is every worker's");
    }

    @Test
    void aResumedRunWithSwapsAndAveragesEndsExactlyWhereAnUninterruptedRunEnds() {
        Shards shards = Shards.iid(ring(96), 3, 9);
        for (String s : new String[] {"mdgan", "flgan"}) {
            // 32 samples per shard at b = 8: MD-GAN swaps every 4 iterations; the cut at 6 falls between two swaps.
            StrategyConfig whole = config(s, 3, 9).setK(2).setSwapEveryEpochs(1).setAverageEveryIterations(3);
            whole.setCheckpointEvery(3);
            Rows wholeRows = new Rows();
            StrategyResult uninterrupted = run(whole, shards, tmp.resolve(s + "-whole").toUri().toString(), false, wholeRows);
            String ckpt = tmp.resolve(s + "-split").toUri().toString();
            StrategyConfig first = config(s, 3, 6).setK(2).setSwapEveryEpochs(1).setAverageEveryIterations(3);
            first.setCheckpointEvery(3);
            run(first, shards, ckpt, false, new TrainingListener() {});
            Rows resumedRows = new Rows();
            StrategyResult resumed = run(whole, shards, ckpt, true, resumedRows);
            assertEquals(3, resumed.restores(), s + ": every worker restored its state from the checkpoint at iteration 6");
            assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(), s);
            assertEquals(VirtualBatchNorm.reference(uninterrupted.generator().network()), VirtualBatchNorm.reference(resumed.generator().network()), s);
            IterationRecord last = resumedRows.rows.get(resumedRows.rows.size() - 1);
            IterationRecord wholeLast = wholeRows.rows.get(wholeRows.rows.size() - 1);
            assertEquals(wholeLast.dLoss(), last.dLoss(), 0.0, s + ": the last D loss");
            assertEquals(wholeLast.gLoss(), last.gLoss(), 0.0, s + ": the last G loss");
            assertTrue(wholeRows.rows.stream().allMatch(r -> Double.isFinite(r.dLoss()) && Double.isFinite(r.gLoss())), s);
        }
    }
}
