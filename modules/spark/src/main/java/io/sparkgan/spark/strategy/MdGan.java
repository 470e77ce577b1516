package io.sparkgan.spark.strategy;

import io.sparkgan.core.Batch;
import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.nn.IterationScope;
import io.sparkgan.core.train.Cadence;
import io.sparkgan.core.train.DivergenceException;
import io.sparkgan.core.train.TrainingLoop;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.spark.runtime.ModelState;
import io.sparkgan.spark.runtime.WorkerContext;
import io.sparkgan.spark.runtime.WorkerJob;
import io.sparkgan.spark.runtime.WorkerSide;
import io.sparkgan.spark.runtime.Workers;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MD-GAN (Hardy, Le Merrer, Sericola, "MD-GAN: Multi-Discriminator Generative Adversarial Networks
 * for Distributed Datasets", IPDPS 2019, Algorithm 1) on the runtime: its driver step, its worker
 * step and its messages ({@link MdGanMessages}).
 *
 * <p>The generator and its optimizer live on the driver. Each iteration the driver draws k batches
 * of b generated samples, X_1..X_k; worker n receives X_n^(g) = X_(n mod k) for feedback and
 * X_n^(d) = X_((n+1) mod k) for its discriminator (0-based; with k = 1 both are X_1 and it is sent
 * once). Each worker finds its discriminator (with Adam state) in executor memory, takes L steps
 * on local real batches and X_n^(d), and returns the feedback F_n = dL_G/dX_n^(g). The driver
 * averages the feedback over workers ((1/N) Σ_n, each F_n already a batch mean) and backpropagates
 * it through G.
 *
 * <p>Every E local epochs the discriminators are permuted among workers (a random cyclic
 * permutation, so each one moves), worker to worker, never through the driver; every worker then
 * checkpoints, and so does the driver.
 */
public final class MdGan implements Strategy {
    @Override
    public String name() {
        return "mdgan";
    }

    @Override
    public TrainingLoop.Step step(StrategyContext ctx) {
        // The adversarial autoencoder moves MD-GAN's roles: see MdGanAutoencoder.
        return io.sparkgan.core.aae.AdversarialAutoencoder.on(ctx.config()) ? new MdGanAutoencoder.Driver(ctx) : new Driver(ctx);
    }

    @Override
    public int discriminators(StrategyConfig config) {
        return config.getWorkers();
    }

    /**
     * Every worker's discriminator at checkpoint {@code iteration}: each worker checkpoints its own
     * (after a swap, the one that arrived) at every driver checkpoint, so a run's final checkpoint
     * holds all of them. Worker K's is the one worker K held then.
     */
    @Override
    public List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> discriminators(StrategyConfig config, Map<String, byte[]> driverParts,
            String checkpointUri, int iteration, org.apache.hadoop.conf.Configuration hadoop) {
        List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> out = new java.util.ArrayList<>();
        for (int w = 0; w < config.getWorkers(); w++) {
            CheckpointStore store = new CheckpointStore(WorkerJob.workerStoreUri(checkpointUri, w), hadoop);
            if (!store.iterations().contains(iteration)) {
                throw new IllegalStateException("worker " + w + " has no checkpoint at iteration " + iteration + " in " + store.uri());
            }
            out.add(Gan.readDiscriminator(config, store.load(iteration), ModelParts.DISCRIMINATOR));
        }
        return out;
    }

    /** What a worker keeps in executor memory between iterations. */
    static final class WorkerState {
        final Discriminator discriminator;
        /** Which discriminator this is: they move between workers. */
        int discriminatorId;
        final BatchSampler sampler;

        WorkerState(Discriminator discriminator, int discriminatorId, BatchSampler sampler) {
            this.discriminator = discriminator;
            this.discriminatorId = discriminatorId;
            this.sampler = sampler;
        }
    }

    /** A worker's checkpoint besides its discriminator. */
    record WorkerMeta(int discriminatorId, BatchSampler.State sampler) {}

    /** The driver's checkpoint besides its generator. */
    record DriverState(GanRandom.State latentRng, GanRandom.State swapRng, int[] discriminatorOf) {}

    static final String WORKER_META = "worker.json";
    static final String DRIVER_STATE = "driver.json";

    /** The worker step: L discriminator steps and the feedback, on the discriminator the driver expects. */
    static final WorkerSide<WorkerState> WORKER = new WorkerSide<>() {
        @Override
        public WorkerState create(WorkerContext<WorkerState> ctx) {
            StrategyConfig c = ctx.config();
            return new WorkerState(Gan.discriminator(c, ctx.shard().dimension(), ctx.worker(), ctx.dtype()), ctx.worker(),
                    Shards.sampler(ctx.shard(), GanRandom.stream(c.getSeed(), "worker", ctx.worker())));
        }

        @Override
        public Map<String, CheckpointStore.PartWriter> checkpoint(WorkerState s) {
            Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
            ModelParts.putNetwork(parts, ModelParts.DISCRIMINATOR, s.discriminator.network());
            parts.put(WORKER_META, ModelParts.json(new WorkerMeta(s.discriminatorId, s.sampler.state())));
            return parts;
        }

        @Override
        public WorkerState restore(WorkerContext<WorkerState> ctx, Map<String, byte[]> parts) {
            WorkerMeta meta = ModelParts.json(parts, WORKER_META, WorkerMeta.class);
            Discriminator d = Gan.discriminator(ctx.config(), ModelParts.network(parts, ModelParts.DISCRIMINATOR), ctx.worker());
            ModelParts.restoreExtras(parts, ModelParts.DISCRIMINATOR, d.network());
            BatchSampler sampler = Shards.sampler(ctx.shard(), GanRandom.stream(ctx.config().getSeed(), "worker", ctx.worker()));
            sampler.restore(meta.sampler());
            return new WorkerState(d, meta.discriminatorId(), sampler);
        }

        @Override
        public Reply serve(WorkerContext<WorkerState> ctx, int t, DataInputStream request) throws IOException {
            MdGanMessages.Work work = MdGanMessages.readWork(request);
            WorkerState s = ctx.state(t - 1, x -> x.discriminatorId == work.discriminatorId());
            StrategyConfig c = ctx.config();
            DataType dtype = ctx.dtype();
            return IterationScope.run("mdgan-worker", () -> {
                try {
                    io.sparkgan.core.info.InfoGan info = io.sparkgan.core.info.InfoGan.of(s.discriminator.objective());
                    Batch[] x = work.read(dtype, s.discriminator.objective().classes() > 0, info == null ? 0 : info.codes().codeColumns());
                    // Worker compute is the GAN work only; decoding and encoding count as transfer.
                    long t0 = System.nanoTime();
                    double dLoss = s.discriminator.train(s.sampler, x[1], c.getLocalSteps(), c.getBatchSize(), dtype);
                    Discriminator.Feedback f = s.discriminator.feedback(x[0], s.sampler, c.getBatchSize(), dtype);
                    long nanos = System.nanoTime() - t0;
                    // The reply is encoded inside the workspace, where the feedback lives.
                    ModelState fetched = work.fetch() ? ModelState.of(s.discriminator.network()) : null;
                    byte[] body = io.sparkgan.spark.Payloads.encode(MdGanMessages.feedbackBytes(f.gradient()) + (fetched == null ? 0 : fetched.bytes()),
                            out -> {
                                io.sparkgan.spark.Payloads.writeMatrix(out, f.gradient());
                                if (fetched != null) {
                                    fetched.write(out);
                                }
                            });
                    return new Reply(dLoss, f.generatorLoss(), nanos, body.length, out -> out.write(body));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    };

    /** A uniformly random cyclic permutation (Sattolo's algorithm): no worker keeps its discriminator. */
    static int[] cyclicPermutation(int n, GanRandom rng) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /**
     * Moves the discriminator of worker w to worker dest[w] (with its whole model state) at
     * iteration t, then stamps and (with {@code checkpoint}) checkpoints every worker.
     *
     * @param holding the discriminator each worker holds before the swap
     */
    static Workers.Moved swap(Workers<WorkerState> workers, int[] holding, int[] dest, int t, boolean checkpoint) {
        return workers.move(t, dest,
                ctx -> {
                    WorkerState s = ctx.state(t, x -> x.discriminatorId == holding[ctx.worker()]);
                    return MdGanMessages.swap(s.discriminatorId, ModelState.of(s.discriminator.network()));
                },
                (ctx, message) -> {
                    MdGanMessages.Swap m = MdGanMessages.readSwap(message);
                    // The receiver's own discriminator has already left (every send ran before any receive),
                    // so its network takes the arriving state in place.
                    WorkerState s = ctx.state(t, x -> true);
                    m.state().applyTo(s.discriminator.network(), "worker " + ctx.worker());
                    s.discriminatorId = m.discriminatorId();
                },
                checkpoint, "mdgan swap of discriminators at iteration " + t);
    }

    /** The driver: generator, latent stream, swap schedule. */
    static final class Driver extends WorkersDriver<WorkerState> {
        private final StrategyContext ctx;
        private final StrategyConfig c;
        private final int k;
        private final int b;
        /** The swaps, and which discriminator each worker holds. */
        private final SwapSchedule swaps;
        private GanRandom latentRng;
        /** Discriminator 0 as last fetched from its worker (null: no evaluator reads one). */
        private final Discriminator evaluationCopy;

        Driver(StrategyContext ctx) {
            super(ctx, WORKER, ctx.config().getExchange().equals("session"), "mdgan");
            this.ctx = ctx;
            this.c = ctx.config();
            Shards shards = ctx.shards();
            this.k = c.effectiveK();
            this.b = c.getBatchSize();
            this.swaps = new SwapSchedule(c, shards);
            this.g = Gan.generator(c, shards.dimension(), ctx.dtype());
            this.latentRng = GanRandom.stream(c.getSeed(), "latent", 0);
            // An evaluator that reads a discriminator gets discriminator 0, fetched from its worker at evaluation points.
            this.evaluationCopy = ctx.evaluator() != null && ctx.evaluator().readsDiscriminator()
                    ? Gan.discriminator(c, shards.dimension(), 0, ctx.dtype()) : null;
        }

        @Override
        public Discriminator evaluationDiscriminator() {
            return evaluationCopy;
        }

        @Override
        public boolean forcesCheckpoint(int to) {
            return swaps.due(to);
        }

        /** One global iteration: generate, the workers' share, averaged feedback, generator step. */
        @Override
        public TrainingLoop.Outcome run(int from, int t, boolean checkpoint) {
            // A swap checkpoints every worker right after it, so the iteration before it need not.
            boolean workerCheckpoint = checkpoint && !swaps.due(t);
            return IterationScope.run("mdgan-driver", () -> {
                long t0 = System.nanoTime();
                io.sparkgan.core.Generator.Drawn drawn = g.draw(latentRng, k * b, t);
                INDArray z = drawn.z();
                Batch x = drawn.batch(g.generate(z));
                DivergenceException.check(x.x(), t, "a generated sample");
                long t1 = System.nanoTime();
                int fetchFrom = evaluationCopy != null && Cadence.evaluationDue(c, from, t) ? swaps.holderOf(0) : -1;
                List<byte[]> requests = MdGanMessages.work(x, swaps.holding(), t, k, b, workerCheckpoint, fetchFrom);
                List<io.sparkgan.spark.runtime.Envelope.Reply> replies = workers.exchange(requests, "mdgan iteration " + t);
                MdGanMessages.Aggregate a = MdGanMessages.aggregate(replies, k, b, g.dataType(), t);
                if (fetchFrom >= 0) {
                    // The aggregate has read every feedback; the fetching worker's reply goes on with its discriminator.
                    io.sparkgan.spark.runtime.Envelope.Reply r = replies.stream().filter(e -> e.worker() == fetchFrom).findFirst().orElseThrow();
                    try {
                        ModelState.read(r.body()).applyTo(evaluationCopy.network(), "worker " + fetchFrom);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("worker " + fetchFrom + " sent an unreadable discriminator: " + e.getMessage(), e);
                    }
                }
                long t2 = System.nanoTime();
                g.step(z, a.feedback());
                long t3 = System.nanoTime();
                io.sparkgan.spark.runtime.Envelope.Totals w = a.totals();
                return new TrainingLoop.Outcome(w.dLoss(), w.gLoss(), requests.stream().mapToLong(r -> r.length).sum(), w.bytes(), 0,
                        w.restores(), w.lostIterations(), w.workerSeconds(), ((t1 - t0) + (t3 - t2)) / 1e9);
            });
        }

        @Override
        public TrainingLoop.Outcome after(int t, boolean checkpoint) {
            if (!swaps.due(t)) {
                return null;
            }
            // The swap is a shuffle job of its own and needs the task slots: the session ends here
            // and the next iteration opens a new one.
            workers.endSession();
            Workers.Moved moved = swaps.swap((holding, dest) -> swap(workers, holding, dest, t, ctx.checkpointUri() != null));
            return new TrainingLoop.Outcome(0, 0, 0, 0, moved.bytes(), moved.restores(), moved.lostIterations(), 0, 0);
        }


        @Override
        public Map<String, CheckpointStore.PartWriter> checkpoint() {
            Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
            Gan.putGenerator(parts, g);
            parts.put(DRIVER_STATE, ModelParts.json(new DriverState(latentRng.state(), swaps.rngState(), swaps.holding())));
            return parts;
        }

        @Override
        public void restore(Map<String, byte[]> parts) {
            DriverState s = ModelParts.json(parts, DRIVER_STATE, DriverState.class);
            swaps.restore(s.swapRng(), s.discriminatorOf());
            org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = ModelParts.network(parts, ModelParts.GENERATOR);
            TrainingLoop.checkShape("generator", g.network(), net, null);
            Generator restored = Gan.restoredGenerator(c, net, parts);
            g = restored;
            latentRng = GanRandom.fromState(s.latentRng());
        }


    }
}
