package io.sparkgan.spark.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.nn.LearningRateDecay;
import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.objective.Objectives;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.StrategyConfig;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every objective under every strategy, on a real local Spark: with one worker, MD-GAN (whose
 * feedback is the objective's generator-loss gradient, computed on the worker) and FL-GAN equal the
 * standalone trainer step for step, regularizers (gradient penalties) and the objective's own
 * defaults (WGAN-GP's 5 critic steps) included; with two workers and swaps every run stays finite.
 */
class ObjectivesUnderStrategiesTest extends SparkTestBase {
    static Stream<String> objectives() {
        return Objectives.NAMES.stream().filter(n -> !Objectives.conditional(n));
    }

    private StrategyResult run(StrategyConfig c, Shards shards, Rows rows) {
        c.validate();
        return Strategies.byName(c.getStrategy()).train(new StrategyContext(c, shards, sc, null, rows, null, false, DataType.FLOAT));
    }

    private static StrategyConfig config(String strategy, String objective, int workers) {
        return config(strategy, objective, workers, "none");
    }

    private static StrategyConfig config(String strategy, String objective, int workers, String decay) {
        StrategyConfig c = tiny(strategy, workers, 6);
        c.setObjective(objective);
        c.set(LearningRateDecay.SETTING, decay);
        // The exported generators compared here are the trained ones: FL-GAN's average over rounds of
        // two iterations is not the per-update one (that is the test of the average below).
        c.set(ParameterEma.SETTING, 0.0);
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objectives")
    void withOneWorkerMdganAndFlganAreTheStandaloneTrainerStepForStep(String objective) {
        oneWorkerEqualsStandalone(objective, "none");
    }

    /** The learning-rate decay counts updates alike everywhere: the generator's per iteration, a discriminator's L per iteration. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nonsaturating", "wgan-gp"})
    void withLearningRateDecayOneWorkerMdganAndFlganAreStillTheStandaloneTrainer(String objective) {
        oneWorkerEqualsStandalone(objective, "linear");
    }

    /**
     * The generator's moving average is kept alike by every strategy, and each exports it: FL-GAN's
     * driver folds in each round, which with one iteration per round is the per-update average.
     */
    @Test
    void withAGeneratorAverageOneWorkerMdganAndFlganExportTheStandaloneTrainersAverage() {
        Shards shards = Shards.iid(ring(64), 1, 9);
        StrategyResult[] results = new StrategyResult[3];
        String[] strategies = {"standalone", "mdgan", "flgan"};
        for (int i = 0; i < 3; i++) {
            StrategyConfig c = config(strategies[i], "nonsaturating", 1).setK(1).setSwapEveryEpochs(0).setAverageEveryIterations(1);
            c.set(ParameterEma.SETTING, 0.8);
            results[i] = run(c, shards, new Rows());
        }
        assertEquals(results[0].generator().network().params(), results[1].generator().network().params(), "MD-GAN's average");
        assertEquals(results[0].generator().network().params(), results[2].generator().network().params(), "FL-GAN's average");
        StrategyResult plain = run(config("standalone", "nonsaturating", 1), shards, new Rows());
        assertNotEquals(plain.generator().network().params(), results[0].generator().network().params(), "the export is the average");
    }

    private void oneWorkerEqualsStandalone(String objective, String decay) {
        Shards shards = Shards.iid(ring(64), 1, 9);
        Rows standaloneRows = new Rows();
        Rows mdganRows = new Rows();
        Rows flRows = new Rows();
        StrategyResult standalone = run(config("standalone", objective, 1, decay), shards, standaloneRows);
        StrategyResult mdgan = run(config("mdgan", objective, 1, decay).setK(1).setSwapEveryEpochs(0), shards, mdganRows);
        StrategyResult fl = run(config("flgan", objective, 1, decay).setAverageEveryIterations(2), shards, flRows);
        for (int i = 0; i < 6; i++) {
            assertEquals(standaloneRows.rows.get(i).dLoss(), mdganRows.rows.get(i).dLoss(), 0.0, objective + ": D loss at iteration " + (i + 1));
            assertEquals(standaloneRows.rows.get(i).gLoss(), mdganRows.rows.get(i).gLoss(), 0.0, objective + ": G loss at iteration " + (i + 1));
        }
        assertEquals(standalone.generator().network().params(), mdgan.generator().network().params(), objective + ": MD-GAN's generator");
        assertEquals(standalone.generator().network().params(), fl.generator().network().params(), objective + ": FL-GAN's generator");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objectives")
    void twoWorkersWithSwapsTrainEveryObjective(String objective) {
        Shards shards = Shards.iid(ring(64), 2, 9);
        for (String strategy : new String[] {"mdgan", "flgan"}) {
            Rows rows = new Rows();
            StrategyConfig c = config(strategy, objective, 2);
            if (strategy.equals("mdgan")) {
                c.setSwapEveryEpochs(1);
            } else {
                c.setAverageEveryIterations(3);
            }
            run(c, shards, rows);
            assertTrue(rows.rows.stream().allMatch(r -> Double.isFinite(r.dLoss()) && Double.isFinite(r.gLoss())), objective + " under " + strategy);
        }
    }
}
