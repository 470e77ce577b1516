package io.sparkgan.spark.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.info.InfoCodes;
import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.StrategyConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * InfoGAN and InfoGAN-CR (Chen et al. 2016; Lin et al. 2020) under every strategy, on a real local
 * Spark: the codes of every generated batch travel to MD-GAN's workers (their bytes counted
 * exactly), Q and the pair head move with D through swaps, averages and checkpoints, and with one
 * worker MD-GAN and FL-GAN are the standalone trainer step for step, across the regulariser's
 * schedule (pairs from iteration 3, a gap until 4).
 */
class InfoGanUnderStrategiesTest extends SparkTestBase {
    @TempDir
    Path tmp;

    private StrategyResult run(StrategyConfig c, Shards shards, String checkpoints, boolean resume, TrainingListener rows) {
        return run(c, shards, checkpoints, resume, rows, null);
    }

    private StrategyResult run(StrategyConfig c, Shards shards, String checkpoints, boolean resume, TrainingListener rows,
            io.sparkgan.core.train.Evaluator evaluator) {
        c.validate();
        return Strategies.byName(c.getStrategy()).train(new StrategyContext(c, shards, sc, evaluator, rows, checkpoints, resume, DataType.FLOAT));
    }

    /** An evaluator that reads discriminator 0 and keeps a copy of its parameters at every evaluation point. */
    static final class ReadsDiscriminator implements io.sparkgan.core.train.Evaluator {
        final java.util.Map<Integer, org.nd4j.linalg.api.ndarray.INDArray> seen = new java.util.TreeMap<>();

        @Override
        public java.util.List<String> metricNames() {
            return java.util.List.of("q_mean");
        }

        @Override
        public java.util.Map<String, Double> evaluate(org.nd4j.linalg.api.ndarray.INDArray samples) {
            return java.util.Map.of();
        }

        @Override
        public boolean readsDiscriminator() {
            return true;
        }

        @Override
        public java.util.Map<String, Double> scoreDiscriminator(io.sparkgan.core.Discriminator d, io.sparkgan.core.GanConfig config, int iteration) {
            seen.put(iteration, d.network().params().dup());
            return java.util.Map.of("q_mean", d.network().params().meanNumber().doubleValue());
        }
    }

    @Test
    void atEvaluationPointsEveryStrategyHandsOverDiscriminatorZeroAndMdganFetchesItFromItsWorker() {
        Shards shards = Shards.iid(ring(64), 1, 9);
        ReadsDiscriminator standalone = new ReadsDiscriminator();
        ReadsDiscriminator mdgan = new ReadsDiscriminator();
        StrategyConfig sc1 = config("standalone", 1, 6, true);
        sc1.setEvalEvery(2);
        run(sc1, shards, null, false, new Rows(), standalone);
        StrategyConfig mc = config("mdgan", 1, 6, true).setK(1).setSwapEveryEpochs(0);
        mc.setEvalEvery(2);
        StrategyResult fetched = run(mc, shards, null, false, new Rows(), mdgan);
        StrategyConfig pc = config("mdgan", 1, 6, true).setK(1).setSwapEveryEpochs(0);
        pc.setEvalEvery(2);
        StrategyResult plain = run(pc, shards, null, false, new Rows(), null);
        assertEquals(java.util.Set.of(2, 4, 6), standalone.seen.keySet());
        for (int t : new int[] {2, 4, 6}) {
            assertEquals(standalone.seen.get(t), mdgan.seen.get(t), "MD-GAN's fetched discriminator 0 at iteration " + t);
        }
        // Three fetches of the discriminator's whole state (parameters, Adam's two moments and nothing else here).
        long params = standalone.seen.get(2).length();
        assertEquals(3 * io.sparkgan.spark.runtime.ModelState.bytes(params, 2 * params),
                fetched.traffic().fromWorkers() - plain.traffic().fromWorkers(), "the fetches are counted");
        ReadsDiscriminator fl = new ReadsDiscriminator();
        StrategyConfig fc = config("flgan", 1, 6, true).setAverageEveryIterations(2);
        fc.setEvalEvery(2);
        run(fc, shards, null, false, new Rows(), fl);
        assertEquals(standalone.seen.get(6), fl.seen.get(6), "FL-GAN's averaged discriminator, with one worker its own");
    }

    private static StrategyConfig config(String strategy, int workers, int iterations, boolean info) {
        StrategyConfig c = tiny(strategy, workers, iterations);
        c.setObjective("nonsaturating");
        c.set(ParameterEma.SETTING, 0.0);
        if (info) {
            c.set(InfoCodes.CATEGORICAL, "3");
            c.set(InfoCodes.CONTINUOUS, 2);
            c.set(InfoCodes.WEIGHT, 0.5);
            c.set(InfoCodes.CR_WEIGHT, 2.0);
            c.set(InfoCodes.CR_FROM, 2);
            c.set(InfoCodes.CR_GAP, 1.0);
            c.set(InfoCodes.CR_GAP_UNTIL, 4);
        }
        return c;
    }

    @Test
    void withOneWorkerMdganAndFlganAreTheStandaloneTrainerStepForStep() {
        Shards shards = Shards.iid(ring(64), 1, 9);
        Rows standaloneRows = new Rows();
        Rows mdganRows = new Rows();
        StrategyResult standalone = run(config("standalone", 1, 6, true), shards, null, false, standaloneRows);
        StrategyResult mdgan = run(config("mdgan", 1, 6, true).setK(1).setSwapEveryEpochs(0), shards, null, false, mdganRows);
        StrategyResult fl = run(config("flgan", 1, 6, true).setAverageEveryIterations(2), shards, null, false, new Rows());
        for (int i = 0; i < 6; i++) {
            assertEquals(standaloneRows.rows.get(i).dLoss(), mdganRows.rows.get(i).dLoss(), 0.0, "D loss at iteration " + (i + 1));
            assertEquals(standaloneRows.rows.get(i).gLoss(), mdganRows.rows.get(i).gLoss(), 0.0, "G loss at iteration " + (i + 1));
        }
        assertEquals(standalone.generator().network().params(), mdgan.generator().network().params(), "MD-GAN's generator");
        assertEquals(standalone.generator().network().params(), fl.generator().network().params(), "FL-GAN's generator");
        StrategyResult plain = run(config("standalone", 1, 6, false), shards, null, false, new Rows());
        assertNotEquals(plain.generator().network().params().length(), standalone.generator().network().params().length(),
                "the codes widen G's input");
    }

    @Test
    void mdganShipsTheCodesWithEveryBatchAndCountsTheirBytes() {
        Shards shards = Shards.iid(ring(96), 3, 9);
        int t = 5;
        int b = 8;
        StrategyResult with = run(config("mdgan", 3, t, true).setK(2).setSwapEveryEpochs(0), shards, null, false, new Rows());
        StrategyResult without = run(config("mdgan", 3, t, false).setK(2).setSwapEveryEpochs(0), shards, null, false, new Rows());
        // k = 2 of N = 3: every worker judges one block and trains on the other, so each request
        // carries two blocks, each with a b x (1 categorical + 2 continuous + shared factor) matrix of codes.
        long codes = Payloads.matrixBytes(b, 4);
        assertEquals(t * 3 * 2 * codes, with.traffic().toWorkers() - without.traffic().toWorkers());
        assertEquals(with.traffic().fromWorkers(), without.traffic().fromWorkers(), "the feedback is b x d either way");
    }

    @Test
    void aResumedRunWithSwapsAndAveragesEndsExactlyWhereAnUninterruptedRunEnds() {
        Shards shards = Shards.iid(ring(96), 3, 9);
        for (String s : new String[] {"mdgan", "flgan"}) {
            // 32 samples per shard at b = 8: MD-GAN swaps every 4 iterations; the cut at 6 falls between two swaps.
            StrategyConfig whole = config(s, 3, 9, true).setK(2).setSwapEveryEpochs(1).setAverageEveryIterations(3);
            whole.setCheckpointEvery(3);
            Rows wholeRows = new Rows();
            StrategyResult uninterrupted = run(whole, shards, tmp.resolve(s + "-whole").toUri().toString(), false, wholeRows);
            String ckpt = tmp.resolve(s + "-split").toUri().toString();
            StrategyConfig first = config(s, 3, 6, true).setK(2).setSwapEveryEpochs(1).setAverageEveryIterations(3);
            first.setCheckpointEvery(3);
            run(first, shards, ckpt, false, new TrainingListener() {});
            Rows resumedRows = new Rows();
            StrategyResult resumed = run(whole, shards, ckpt, true, resumedRows);
            assertEquals(3, resumed.restores(), s + ": every worker restored its state from the checkpoint at iteration 6");
            assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(), s);
            IterationRecord last = resumedRows.rows.get(resumedRows.rows.size() - 1);
            assertEquals(wholeRows.rows.get(wholeRows.rows.size() - 1).dLoss(), last.dLoss(), 0.0, s + ": the last D loss");
            assertTrue(wholeRows.rows.stream().allMatch(r -> Double.isFinite(r.dLoss()) && Double.isFinite(r.gLoss())), s);
        }
    }
}
