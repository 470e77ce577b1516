package io.sparkgan.spark.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.Generator;
import io.sparkgan.core.nn.SpectralNorm;
import io.sparkgan.core.objective.NonSaturating;
import io.sparkgan.core.train.DivergenceException;
import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.train.RunInterruptedException;
import io.sparkgan.core.train.StopSignal;
import io.sparkgan.core.train.LocalIteration;
import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.data.Samples;
import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.spark.runtime.Envelope;
import io.sparkgan.spark.runtime.WorkerJob;
import io.sparkgan.spark.runtime.WorkerRegistry;
import io.sparkgan.spark.runtime.Workers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The strategies on a real local[2] Spark: equivalences, averaging, determinism, swaps, recovery, traffic. */
class StrategiesTest extends SparkTestBase {
    @TempDir
    Path tmp;

    StrategyResult run(StrategyConfig c, Shards shards, String checkpoints, TrainingListener listener) {
        c.validate();
        return Strategies.byName(c.getStrategy()).train(new StrategyContext(c, shards, sc, null, listener, checkpoints, false, DataType.FLOAT));
    }

    @Test
    void mdganWithOneWorkerIsTheStandaloneTrainerStepForStep() {
        Shards shards = Shards.iid(ring(64), 1, 9);
        Rows standaloneRows = new Rows();
        Rows mdganRows = new Rows();
        StrategyResult standalone = run(tiny("standalone", 1, 12), shards, null, standaloneRows);
        StrategyResult mdgan = run(tiny("mdgan", 1, 12).setK(1).setSwapEveryEpochs(0), shards, null, mdganRows);
        for (int i = 0; i < 12; i++) {
            assertEquals(standaloneRows.rows.get(i).dLoss(), mdganRows.rows.get(i).dLoss(), 0.0, "D loss at iteration " + (i + 1));
            assertEquals(standaloneRows.rows.get(i).gLoss(), mdganRows.rows.get(i).gLoss(), 0.0, "G loss at iteration " + (i + 1));
        }
        assertEquals(standalone.generator().network().params(), mdgan.generator().network().params());
    }

    @Test
    void withTheAcganObjectiveLabelsTravelAndOneWorkerStillEqualsStandalone() {
        // ring8's rows carry their mode as a label: a conditional run where real labels ride in the
        // shards and generated labels in MD-GAN's payloads.
        Shards shards = Shards.iid(ring(64), 1, 9);
        assertTrue(shards.labelled());
        StrategyConfig base = tiny("standalone", 1, 10);
        base.setObjective("acgan").setClasses(8);
        base.set(ParameterEma.SETTING, 0.0); // the trained generators are compared, not FL-GAN's average over rounds
        Rows standaloneRows = new Rows();
        Rows mdganRows = new Rows();
        Rows flRows = new Rows();
        StrategyResult standalone = run(copy(base, "standalone"), shards, null, standaloneRows);
        StrategyResult mdgan = run(copy(base, "mdgan").setK(1).setSwapEveryEpochs(0), shards, null, mdganRows);
        StrategyResult fl = run(copy(base, "flgan").setAverageEveryIterations(5), shards, null, flRows);
        assertEquals(8, standalone.generator().classes());
        assertEquals(standalone.generator().network().params(), mdgan.generator().network().params());
        assertEquals(standalone.generator().network().params(), fl.generator().network().params());
        assertEquals(standaloneRows.rows.get(9).gLoss(), mdganRows.rows.get(9).gLoss(), 0.0);
        // The generated labels cost one int each on the way down: 10 iterations × (payload + 4 b).
        assertEquals(10 * (11 + Payloads.batchBytes(8, 2, true)), mdgan.traffic().toWorkers());
    }

    private static StrategyConfig copy(StrategyConfig c, String strategy) {
        StrategyConfig s = tiny(strategy, c.getWorkers(), c.getIterations());
        s.setObjective(c.getObjective()).setClasses(c.getClasses());
        s.set(ParameterEma.SETTING, c.get(ParameterEma.SETTING));
        return s;
    }

    @Test
    void flganWithOneWorkerIsTheStandaloneTrainerStepForStep() {
        Shards shards = Shards.iid(ring(64), 1, 9);
        Rows standaloneRows = new Rows();
        Rows flRows = new Rows();
        StrategyConfig plain = tiny("standalone", 1, 12);
        plain.set(ParameterEma.SETTING, 0.0); // the trained generators are compared, not FL-GAN's average over rounds
        StrategyResult standalone = run(plain, shards, null, standaloneRows);
        // Rounds of 3 local iterations: averaging with one worker must change nothing, Adam state included.
        StrategyResult fl = run(copy(plain, "flgan").setAverageEveryIterations(3), shards, null, flRows);
        assertEquals(List.of(3, 6, 9, 12), flRows.rows.stream().map(IterationRecord::iteration).toList());
        assertEquals(standalone.generator().network().params(), fl.generator().network().params());
    }

    @Test
    void flganAveragesTheWorkersModelsWeightedByShardSize() {
        // Dirichlet shards of very different sizes, so an unweighted mean would be visibly off.
        Shards shards = Shards.build(ring(120), 2, 5, "dirichlet:0.5");
        long[] sizes = shards.sizes();
        assertTrue(Math.abs(sizes[0] - sizes[1]) >= 20, "the test needs unequal shards: " + Arrays.toString(sizes));
        int rounds = 4;
        StrategyConfig c = tiny("flgan", 2, rounds).setAverageEveryIterations(rounds);
        c.set(ParameterEma.SETTING, 0.0);
        StrategyResult fl = run(c, shards, null, new Rows());

        // Each worker's round, replayed in this JVM from the same start, shard and random streams.
        List<Samples> data = shards.rdd().glom().collect().stream()
                .map(rows -> Shards.materialise(rows.iterator(), shards.labelled())).toList();
        INDArray weighted = null;
        INDArray unweighted = null;
        for (int w = 0; w < 2; w++) {
            Generator g = Gan.generator(c, 2, DataType.FLOAT);
            Discriminator d = Gan.discriminator(c, 2, 0, DataType.FLOAT);
            BatchSampler sampler = Shards.sampler(data.get(w), GanRandom.stream(c.getSeed(), "worker", w));
            GanRandom latent = GanRandom.stream(c.getSeed(), "latent", w);
            for (int i = 0; i < rounds; i++) {
                LocalIteration.run(g, d, sampler, latent, c.getBatchSize(), c.getLocalSteps(), DataType.FLOAT, i + 1);
            }
            INDArray p = g.network().params().dup();
            double share = (double) sizes[w] / shards.totalSize();
            weighted = weighted == null ? p.mul(share) : weighted.addi(p.mul(share));
            unweighted = unweighted == null ? p.mul(0.5) : unweighted.addi(p.mul(0.5));
        }
        INDArray averaged = fl.generator().network().params();
        assertTrue(averaged.equalsWithEps(weighted, 1e-6), "the driver's generator is the shard-weighted mean of the workers'");
        assertTrue(!averaged.equalsWithEps(unweighted, 1e-4), "and not the plain mean (the shards differ in size)");

        // With a moving average, the driver folds the round's 4 updates into it: β⁴·θ₀ + (1 − β⁴)·mean.
        StrategyConfig withAverage = tiny("flgan", 2, rounds).setAverageEveryIterations(rounds);
        withAverage.set(ParameterEma.SETTING, 0.5);
        INDArray theta0 = Gan.generator(withAverage, 2, DataType.FLOAT).network().params();
        INDArray expected = theta0.mul(0.0625).addi(weighted.mul(0.9375));
        assertTrue(run(withAverage, shards, null, new Rows()).generator().network().params().equalsWithEps(expected, 1e-6),
                "the exported generator is the driver's average over the round");
    }

    @Test
    void averagedFeedbackIsTheGradientOfTheMeanGeneratorLossOverAllWorkers() {
        int n = 3;
        int k = 2;
        int b = 4;
        StrategyConfig c = tiny("mdgan", n, 1).setK(k);
        c.setBatchSize(b).setObjective("nonsaturating");
        Shards shards = Shards.iid(ring(60), n, 9);
        try (Workers<MdGan.WorkerState> workers = new Workers<>(sc, shards, job(c, shards, null), MdGan.WORKER, false)) {
            workers.initialise("test");
            Generator g = Gan.generator(c, 2, DataType.FLOAT);
            INDArray x = g.generate(g.latent(new GanRandom(1), k * b));
            List<Envelope.Reply> replies = workers.exchange(MdGanMessages.work(io.sparkgan.core.Batch.of(x), new int[] {0, 1, 2}, 1, k, b, false, -1), "test");
            INDArray feedback = MdGanMessages.aggregate(replies, k, b, DataType.FLOAT, 1).feedback();

            // Single process, double precision, finite differences of (1/N) Σ_n L_G(D_n(X_{n mod k})),
            // with each worker's discriminator as it was after its step (read from executor memory).
            List<MultiLayerNetwork> ds = new ArrayList<>();
            for (int w = 0; w < n; w++) {
                MdGan.WorkerState s = WorkerRegistry.get(workers.job().runId(), w);
                ds.add(s.discriminator.network().convertDataType(DataType.DOUBLE));
            }
            INDArray xd = x.castTo(DataType.DOUBLE).dup();
            NonSaturating ns = new NonSaturating();
            java.util.function.Supplier<Double> meanLoss = () -> {
                double total = 0;
                for (int w = 0; w < n; w++) {
                    INDArray batch = xd.get(NDArrayIndex.interval((w % k) * b, (w % k + 1) * b), NDArrayIndex.all());
                    total += ns.generatorLoss(ds.get(w).output(batch, false)).value() / n;
                }
                return total;
            };
            double eps = 1e-6;
            for (int i = 0; i < k * b; i++) {
                for (int j = 0; j < 2; j++) {
                    double v = xd.getDouble(i, j);
                    xd.putScalar(i, j, v + eps);
                    double plus = meanLoss.get();
                    xd.putScalar(i, j, v - eps);
                    double minus = meanLoss.get();
                    xd.putScalar(i, j, v);
                    assertEquals((plus - minus) / (2 * eps), feedback.getDouble(i, j), 2e-6, "feedback at sample " + i + ", coordinate " + j);
                }
            }
        }
    }

    static WorkerJob job(StrategyConfig c, Shards shards, String checkpoints) {
        return new WorkerJob(UUID.randomUUID().toString(), c, checkpoints, "FLOAT", shards.labelled());
    }

    @Test
    void sameSeedConfigAndWorkersGiveIdenticalResults() {
        Shards shards = Shards.iid(ring(120), 3, 9);
        for (String s : new String[] {"mdgan", "flgan"}) {
            StrategyConfig c = tiny(s, 3, 10).setK(2).setSwapEveryEpochs(1).setAverageEveryIterations(4);
            StrategyResult a = run(c, shards, null, new TrainingListener() {});
            StrategyResult b = run(c, shards, null, new TrainingListener() {});
            assertEquals(a.generator().network().params(), b.generator().network().params(), s);
            StrategyConfig seeded = tiny(s, 3, 10).setK(2).setSwapEveryEpochs(1).setAverageEveryIterations(4);
            seeded.setSeed(10);
            StrategyResult other = run(seeded, shards, null, new TrainingListener() {});
            assertNotEquals(a.generator().network().params(), other.generator().network().params(), s);
        }
    }

    @Test
    void aSwapMovesEveryDiscriminatorWithItsOptimizerStateToAnotherWorker() {
        int n = 3;
        Shards shards = Shards.iid(ring(60), n, 9);
        StrategyConfig c = tiny("mdgan", n, 1);
        try (Workers<MdGan.WorkerState> workers = new Workers<>(sc, shards, job(c, shards, null), MdGan.WORKER, false)) {
            workers.initialise("test");
            String run = workers.job().runId();
            INDArray[] params = new INDArray[n];
            INDArray[] moments = new INDArray[n];
            Discriminator[] before = new Discriminator[n];
            for (int w = 0; w < n; w++) {
                MdGan.WorkerState s = WorkerRegistry.get(run, w);
                s.discriminator.step(s.sampler.next(8, DataType.FLOAT), s.sampler.next(8, DataType.FLOAT)); // give it Adam state
                params[w] = s.discriminator.network().params().dup();
                moments[w] = s.discriminator.network().getUpdater().getStateViewArray().dup();
                before[w] = s.discriminator;
            }
            int[] dest = MdGan.cyclicPermutation(n, new GanRandom(3));
            long moved = MdGan.swap(workers, new int[] {0, 1, 2}, dest, 0, false).bytes();
            for (int w = 0; w < n; w++) {
                assertNotEquals(w, dest[w], "a cyclic permutation moves every discriminator");
                MdGan.WorkerState s = WorkerRegistry.get(run, dest[w]);
                assertEquals(w, s.discriminatorId, "worker " + dest[w] + " now holds discriminator " + w);
                assertEquals(params[w], s.discriminator.network().params(), "parameters travelled intact");
                assertSame(before[dest[w]], s.discriminator, "the values arrived through the shuffle, into the receiving worker's own network");
                assertEquals(1, s.discriminator.network().getLayerWiseConfigurations().getIterationCount(), "Adam's step count travelled too");
                assertEquals(moments[w], s.discriminator.network().getUpdater().getStateViewArray(), "Adam moments travelled");
            }
            long theta = before[0].network().numParams();
            assertEquals(n * MdGanMessages.swapBytes(theta, 2 * theta), moved, "|θ| float32 plus Adam's two moments per discriminator");
            // id, step and epoch counters, |θ| parameters, 2|θ| moments, the count of extra arrays (none)
            assertEquals(n * (12 + 8 + 4 * theta + 8 + 8 * theta + 4), moved, "the same, written out");
            // The same swap repeated (as when Spark re-runs a send after the receivers already have
            // their discriminators) sends the bytes remembered from the first time: nothing is duplicated.
            MdGan.swap(workers, new int[] {0, 1, 2}, dest, 0, false);
            for (int w = 0; w < n; w++) {
                MdGan.WorkerState s = WorkerRegistry.get(run, dest[w]);
                assertEquals(w, s.discriminatorId, "after the repeat, worker " + dest[w] + " still holds discriminator " + w);
                assertEquals(params[w], s.discriminator.network().params(), "and its parameters");
            }
        }
    }

    @Test
    void aLostWorkerStateIsRestoredFromItsCheckpointNotReinitialised() {
        Shards shards = Shards.iid(ring(80), 2, 9);
        StrategyConfig c = tiny("mdgan", 2, 6).setK(1).setSwapEveryEpochs(0);
        c.setCheckpointEvery(3);
        StrategyResult uninterrupted = run(c, shards, tmp.resolve("a").toUri().toString(), new TrainingListener() {});
        assertEquals(0, uninterrupted.restores());
        // Executors "lose" every worker's state right after the checkpoint at iteration 3.
        StrategyResult recovered = run(c, shards, tmp.resolve("b").toUri().toString(), new TrainingListener() {
            @Override
            public void onRecord(IterationRecord r) {
                if (r.iteration() == 3) {
                    WorkerRegistry.clearAll();
                }
            }
        });
        assertEquals(2, recovered.restores(), "both workers restored once");
        assertEquals(uninterrupted.generator().network().params(), recovered.generator().network().params(),
                "restoring the iteration-3 checkpoint continues exactly; a fresh discriminator would not");
        // Without checkpoints a lost state is an error, never a silent fresh start, whichever way workers are reached.
        for (String exchange : StrategyConfig.EXCHANGES) {
            Exception e = assertThrows(Exception.class, () -> run(tiny("mdgan", 2, 6).setK(1).setExchange(exchange), shards, null, new TrainingListener() {
                @Override
                public void onRecord(IterationRecord r) {
                    if (r.iteration() == 2) {
                        WorkerRegistry.clearAll();
                    }
                }
            }));
            assertTrue(rootMessage(e).contains("lost its state and this run keeps no checkpoints"), exchange + ": " + rootMessage(e));
        }
    }

    /** The local file system under a scheme of its own, which only the driver's Hadoop settings name. */
    public static class SchemeFs extends org.apache.hadoop.fs.RawLocalFileSystem {
        @Override
        public java.net.URI getUri() {
            return java.net.URI.create("sgtest:///");
        }

        @Override
        public String getScheme() {
            return "sgtest";
        }
    }

    @Test
    void tasksWriteAndRestoreCheckpointsThroughTheDriversHadoopSettings() {
        org.apache.hadoop.conf.Configuration hadoop = sc.hadoopConfiguration();
        hadoop.set("fs.sgtest.impl", SchemeFs.class.getName());
        // No cached instance either: in local mode the driver's would otherwise serve the tasks too.
        hadoop.setBoolean("fs.sgtest.impl.disable.cache", true);
        try {
            Shards shards = Shards.iid(ring(80), 2, 9);
            for (String s : new String[] {"mdgan", "flgan"}) {
                StrategyConfig c = tiny(s, 2, 6).setK(1).setSwapEveryEpochs(1).setAverageEveryIterations(2);
                c.setCheckpointEvery(2);
                Path folder = tmp.resolve("scheme-" + s);
                StrategyResult r = run(c, shards, "sgtest://" + folder.toAbsolutePath(), new TrainingListener() {
                    @Override
                    public void onRecord(IterationRecord record) {
                        if (record.iteration() == 4) {
                            WorkerRegistry.clearAll();
                        }
                    }
                });
                assertEquals(6, r.iteration(), s);
                assertEquals(2, r.restores(), s + ": both workers restored through the sgtest file system");
                assertTrue(Files.isDirectory(folder.resolve("workers/worker-00001")), s + ": worker checkpoints written there");
            }
        } finally {
            hadoop.unset("fs.sgtest.impl");
            hadoop.unset("fs.sgtest.impl.disable.cache");
        }
    }

    @Test
    void aResumedDistributedRunEndsExactlyWhereAnUninterruptedRunEnds() {
        Shards shards = Shards.iid(ring(96), 3, 9);
        for (String s : new String[] {"mdgan", "flgan"}) {
            // 32 samples per shard at b = 8: a local epoch is 4 iterations, so MD-GAN swaps at 4 and 8.
            StrategyConfig whole = tiny(s, 3, 9).setK(2).setAverageEveryIterations(3);
            whole.setCheckpointEvery(3);
            StrategyResult uninterrupted = run(whole, shards, tmp.resolve(s + "-whole").toUri().toString(), new TrainingListener() {});

            String ckpt = tmp.resolve(s + "-split").toUri().toString();
            StrategyConfig first = tiny(s, 3, 6).setK(2).setAverageEveryIterations(3);
            first.setCheckpointEvery(3);
            run(first, shards, ckpt, new TrainingListener() {});
            whole.validate();
            StrategyResult resumed = Strategies.byName(s).train(new StrategyContext(whole, shards, sc, null, new TrainingListener() {}, ckpt, true, DataType.FLOAT));
            assertEquals(9, resumed.iteration(), s);
            assertEquals(3, resumed.restores(), s + ": every worker restored its state from the checkpoint at iteration 6");
            assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(), s);
            assertEquals(uninterrupted.traffic(), resumed.traffic(), s + ": traffic counters continue too");
        }
    }

    private static StrategyConfig spectral(StrategyConfig c) {
        c.set(SpectralNorm.SETTING, true);
        return c;
    }

    @Test
    void withSpectralNormMdganWithOneWorkerIsStillTheStandaloneTrainerStepForStep() {
        Shards shards = Shards.iid(ring(64), 1, 9);
        Rows standaloneRows = new Rows();
        Rows mdganRows = new Rows();
        Rows plainRows = new Rows();
        StrategyResult standalone = run(spectral(tiny("standalone", 1, 12)), shards, null, standaloneRows);
        StrategyResult mdgan = run(spectral(tiny("mdgan", 1, 12).setK(1).setSwapEveryEpochs(0)), shards, null, mdganRows);
        run(tiny("standalone", 1, 12), shards, null, plainRows);
        for (int i = 0; i < 12; i++) {
            assertEquals(standaloneRows.rows.get(i).dLoss(), mdganRows.rows.get(i).dLoss(), 0.0, "D loss at iteration " + (i + 1));
            assertEquals(standaloneRows.rows.get(i).gLoss(), mdganRows.rows.get(i).gLoss(), 0.0, "G loss at iteration " + (i + 1));
        }
        assertEquals(standalone.generator().network().params(), mdgan.generator().network().params());
        assertNotEquals(plainRows.rows.get(0).dLoss(), standaloneRows.rows.get(0).dLoss(), "spectral-norm is in effect");
    }

    @Test
    void withSpectralNormAResumedRunWithSwapsEndsExactlyWhereAnUninterruptedRunEnds() {
        Shards shards = Shards.iid(ring(96), 3, 9);
        for (String s : new String[] {"mdgan", "flgan"}) {
            // 32 samples per shard at b = 8: a local epoch is 4 iterations, so MD-GAN swaps at 4 and 8;
            // the run is cut at 6, between two swaps, so the restored u vectors travel on at 8.
            StrategyConfig whole = spectral(tiny(s, 3, 9).setK(2).setAverageEveryIterations(3));
            whole.setCheckpointEvery(3);
            Rows wholeRows = new Rows();
            StrategyResult uninterrupted = run(whole, shards, tmp.resolve("sn-" + s + "-whole").toUri().toString(), wholeRows);

            String ckpt = tmp.resolve("sn-" + s + "-split").toUri().toString();
            StrategyConfig first = spectral(tiny(s, 3, 6).setK(2).setAverageEveryIterations(3));
            first.setCheckpointEvery(3);
            run(first, shards, ckpt, new TrainingListener() {});
            whole.validate();
            Rows resumedRows = new Rows();
            StrategyResult resumed = Strategies.byName(s).train(new StrategyContext(whole, shards, sc, null, resumedRows, ckpt, true, DataType.FLOAT));
            assertEquals(3, resumed.restores(), s + ": every worker restored its state, u vectors included, from the checkpoint at iteration 6");
            assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(), s);
            IterationRecord last = resumedRows.rows.get(resumedRows.rows.size() - 1);
            assertEquals(wholeRows.rows.get(wholeRows.rows.size() - 1).dLoss(), last.dLoss(), 0.0, s + ": the last D loss");
        }
    }

    @Test
    void withSpectralNormEveryObjectiveTrainsUnderEveryStrategy() {
        Shards shards = Shards.iid(ring(64), 2, 9);
        for (String objective : io.sparkgan.core.objective.Objectives.NAMES) {
            for (String s : new String[] {"standalone", "mdgan", "flgan"}) {
                StrategyConfig c = spectral(tiny(s, s.equals("standalone") ? 1 : 2, 3).setK(1).setAverageEveryIterations(1));
                c.setObjective(objective).setLocalSteps(1);
                if (io.sparkgan.core.objective.Objectives.conditional(objective)) {
                    c.setClasses(8);
                }
                Rows rows = new Rows();
                StrategyResult r = run(c, s.equals("standalone") ? Shards.iid(ring(64), 1, 9) : shards, null, rows);
                assertEquals(3, r.iteration(), objective + " under " + s);
                assertTrue(rows.rows.stream().allMatch(x -> Double.isFinite(x.dLoss()) && Double.isFinite(x.gLoss())), objective + " under " + s + ": finite losses");
            }
        }
    }

    @Test
    void theSessionAndThePerIterationJobExchangesGiveIdenticalRuns() {
        Shards shards = Shards.iid(ring(96), 3, 9);
        StrategyResult[] results = new StrategyResult[2];
        Rows[] rows = {new Rows(), new Rows()};
        String[] exchanges = {"session", "job"};
        for (int i = 0; i < 2; i++) {
            // Swaps at 4 and 8, checkpoints at 3, 6, 9, and every worker's state lost after iteration 6.
            StrategyConfig c = tiny("mdgan", 3, 9).setK(2).setExchange(exchanges[i]);
            c.setCheckpointEvery(3);
            Rows r = rows[i];
            results[i] = run(c, shards, tmp.resolve(exchanges[i]).toUri().toString(), new TrainingListener() {
                @Override
                public void onRecord(IterationRecord record) {
                    r.onRecord(record);
                    if (record.iteration() == 6) {
                        WorkerRegistry.clearAll();
                    }
                }
            });
        }
        assertEquals(results[1].generator().network().params(), results[0].generator().network().params());
        assertEquals(3, results[0].restores());
        assertEquals(3, results[1].restores());
        assertEquals(results[1].traffic(), results[0].traffic(), "the same bytes are counted either way");
        for (int i = 0; i < 9; i++) {
            assertEquals(rows[1].rows.get(i).dLoss(), rows[0].rows.get(i).dLoss(), 0.0, "iteration " + (i + 1));
        }
    }

    static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    @Test
    void trafficMatchesThePapersFormulas() {
        int n = 3;
        int b = 8;
        int d = 2;
        Shards shards = Shards.iid(ring(90), n, 9);
        Rows rows = new Rows();
        // 30 samples per shard, L·b = 8 per iteration: one local epoch = 4 iterations, so one swap in 5 iterations.
        run(tiny("mdgan", n, 5).setK(2).setSwapEveryEpochs(1), shards, null, rows);
        long perIterationDown = n * (11 + 2 * Payloads.matrixBytes(b, d)); // 2bd floats per worker + header (ids, flags)
        long perIterationUp = n * (28 + Payloads.matrixBytes(b, d));       // bd floats per worker + losses, flags, time
        for (IterationRecord r : rows.rows) {
            assertEquals(r.iteration() * perIterationDown, r.traffic().toWorkers(), "down after iteration " + r.iteration());
            assertEquals(r.iteration() * perIterationUp, r.traffic().fromWorkers(), "up after iteration " + r.iteration());
        }
        assertEquals(0, rows.rows.get(2).traffic().betweenWorkers(), "no swap before the end of the first epoch");
        long swapped = rows.rows.get(4).traffic().betweenWorkers();
        long theta = Gan.discriminator(tiny("mdgan", n, 5), d, 0, DataType.FLOAT).network().numParams();
        assertEquals(n * MdGanMessages.swapBytes(theta, 2 * theta), swapped, "one swap moves N discriminators with their Adam moments");

        Rows fl = new Rows();
        run(tiny("flgan", n, 6).setAverageEveryIterations(3), shards, null, fl);
        long w = Gan.generator(tiny("flgan", n, 6), d, DataType.FLOAT).network().numParams();
        // |w| + |θ| each way, each with the count of its extra arrays (4 bytes; none here)
        long perRound = n * (9 + Payloads.matrixBytes(1, w) + 4 + Payloads.matrixBytes(1, theta) + 4);
        assertEquals(2 * perRound, fl.rows.get(1).traffic().toWorkers());
        assertEquals(2 * (perRound - n * 9 + n * 28), fl.rows.get(1).traffic().fromWorkers());
        assertEquals(0, fl.rows.get(1).traffic().betweenWorkers());
    }

    @Test
    void aNonFiniteWorkerStopsTheRunNamingItAndTheLastCheckpointResumes() {
        Shards shards = Shards.iid(ring(96), 3, 9);
        for (String s : new String[] {"mdgan", "flgan"}) {
            StrategyConfig c = tiny(s, 3, 8).setK(2).setSwapEveryEpochs(0).setAverageEveryIterations(2);
            c.setCheckpointEvery(2);
            StrategyResult uninterrupted = run(c, shards, tmp.resolve(s + "-clean").toUri().toString(), new TrainingLoopRows());
            String ckpt = tmp.resolve(s + "-nan").toUri().toString();
            // Worker 1's discriminator turns to NaN right after the checkpoint at iteration 4 (its
            // Adam moments for FL-GAN, whose parameters the next round overwrites).
            Exception e = assertThrows(DivergenceException.class, () -> run(c, shards, ckpt, new TrainingLoopRows() {
                @Override
                public void onRecord(IterationRecord r) {
                    if (r.iteration() == 4) {
                        Object state = WorkerRegistry.anyRun(1);
                        MultiLayerNetwork d = state instanceof MdGan.WorkerState m ? m.discriminator.network() : ((FlGan.WorkerState) state).discriminator.network();
                        (s.equals("mdgan") ? d.params() : d.getUpdater().getStateViewArray()).assign(Double.NaN);
                    }
                }
            }));
            int at = s.equals("mdgan") ? 5 : 6;
            assertEquals("training diverged at iteration " + at + ": worker 1's discriminator loss is not finite (NaN or infinity)", e.getMessage(), s);
            io.sparkgan.core.checkpoint.CheckpointStore store = new io.sparkgan.core.checkpoint.CheckpointStore(ckpt);
            assertEquals(4, store.latest().orElseThrow(), s + ": nothing was checkpointed after the divergence");
            StrategyResult resumed = Strategies.byName(s).train(new StrategyContext(c, shards, sc, null, new TrainingListener() {}, ckpt, true, DataType.FLOAT));
            assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(),
                    s + ": the run resumes from the last good checkpoint and ends where a clean run ends");
        }
    }

    @Test
    void aStopRequestCheckpointsEveryoneAndTheResumedRunEndsWhereAnUninterruptedOneEnds() {
        Shards shards = Shards.iid(ring(96), 3, 9);
        for (String s : new String[] {"mdgan", "flgan", "standalone"}) {
            // No checkpoint falls at the stop (checkpoint-every 1000): the stop writes its own, workers included.
            StrategyConfig c = tiny(s, 3, 9).setK(2).setAverageEveryIterations(3);
            StrategyResult uninterrupted = run(c, shards, tmp.resolve(s + "-whole").toUri().toString(), new TrainingLoopRows());
            String ckpt = tmp.resolve(s + "-stopped").toUri().toString();
            try {
                RunInterruptedException e = assertThrows(RunInterruptedException.class, () -> run(c, shards, ckpt, new TrainingLoopRows() {
                    @Override
                    public void onRecord(IterationRecord r) {
                        if (r.iteration() == 5 || (s.equals("flgan") && r.iteration() == 6)) {
                            StopSignal.request("TERM");
                        }
                    }
                }));
                int at = s.equals("flgan") ? 6 : 5;
                assertEquals(at, e.iteration(), s);
                assertEquals(at, e.checkpoint(), s + ": a checkpoint at the iteration it stopped at");
            } finally {
                StopSignal.reset();
            }
            StrategyResult resumed = Strategies.byName(s).train(new StrategyContext(c, shards, sc, null, new TrainingListener() {}, ckpt, true, DataType.FLOAT));
            assertEquals(9, resumed.iteration(), s);
            assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(), s);
        }
    }

    @Test
    void aDamagedLatestCheckpointIsSkippedForThePreviousOne() throws Exception {
        Shards shards = Shards.iid(ring(96), 3, 9);
        for (String s : new String[] {"mdgan", "flgan"}) {
            StrategyConfig whole = tiny(s, 3, 9).setK(2).setAverageEveryIterations(3);
            whole.setCheckpointEvery(3);
            StrategyResult uninterrupted = run(whole, shards, tmp.resolve(s + "-whole").toUri().toString(), new TrainingListener() {});
            Path folder = tmp.resolve(s + "-damaged");
            StrategyConfig first = tiny(s, 3, 6).setK(2).setAverageEveryIterations(3);
            first.setCheckpointEvery(3);
            run(first, shards, folder.toUri().toString(), new TrainingListener() {});
            // The newest checkpoint's generator is cut short, as a full disk or an interrupted copy leaves it.
            Path g = folder.resolve("iter-000000006").resolve("generator.zip");
            Files.write(g, Arrays.copyOf(Files.readAllBytes(g), 100));
            StrategyResult resumed = Strategies.byName(s).train(new StrategyContext(whole, shards, sc, null, new TrainingListener() {},
                    folder.toUri().toString(), true, DataType.FLOAT));
            assertEquals(9, resumed.iteration(), s);
            assertEquals(uninterrupted.generator().network().params(), resumed.generator().network().params(),
                    s + ": resumed from iteration 3, whose worker checkpoints are still there, and ended exactly where a whole run ends");
        }
    }

    @Test
    void restoresAndTheIterationsTheyLostAreCountedInTheRows() {
        Shards shards = Shards.iid(ring(80), 2, 9);
        StrategyConfig c = tiny("mdgan", 2, 8).setK(1).setSwapEveryEpochs(0);
        c.setCheckpointEvery(3);
        Rows rows = new Rows();
        StrategyResult r = run(c, shards, tmp.resolve("lost").toUri().toString(), new TrainingListener() {
            @Override
            public void onRecord(IterationRecord record) {
                rows.onRecord(record);
                if (record.iteration() == 5) {
                    WorkerRegistry.clearAll(); // both workers lose iterations 4 and 5 (restored from 3)
                }
            }
        });
        assertEquals(2, r.restores());
        assertEquals(4, r.lostIterations(), "two workers restored from iteration 3 at iteration 5");
        assertEquals(0, rows.rows.get(4).restores());
        assertEquals(2, rows.rows.get(5).restores());
        assertEquals(4, rows.rows.get(7).lostIterations());
    }

    /** A listener that records nothing, for runs whose rows the test does not read. */
    static class TrainingLoopRows implements TrainingListener {}
}
