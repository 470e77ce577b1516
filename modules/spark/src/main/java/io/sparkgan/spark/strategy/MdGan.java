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
import io.sparkgan.core.train.Traffic;
import io.sparkgan.data.Samples;
import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.spark.WorkerRegistry;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * MD-GAN (Hardy, Le Merrer, Sericola, "MD-GAN: Multi-Discriminator Generative Adversarial Networks
 * for Distributed Datasets", IPDPS 2019, Algorithm 1) on Spark.
 *
 * <p>The generator and its optimizer live on the driver. Each iteration the driver draws k batches
 * of b generated samples, X_1..X_k; worker n receives X_n^(g) = X_(n mod k) for feedback and
 * X_n^(d) = X_((n+1) mod k) for its discriminator (0-based; with k = 1 both are X_1 and it is sent
 * once). One Spark job runs over the N shard partitions: each task finds its worker's discriminator
 * (with Adam state) in executor memory ({@link WorkerRegistry}), takes L steps on local real batches
 * and X_n^(d), and returns the feedback F_n = dL_G/dX_n^(g). The driver averages the feedback over
 * workers ((1/N) Σ_n, each F_n already a batch mean) and backpropagates it through G.
 *
 * <p>Every E local epochs the discriminators are permuted among workers (a random cyclic permutation,
 * so each one moves) through a Spark shuffle: worker to worker, never through the driver. Every C
 * iterations, and after each swap, the driver and every worker write checkpoints for the same
 * iteration; a task that finds no or stale state in its executor restores from its worker's
 * checkpoint and the restore is counted, never replaced by a fresh discriminator.
 */
public final class MdGan implements Strategy {
    private static final Logger LOG = LoggerFactory.getLogger(MdGan.class);
    /** A payload's fields before its batches: iteration, discriminator id, checkpoint and same-batch flags. */
    static final int PAYLOAD_HEADER = 4 + 4 + 1 + 1;

    @Override
    public String name() {
        return "mdgan";
    }

    /** What a worker keeps in executor memory between iterations. */
    static final class WorkerState {
        Discriminator discriminator;
        int discriminatorId;
        final BatchSampler sampler;
        /** The iteration this state is current for. */
        int iteration;

        WorkerState(Discriminator discriminator, int discriminatorId, BatchSampler sampler, int iteration) {
            this.discriminator = discriminator;
            this.discriminatorId = discriminatorId;
            this.sampler = sampler;
            this.iteration = iteration;
        }
    }

    /** Worker-side metadata of a checkpoint. */
    record WorkerMeta(int iteration, int discriminatorId, BatchSampler.State sampler) {}

    /** Driver-side checkpoint state (besides the generator). */
    record DriverState(int iteration, double wallSeconds, GanRandom.State latentRng, GanRandom.State swapRng,
            int[] discriminatorOf, Traffic traffic, int restores) {}


    @Override
    public StrategyResult train(StrategyContext ctx) {
        StrategyConfig c = ctx.config();
        Shards shards = ctx.shards();
        int n = shards.workers();
        int k = c.effectiveK();
        int b = c.getBatchSize();
        int dim = shards.dimension();
        WorkerJob job = WorkerJob.of(ctx);
        CheckpointStore driverStore = ctx.checkpointUri() == null ? null : new CheckpointStore(ctx.checkpointUri(), ctx.sc().hadoopConfiguration());

        Generator g = Gan.generator(c, dim, ctx.dtype());
        GanRandom latentRng = GanRandom.stream(c.getSeed(), "latent", 0);
        GanRandom swapRng = GanRandom.stream(c.getSeed(), "swap", 0);
        int[] discriminatorOf = new int[n];
        Arrays.setAll(discriminatorOf, i -> i);
        int iteration = 0;
        double wallBefore = 0;
        Traffic traffic = Traffic.NONE;
        int restores = 0;
        if (ctx.resume() && driverStore != null && driverStore.latest().isPresent()) {
            Map<String, byte[]> parts = driverStore.load(driverStore.latest().get());
            g = Gan.generator(c, ModelParts.network(parts, ModelParts.GENERATOR));
            DriverState s = ModelParts.json(parts, WorkerCheckpoints.DRIVER, DriverState.class);
            iteration = s.iteration();
            wallBefore = s.wallSeconds();
            latentRng = GanRandom.fromState(s.latentRng());
            swapRng = GanRandom.fromState(s.swapRng());
            discriminatorOf = s.discriminatorOf();
            traffic = s.traffic();
            restores = s.restores();
        } else {
            initialiseWorkers(shards.rdd(), job);
        }

        int swapPeriod = c.getSwapEveryEpochs() == 0 || n == 1 ? 0
                : c.getSwapEveryEpochs() * c.iterationsPerEpoch(Arrays.stream(shards.sizes()).min().orElse(1));
        Cadence cadence = new Cadence(c, ctx.listener(), wallBefore);
        ctx.listener().onStart(iteration, c.getIterations());
        double workerSeconds = 0;
        double driverSeconds = 0;
        boolean sessions = c.getExchange().equals("session");
        int tasks = Math.max(1, Math.min(n, ctx.sc().defaultParallelism()));
        ExchangeSession session = null;
        try {
            while (iteration < c.getIterations()) {
                int t = iteration + 1;
                if (sessions && session == null) {
                    session = new ExchangeSession(ctx.sc(), shards.rdd(), job, n, tasks);
                }
                boolean swap = swapPeriod > 0 && t % swapPeriod == 0;
                boolean checkpoint = driverStore != null && (cadence.checkpointDue(iteration, t) || swap);
                IterationOutcome out = iterate(ctx, job, session, g, latentRng, discriminatorOf, t, k, checkpoint && !swap);
                traffic = traffic.plus(out.bytesDown, out.bytesUp, 0);
                restores += out.restores;
                workerSeconds += out.workerSeconds;
                driverSeconds += out.driverSeconds;
                if (swap) {
                    if (session != null) {
                        // The swap is a shuffle job of its own; the next iteration opens a new session.
                        session.close();
                        session = null;
                    }
                    int[] dest = cyclicPermutation(n, swapRng);
                    long moved = swap(shards.rdd(), job, discriminatorOf, dest, t, driverStore != null);
                    int[] next = new int[n];
                    for (int w = 0; w < n; w++) {
                        next[dest[w]] = discriminatorOf[w];
                    }
                    discriminatorOf = next;
                    traffic = traffic.plus(0, 0, moved);
                }
                iteration = t;
                Generator gen = g;
                cadence.after(t - 1, t, out.dLoss, out.gLoss, traffic, ctx.evaluator() == null ? null : () -> ctx.evaluate(gen, t));
                if (checkpoint) {
                    saveDriver(driverStore, g, new DriverState(t, cadence.wallSeconds(), latentRng.state(), swapRng.state(),
                            discriminatorOf.clone(), traffic, restores), c.getKeepCheckpoints());
                }
            }
            if (session != null) {
                session.close();
                session = null;
            }
            ctx.listener().onEnd();
        } finally {
            if (session != null) {
                session.abort();
            }
            WorkerRegistry.release(shards.rdd(), job.runId());
        }
        return new StrategyResult(g, iteration, cadence.lastMetrics(), traffic, cadence.wallSeconds(), restores, workerSeconds, driverSeconds);
    }

    record IterationOutcome(double dLoss, double gLoss, long bytesDown, long bytesUp, int restores, double workerSeconds, double driverSeconds) {}

    /**
     * One global iteration: generate, the workers' share (through the session if there is one, else
     * one Spark job over the shards), average feedback, generator step.
     */
    static IterationOutcome iterate(StrategyContext ctx, WorkerJob job, ExchangeSession session, Generator g, GanRandom latentRng,
            int[] discriminatorOf, int t, int k, boolean checkpoint) {
        int b = ctx.config().getBatchSize();
        return IterationScope.run("mdgan-driver", () -> {
            long t0 = System.nanoTime();
            INDArray z = g.latent(latentRng, k * b);
            Batch x = new Batch(g.generate(z), g.labels(z));
            long t1 = System.nanoTime();
            List<byte[]> payloads = payloads(x, discriminatorOf, t, k, b, checkpoint);
            List<byte[]> results = session != null ? session.exchange(payloads) : runWorkers(ctx.sc(), ctx.shards().rdd(), job, payloads);
            Aggregate a = aggregate(results, k, b, g.dataType());
            long t2 = System.nanoTime();
            g.step(z, a.feedback());
            long t3 = System.nanoTime();
            return new IterationOutcome(a.dLoss(), a.gLoss(), payloads.stream().mapToLong(p -> p.length).sum(),
                    results.stream().mapToLong(r -> r.length).sum(), a.restores(), a.workerSeconds(), ((t1 - t0) + (t3 - t2)) / 1e9);
        });
    }

    /** Worker w's payload: iteration, expected discriminator, checkpoint flag, X_w^(g) and (if different) X_w^(d). */
    static List<byte[]> payloads(Batch x, int[] discriminatorOf, int t, int k, int b, boolean checkpoint) {
        // Each of the k batches is encoded once; workers that share a batch share its bytes.
        byte[][] blocks = new byte[k][];
        for (int j = 0; j < k; j++) {
            int[] labels = x.labels() == null ? null : java.util.Arrays.copyOfRange(x.labels(), j * b, (j + 1) * b);
            Batch block = new Batch(block(x.x(), j, b), labels);
            blocks[j] = Payloads.encode(Payloads.batchBytes(b, x.x().columns(), labels != null), out -> Payloads.writeBatch(out, block));
        }
        List<byte[]> payloads = new ArrayList<>(discriminatorOf.length);
        for (int w = 0; w < discriminatorOf.length; w++) {
            int gi = w % k;
            int di = (w + 1) % k;
            int expected = discriminatorOf[w];
            long size = PAYLOAD_HEADER + blocks[gi].length + (gi == di ? 0 : blocks[di].length);
            payloads.add(Payloads.encode(size, out -> {
                out.writeInt(t);
                out.writeInt(expected);
                out.writeBoolean(checkpoint);
                out.writeBoolean(gi == di);
                out.write(blocks[gi]);
                if (gi != di) {
                    out.write(blocks[di]);
                }
            }));
        }
        return payloads;
    }

    /** The iteration's Spark job: payload n goes to the task of shard n; one result per worker, in worker order. */
    static List<byte[]> runWorkers(org.apache.spark.api.java.JavaSparkContext sc, JavaRDD<float[]> shards, WorkerJob job, List<byte[]> payloads) {
        List<byte[]> results = sc.parallelize(payloads, payloads.size()).zipPartitions(shards, new WorkerTask(job)).collect();
        if (results.size() != payloads.size()) {
            throw new IllegalStateException("expected " + payloads.size() + " worker results, got " + results.size());
        }
        return results;
    }

    /**
     * The workers' results combined: the feedback for the k·b generated samples is (1/N) Σ_n F_n, each
     * F_n placed on the batch worker n judged (each F_n is already the gradient of a batch mean, so the
     * paper's 1/(N b) is 1/N here); losses are means over workers.
     */
    record Aggregate(INDArray feedback, double dLoss, double gLoss, int restores, double workerSeconds) {}

    static Aggregate aggregate(List<byte[]> results, int k, int b, DataType dtype) {
        int n = results.size();
        // Summed in Java, in double (Payloads.Matrix.addTo): 2.0 -> 0.76 ms for 4 workers on MNIST shapes.
        double[] sum = null;
        int cols = 0;
        double dLoss = 0;
        double gLoss = 0;
        int restores = 0;
        double seconds = 0;
        for (int w = 0; w < n; w++) {
            try (DataInputStream in = Payloads.decode(results.get(w))) {
                dLoss += in.readDouble() / n;
                gLoss += in.readDouble() / n;
                restores += in.readInt();
                seconds += in.readLong() / 1e9;
                Payloads.Matrix f = Payloads.readValues(in);
                if (sum == null) {
                    cols = f.cols();
                    sum = new double[k * b * cols];
                }
                if (f.rows() != b || f.cols() != cols) {
                    throw new IllegalStateException("worker " + w + " sent feedback of shape " + f.rows() + "x" + f.cols() + ", expected " + b + "x" + cols);
                }
                f.addTo(sum, (w % k) * b * cols, 1.0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= n;
        }
        return new Aggregate(Nd4j.create(sum, new long[] {(long) k * b, cols}, dtype), dLoss, gLoss, restores, seconds);
    }

    private static INDArray block(INDArray x, int index, int b) {
        return x.get(NDArrayIndex.interval((long) index * b, (long) (index + 1) * b), NDArrayIndex.all());
    }

    /** The per-iteration worker task: zips the worker's payload with its cached shard. */
    static final class WorkerTask implements org.apache.spark.api.java.function.FlatMapFunction2<Iterator<byte[]>, Iterator<float[]>, byte[]> {
        private static final long serialVersionUID = 1L;
        private final WorkerJob job;

        WorkerTask(WorkerJob job) {
            this.job = job;
        }

        @Override
        public Iterator<byte[]> call(Iterator<byte[]> payloadIt, Iterator<float[]> shardIt) throws Exception {
            return Collections.singletonList(process(job, TaskContext.getPartitionId(), payloadIt.next(), shardIt)).iterator();
        }
    }

    /**
     * A worker's share of one iteration, wherever it runs (a per-iteration task or a session task):
     * find the worker's state in executor memory (or restore it from its checkpoint), take L
     * discriminator steps on local real batches and X^(d), and encode the feedback on X^(g).
     *
     * @param shardRows the worker's shard, read only when its state must be restored
     */
    static byte[] process(WorkerJob job, int worker, byte[] payload, Iterator<float[]> shardRows) throws IOException {
        DataInputStream in = Payloads.decode(payload);
        int t = in.readInt();
        int expectedId = in.readInt();
        boolean checkpoint = in.readBoolean();
        boolean same = in.readBoolean();
        StrategyConfig c = job.config();
        DataType dtype = job.dataType();
        WorkerState s = WorkerRegistry.get(job.runId(), worker);
        int restored = 0;
        if (s == null || s.iteration != t - 1 || s.discriminatorId != expectedId) {
            s = restore(job, worker, t - 1, expectedId, shardRows);
            restored = 1;
        }
        WorkerState state = s;
        int wasRestored = restored;
        byte[] result = IterationScope.run("mdgan-worker", () -> {
            try {
                boolean conditional = state.discriminator.objective().classes() > 0;
                Batch xg = Payloads.readBatch(in, dtype, conditional);
                Batch xd = same ? xg : Payloads.readBatch(in, dtype, conditional);
                // Worker compute is the GAN work only; decoding and encoding count as transfer.
                long t0 = System.nanoTime();
                double dLoss = 0;
                for (int l = 0; l < c.getLocalSteps(); l++) {
                    dLoss += state.discriminator.step(state.sampler.next(c.getBatchSize(), dtype), xd) / c.getLocalSteps();
                }
                Discriminator.Feedback f = state.discriminator.feedback(xg);
                long nanos = System.nanoTime() - t0;
                double d = dLoss;
                return Payloads.encode(Payloads.RESULT_HEADER + Payloads.matrixBytes(f.gradient().rows(), f.gradient().columns()), out -> {
                    out.writeDouble(d);
                    out.writeDouble(f.generatorLoss());
                    out.writeInt(wasRestored);
                    out.writeLong(nanos);
                    Payloads.writeMatrix(out, f.gradient());
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        state.iteration = t;
        if (checkpoint) {
            saveWorker(job, worker, state);
        }
        return result;
    }

    /** Restores worker {@code worker}'s state from its newest checkpoint at or before {@code iteration}. */
    static WorkerState restore(WorkerJob job, int worker, int iteration, int expectedId, Iterator<float[]> shardIt) {
        Map<String, byte[]> parts = WorkerCheckpoints.load(job, worker, iteration);
        WorkerMeta meta = ModelParts.json(parts, WorkerCheckpoints.WORKER, WorkerMeta.class);
        if (meta.discriminatorId() != expectedId) {
            throw new IllegalStateException("worker " + worker + ": its checkpoint at iteration " + meta.iteration() + " holds discriminator "
                    + meta.discriminatorId() + " but discriminator " + expectedId + " is expected there");
        }
        Discriminator d = new Discriminator(ModelParts.network(parts, ModelParts.DISCRIMINATOR), Gan.objective(job.config()));
        BatchSampler sampler = Shards.sampler(Shards.materialise(shardIt, job.labelled()), GanRandom.stream(job.config().getSeed(), "worker", worker));
        sampler.restore(meta.sampler());
        if (meta.iteration() != iteration) {
            LOG.warn("worker {} restored from its checkpoint at iteration {} while at iteration {}: {} iterations of its discriminator are lost",
                    worker, meta.iteration(), iteration, iteration - meta.iteration());
        } else {
            LOG.info("worker {} restored its state from the checkpoint at iteration {}", worker, iteration);
        }
        WorkerState s = new WorkerState(d, meta.discriminatorId(), sampler, iteration);
        WorkerRegistry.put(job.runId(), worker, s);
        return s;
    }

    static void saveWorker(WorkerJob job, int worker, WorkerState s) {
        CheckpointStore store = WorkerCheckpoints.store(job, worker);
        Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
        parts.put(ModelParts.DISCRIMINATOR, ModelParts.network(s.discriminator.network()));
        parts.put(WorkerCheckpoints.WORKER, ModelParts.json(new WorkerMeta(s.iteration, s.discriminatorId, s.sampler.state())));
        store.save(s.iteration, parts);
        store.prune(job.config().getKeepCheckpoints());
    }

    private static void saveDriver(CheckpointStore store, Generator g, DriverState state, int keep) {
        Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
        parts.put(ModelParts.GENERATOR, ModelParts.network(g.network()));
        parts.put(WorkerCheckpoints.DRIVER, ModelParts.json(state));
        store.save(state.iteration(), parts);
        store.prune(keep);
    }

    /** Creates every worker's discriminator and sampler in executor memory (and its iteration-0 checkpoint). */
    static void initialiseWorkers(JavaRDD<float[]> shards, WorkerJob job) {
        shards.mapPartitions(it -> {
            int worker = TaskContext.getPartitionId();
            StrategyConfig c = job.config();
            Samples data = Shards.materialise(it, job.labelled());
            Discriminator d = Gan.discriminator(c, data.dimension(), worker, job.dataType());
            WorkerState s = new WorkerState(d, worker, Shards.sampler(data, GanRandom.stream(c.getSeed(), "worker", worker)), 0);
            WorkerRegistry.put(job.runId(), worker, s);
            if (job.checkpointUri() != null) {
                saveWorker(job, worker, s);
            }
            return Collections.singletonList(worker).iterator();
        }).count();
    }

    /** Bytes before a travelling discriminator's two matrices: its id, Adam's step count, the epoch count. */
    static final int SWAP_HEADER = 4 + 4 + 4;

    /** Bytes that move one discriminator of {@code params} parameters and {@code state} optimizer-state values. */
    static long swapBytes(long params, long state) {
        return SWAP_HEADER + Payloads.matrixBytes(1, params) + Payloads.matrixBytes(1, state);
    }

    /**
     * Moves discriminator of worker w to worker dest[w] through a shuffle (with its optimizer state),
     * then checkpoints every worker at iteration t.
     *
     * <p>A discriminator travels as its raw parameters and optimizer state (Adam's moments), not as a
     * model file: every worker's network has the same architecture, so the arriving values are
     * written into the receiving worker's network in place. A model file would add its JSON
     * configuration, compression and a network rebuild (about 50 ms per discriminator at grid25's
     * size, docs/benchmarks.md) to every swap.
     *
     * @param holding the discriminator each worker holds before the swap
     * @return bytes moved between workers
     */
    static long swap(JavaRDD<float[]> shards, WorkerJob job, int[] holding, int[] dest, int t, boolean checkpoint) {
        List<Long> moved = shards.mapPartitionsToPair(it -> {
                    int worker = TaskContext.getPartitionId();
                    WorkerState s = WorkerRegistry.get(job.runId(), worker);
                    if (s == null || s.iteration != t) {
                        throw new IllegalStateException("worker " + worker + " has no current state to send at iteration " + t);
                    }
                    if (s.discriminatorId != holding[worker]) {
                        // A send repeated after this worker already received its new discriminator would duplicate that one.
                        throw new IllegalStateException("worker " + worker + " holds discriminator " + s.discriminatorId + " but should send discriminator "
                                + holding[worker] + " in the swap at iteration " + t);
                    }
                    MultiLayerNetwork net = s.discriminator.network();
                    INDArray params = net.params();
                    INDArray state = optimizerState(net);
                    byte[] msg = Payloads.encode(swapBytes(params.length(), state.length()), out -> {
                        out.writeInt(s.discriminatorId);
                        out.writeInt(net.getLayerWiseConfigurations().getIterationCount());
                        out.writeInt(net.getLayerWiseConfigurations().getEpochCount());
                        Payloads.writeMatrix(out, params.reshape(1, params.length()));
                        Payloads.writeMatrix(out, state.reshape(1, state.length()));
                    });
                    return Collections.singletonList(new Tuple2<>(dest[worker], msg)).iterator();
                })
                .partitionBy(new Shards.WorkerPartitioner(dest.length))
                .values()
                .zipPartitions(shards, (msgs, shardIt) -> {
                    int worker = TaskContext.getPartitionId();
                    byte[] msg = msgs.next();
                    DataInputStream in = Payloads.decode(msg);
                    int id = in.readInt();
                    int steps = in.readInt();
                    int epochs = in.readInt();
                    Payloads.Matrix params = Payloads.readValues(in);
                    Payloads.Matrix state = Payloads.readValues(in);
                    WorkerState s = WorkerRegistry.get(job.runId(), worker);
                    if (s == null) {
                        throw new IllegalStateException("worker " + worker + " lost its state during a swap at iteration " + t);
                    }
                    // All map tasks have sent their discriminators before any of this stage runs, so
                    // overwriting this worker's network loses nothing.
                    MultiLayerNetwork net = s.discriminator.network();
                    assign(net.params(), params, "parameters", worker);
                    assign(optimizerState(net), state, "optimizer state", worker);
                    net.getLayerWiseConfigurations().setIterationCount(steps);
                    net.getLayerWiseConfigurations().setEpochCount(epochs);
                    s.discriminatorId = id;
                    if (checkpoint) {
                        saveWorker(job, worker, s);
                    }
                    return Collections.singletonList((long) msg.length).iterator();
                })
                .collect();
        return moved.stream().mapToLong(Long::longValue).sum();
    }

    /** The network's optimizer state (empty for an optimizer without state). */
    private static INDArray optimizerState(MultiLayerNetwork net) {
        INDArray state = net.getUpdater().getStateViewArray();
        return state == null ? Nd4j.create(net.params().dataType(), 0) : state;
    }

    private static void assign(INDArray target, Payloads.Matrix values, String what, int worker) {
        if (values.values().length != target.length()) {
            throw new IllegalStateException("worker " + worker + " received a discriminator with " + values.values().length + " " + what
                    + " values but its network has " + target.length());
        }
        if (target.length() > 0) {
            target.assign(Nd4j.create(values.values(), target.shape(), 'c'));
        }
    }

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
}
