package io.sparkgan.spark.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * where an uninterrupted one ends. MD-GAN with one worker is the standalone run step for step too
 * (the code discriminator on the driver, the autoencoder on the worker); with three its traffic is
 * exactly the codes, their feedback, the swaps and one fetch, a resumed run ends where an
 * uninterrupted one ends across swaps, and workers that lose their state restore it.
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
    void withOneWorkerMdganIsTheStandaloneAutoencoderStepForStep() {
        Shards shards = Shards.iid(ring(64), 1, 9);
        String a = tmp.resolve("standalone").toUri().toString();
        String b = tmp.resolve("mdgan").toUri().toString();
        Rows standaloneRows = new Rows();
        Rows mdRows = new Rows();
        StrategyResult standalone = run(config("standalone", "labelled-mixture", 1, 6), shards, a, false, standaloneRows);
        StrategyResult md = run(config("mdgan", "labelled-mixture", 1, 6), shards, b, false, mdRows);
        assertEquals(standalone.generator().network().params(), md.generator().network().params(), "the decoder, fetched from the worker");
        Map<String, byte[]> sp = finalParts(a, 6);
        Map<String, byte[]> mp = finalParts(b, 6);
        for (String part : new String[] {ModelParts.DISCRIMINATOR, AdversarialAutoencoder.ENCODER_PART}) {
            assertEquals(ModelParts.network(sp, part).params(), ModelParts.network(mp, part).params(), part);
        }
        for (int i = 0; i < 6; i++) {
            assertEquals(standaloneRows.rows.get(i).dLoss(), mdRows.rows.get(i).dLoss(), 0.0, "code-discriminator loss at " + (i + 1));
            assertEquals(standaloneRows.rows.get(i).gLoss(), mdRows.rows.get(i).gLoss(), 0.0, "encoder's adversarial loss at " + (i + 1));
        }
    }

    @Test
    void mdganMovesExactlyTheCodesTheirFeedbackTheSwapsAndOneFetch() {
        int n = 3;
        int t = 9;
        Shards shards = Shards.iid(ring(96), n, 9); // 32 rows per shard, b = 8: 4 iterations per epoch
        StrategyConfig c = config("mdgan", "labelled-mixture", n, t).setSwapEveryEpochs(1);
        StrategyResult r = run(c, shards, null, false, new Rows());
        int b = c.getBatchSize();
        int latent = c.getLatentDim();
        AdversarialAutoencoder aae = AdversarialAutoencoder.create(c, 2, 8, DataType.FLOAT);
        long dec = aae.decoder().network().numParams();
        long enc = aae.encoder().network().numParams();
        long perIterationOut = n * (MdGanAutoencoder.Messages.ENCODE_HEADER + MdGanAutoencoder.Messages.REGULARIZE_HEADER
                + io.sparkgan.spark.Payloads.matrixBytes(b, latent));
        long perIterationBack = n * (io.sparkgan.spark.runtime.Envelope.REPLY + io.sparkgan.spark.Payloads.batchBytes(b, latent, true)
                + io.sparkgan.spark.runtime.Envelope.REPLY);
        // Evaluation is due only at the end and no checkpoints are kept: autoencoder 0 is fetched once, parameters only.
        long fetch = io.sparkgan.spark.Payloads.matrixBytes(1, dec) + 4 + io.sparkgan.spark.Payloads.matrixBytes(1, enc) + 4;
        // id, both networks with Adam's two moments, the encoder's second Adam state and its step count, no moving average.
        long swap = 4 + io.sparkgan.spark.runtime.ModelState.bytes(dec, 2 * dec) + io.sparkgan.spark.runtime.ModelState.bytes(enc, 2 * enc)
                + 4 + io.sparkgan.spark.Payloads.matrixBytes(1, 2 * enc) + io.sparkgan.spark.Payloads.matrixBytes(1, 1) + 1;
        assertEquals(t * perIterationOut, r.traffic().toWorkers(), "encode and regularize requests");
        assertEquals(t * perIterationBack + fetch, r.traffic().fromWorkers(), "codes with their classes, empty replies, one fetch");
        assertEquals(2 * n * swap, r.traffic().betweenWorkers(), "two swaps (at 4 and 8), each moving every autoencoder with its state");
    }

    @Test
    void mdganResumedEndsWhereAnUninterruptedRunEndsAndALostWorkerRestores() {
        int n = 3;
        Shards shards = Shards.iid(ring(96), n, 9);
        StrategyConfig whole = config("mdgan", "mixture", n, 9).setSwapEveryEpochs(1);
        whole.setCheckpointEvery(3);
        Rows wholeRows = new Rows();
        StrategyResult uninterrupted = run(whole, shards, tmp.resolve("whole").toUri().toString(), false, wholeRows);
        assertEquals(0, uninterrupted.restores());

        String ckpt = tmp.resolve("split").toUri().toString();
        StrategyConfig first = config("mdgan", "mixture", n, 6).setSwapEveryEpochs(1);
        first.setCheckpointEvery(3);
        run(first, shards, ckpt, false, new TrainingListener() {});
        Rows resumedRows = new Rows();
        StrategyResult resumed = run(whole, shards, ckpt, true, resumedRows);
        assertEquals(n, resumed.restores(), "every worker restored its autoencoder (the one it held after the swap at 4) from iteration 6");
        assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(), "the decoder");
        assertEquals(wholeRows.rows.get(wholeRows.rows.size() - 1).dLoss(), resumedRows.rows.get(resumedRows.rows.size() - 1).dLoss(), 0.0,
                "the last code-discriminator loss");

        // Executors lose every worker's state after iteration 5: each restores the checkpoint at 4 (the swap's) and loses one iteration.
        StrategyResult recovered = run(whole, shards, tmp.resolve("lost").toUri().toString(), false, new TrainingListener() {
            @Override
            public void onRecord(IterationRecord r) {
                if (r.iteration() == 5) {
                    io.sparkgan.spark.runtime.WorkerRegistry.clearAll();
                }
            }
        });
        assertEquals(n, recovered.restores());
        assertEquals(n, recovered.lostIterations(), "one iteration lost per worker");
        assertEquals(9, recovered.iteration());
        assertNotEquals(uninterrupted.generator().network().params(), recovered.generator().network().params(), "the lost iteration shows");
    }

    @Test
    void aRepeatedExchangeIsAnsweredFromMemoryAndAWorkerLostBetweenTheTwoRestoresAndSkipsTheStepWhoseBatchIsGone() {
        Shards shards = Shards.iid(ring(64), 2, 9);
        StrategyConfig c = config("mdgan", "gaussian", 2, 3);
        c.validate();
        String ckpt = tmp.resolve("phases").toUri().toString();
        try (io.sparkgan.spark.runtime.Workers<MdGanAutoencoder.WorkerState> workers = new io.sparkgan.spark.runtime.Workers<>(sc, shards,
                StrategiesTest.job(c, shards, ckpt), MdGanAutoencoder.WORKER, false)) {
            workers.initialise("test");
            String run = workers.job().runId();
            java.util.function.IntFunction<org.nd4j.linalg.api.ndarray.INDArray> encoder = w -> io.sparkgan.spark.runtime.WorkerRegistry
                    .<MdGanAutoencoder.WorkerState>get(run, w).aae.encoder().network().params().dup();
            org.nd4j.linalg.api.ndarray.INDArray initial = encoder.apply(0);
            java.util.List<byte[]> encode = java.util.List.of(MdGanAutoencoder.Messages.encode(1, 0), MdGanAutoencoder.Messages.encode(1, 1));
            java.util.List<io.sparkgan.spark.runtime.Envelope.Reply> first = workers.exchange(encode, "encode");
            org.nd4j.linalg.api.ndarray.INDArray reconstructed = encoder.apply(0);
            assertNotEquals(initial, reconstructed, "the reconstruction step moved the encoder");
            java.util.List<io.sparkgan.spark.runtime.Envelope.Reply> again = workers.exchange(encode, "encode, retried");
            assertEquals(reconstructed, encoder.apply(0), "a retried exchange does not train twice");
            assertEquals(first.get(0).bytes(), again.get(0).bytes());
            assertEquals(first.get(0).dLoss(), again.get(0).dLoss(), 0.0, "the same answer");

            io.sparkgan.spark.runtime.WorkerRegistry.clearAll();
            org.nd4j.linalg.api.ndarray.INDArray grad = org.nd4j.linalg.factory.Nd4j.ones(DataType.FLOAT, c.getBatchSize(), c.getLatentDim());
            java.util.List<io.sparkgan.spark.runtime.Envelope.Reply> done = workers.exchange(java.util.List.of(
                    MdGanAutoencoder.Messages.regularize(1, 0, false, true, grad), MdGanAutoencoder.Messages.regularize(1, 1, false, false, grad)),
                    "regularize");
            assertEquals(0, done.get(0).restoredFrom(), "restored from the checkpoint at 0");
            assertEquals(initial, encoder.apply(0), "the batch was lost with the state: no regularization step on another batch's feedback");
            AdversarialAutoencoder copy = AdversarialAutoencoder.create(c, 2, 0, DataType.FLOAT);
            copy.encoder().network().params().assign(0);
            MdGanAutoencoder.Messages.readFetch(done.get(0).body(), copy, "worker 0");
            assertEquals(initial, copy.encoder().network().params(), "the fetch sends the worker's encoder");
        }
    }
}
