package io.sparkgan.spark.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.aae.AdversarialAutoencoder;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.StrategyConfig;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The adversarial autoencoder (Makhzani et al. 2015) under the strategies, on a real local Spark:
 * FL-GAN with one worker is the standalone run step for step (all three networks, both encoder
 * phases' optimizer states kept on the worker); with three workers FL-GAN's driver holds the
 * shard-weighted average of the workers' networks, and a run resumed from a checkpoint ends exactly
 * where an uninterrupted one ends; MD-GAN refuses it.
 */
class AutoencoderUnderStrategiesTest extends SparkTestBase {
    @TempDir
    Path tmp;

    private StrategyResult run(StrategyConfig c, Shards shards, String checkpoints, boolean resume, TrainingListener rows) {
        c.validate();
        return Strategies.byName(c.getStrategy()).train(new StrategyContext(c, shards, sc, null, rows, checkpoints, resume, DataType.FLOAT));
    }

    private static StrategyConfig config(String strategy, String prior, int workers, int iterations) {
        StrategyConfig c = tiny(strategy, workers, iterations);
        c.setObjective("nonsaturating");
        c.set(AdversarialAutoencoder.AUTOENCODER, prior);
        c.set(AdversarialAutoencoder.ENCODER, io.sparkgan.core.nn.NetworkSpec.mlp("leakyrelu", "identity", 6));
        c.set(AdversarialAutoencoder.COMPONENTS, 8);
        return c;
    }

    private static Map<String, byte[]> finalParts(String checkpoints, int iteration) {
        return new CheckpointStore(checkpoints).load(iteration);
    }

    @Test
    void withOneWorkerFlganIsTheStandaloneAutoencoderStepForStep() {
        Shards shards = Shards.iid(ring(64), 1, 9);
        String a = tmp.resolve("standalone").toUri().toString();
        String b = tmp.resolve("flgan").toUri().toString();
        Rows standaloneRows = new Rows();
        StrategyResult standalone = run(config("standalone", "labelled-mixture", 1, 6), shards, a, false, standaloneRows);
        StrategyResult fl = run(config("flgan", "labelled-mixture", 1, 6).setAverageEveryIterations(2), shards, b, false, new Rows());
        assertEquals(standalone.generator().network().params(), fl.generator().network().params(), "the decoder");
        Map<String, byte[]> sp = finalParts(a, 6);
        Map<String, byte[]> fp = finalParts(b, 6);
        for (String part : new String[] {ModelParts.DISCRIMINATOR, AdversarialAutoencoder.ENCODER_PART}) {
            assertEquals(ModelParts.network(sp, part).params(), ModelParts.network(fp, part).params(), part);
        }
        assertTrue(standaloneRows.rows.stream().allMatch(r -> Double.isFinite(r.dLoss()) && Double.isFinite(r.gLoss())));
    }

    @Test
    void flganAveragesTheThreeNetworksAndAResumedRunEndsWhereAnUninterruptedOneEnds() {
        Shards shards = Shards.iid(ring(96), 3, 9);
        StrategyConfig whole = config("flgan", "mixture", 3, 9).setAverageEveryIterations(3);
        whole.setCheckpointEvery(3);
        String wholeCkpt = tmp.resolve("whole").toUri().toString();
        Rows wholeRows = new Rows();
        StrategyResult uninterrupted = run(whole, shards, wholeCkpt, false, wholeRows);
        // The driver's encoder is the average of the workers' (equal shards: equal weights), read from their final checkpoints.
        Map<String, byte[]> driver = finalParts(wholeCkpt, 9);
        MultiLayerNetwork avg = ModelParts.network(driver, AdversarialAutoencoder.ENCODER_PART);
        org.nd4j.linalg.api.ndarray.INDArray sum = null;
        for (int w = 0; w < 3; w++) {
            Map<String, byte[]> worker = new CheckpointStore(wholeCkpt + "/workers/" + String.format("worker-%05d", w)).load(9);
            org.nd4j.linalg.api.ndarray.INDArray p = ModelParts.network(worker, AdversarialAutoencoder.ENCODER_PART).params().castTo(DataType.DOUBLE);
            sum = sum == null ? p : sum.add(p);
        }
        assertTrue(sum.div(3).castTo(DataType.FLOAT).equalsWithEps(avg.params(), 1e-6), "the driver's encoder averages the workers'");

        String ckpt = tmp.resolve("split").toUri().toString();
        StrategyConfig first = config("flgan", "mixture", 3, 6).setAverageEveryIterations(3);
        first.setCheckpointEvery(3);
        run(first, shards, ckpt, false, new TrainingListener() {});
        Rows resumedRows = new Rows();
        StrategyResult resumed = run(whole, shards, ckpt, true, resumedRows);
        assertEquals(3, resumed.restores(), "every worker restored its state from the checkpoint at iteration 6");
        assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(), "the decoder");
        IterationRecord last = resumedRows.rows.get(resumedRows.rows.size() - 1);
        assertEquals(wholeRows.rows.get(wholeRows.rows.size() - 1).dLoss(), last.dLoss(), 0.0, "the last code-discriminator loss");
        String gaussian = tmp.resolve("gaussian").toUri().toString();
        StrategyConfig g = config("flgan", "gaussian", 3, 9).setAverageEveryIterations(3);
        g.setCheckpointEvery(3);
        run(g, shards, gaussian, false, new Rows());
        // The prior reaches the encoder through the code discriminator (the decoder only through the codes, later).
        assertNotEquals(ModelParts.network(finalParts(gaussian, 9), AdversarialAutoencoder.ENCODER_PART).params(), avg.params(), "the prior is in effect");
    }

    @Test
    void mdganRefusesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config("mdgan", "gaussian", 2, 3).validate());
        assertEquals("autoencoder gaussian trains under strategies standalone and flgan so far, got strategy mdgan; expected --strategy standalone or flgan",
                e.getMessage());
    }
}
