package io.sparkgan.spark.strategy;

import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.train.Cadence;
import io.sparkgan.core.train.LocalIteration;
import io.sparkgan.core.train.Traffic;
import io.sparkgan.data.Samples;
import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.spark.WorkerRegistry;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FL-GAN: federated averaging (McMahan et al., AISTATS 2017) applied to both networks of a GAN, the
 * baseline of Hardy et al. (IPDPS 2019, §IV-A). Every worker trains its own generator and
 * discriminator on its shard for E local epochs (or a set number of local iterations); the driver
 * then averages both, weighted by shard size, and sends the averages back (a broadcast, counted
 * as one copy per worker in the traffic columns).
 *
 * <p>Optimizer state: each worker keeps its own Adam moments and step count across rounds (in
 * executor memory and in its checkpoints); only parameters are averaged and replaced. With one
 * worker this makes FL-GAN identical, step for step, to the standalone trainer.
 */
public final class FlGan implements Strategy {
    private static final Logger LOG = LoggerFactory.getLogger(FlGan.class);
    /** A round's fields before the model: first and last iteration, checkpoint flag. */
    static final int PAYLOAD_HEADER = 4 + 4 + 1;

    @Override
    public String name() {
        return "flgan";
    }

    /** A worker's local GAN, kept in executor memory between rounds. */
    static final class WorkerState {
        final Generator generator;
        final Discriminator discriminator;
        final BatchSampler sampler;
        final GanRandom latentRng;
        int iteration;

        WorkerState(Generator generator, Discriminator discriminator, BatchSampler sampler, GanRandom latentRng, int iteration) {
            this.generator = generator;
            this.discriminator = discriminator;
            this.sampler = sampler;
            this.latentRng = latentRng;
            this.iteration = iteration;
        }
    }

    record WorkerMeta(int iteration, BatchSampler.State sampler, GanRandom.State latentRng) {}

    record DriverState(int iteration, double wallSeconds, Traffic traffic, int restores) {}


    @Override
    public StrategyResult train(StrategyContext ctx) {
        StrategyConfig c = ctx.config();
        Shards shards = ctx.shards();
        int n = shards.workers();
        int dim = shards.dimension();
        WorkerJob job = WorkerJob.of(ctx);
        CheckpointStore driverStore = ctx.checkpointUri() == null ? null : new CheckpointStore(ctx.checkpointUri(), ctx.sc().hadoopConfiguration());
        Generator g = Gan.generator(c, dim, ctx.dtype());
        Discriminator d = Gan.discriminator(c, dim, 0, ctx.dtype());
        int iteration = 0;
        double wallBefore = 0;
        Traffic traffic = Traffic.NONE;
        int restores = 0;
        if (ctx.resume() && driverStore != null && driverStore.latest().isPresent()) {
            Map<String, byte[]> parts = driverStore.load(driverStore.latest().get());
            g = Gan.generator(c, ModelParts.network(parts, ModelParts.GENERATOR));
            d = new Discriminator(ModelParts.network(parts, ModelParts.DISCRIMINATOR), Gan.objective(c));
            DriverState s = ModelParts.json(parts, WorkerCheckpoints.DRIVER, DriverState.class);
            iteration = s.iteration();
            wallBefore = s.wallSeconds();
            traffic = s.traffic();
            restores = s.restores();
        } else {
            initialiseWorkers(shards.rdd(), job);
        }
        double[] weights = new double[n];
        for (int w = 0; w < n; w++) {
            weights[w] = (double) shards.size(w) / shards.totalSize();
        }
        int round = c.getAverageEveryIterations() > 0 ? c.getAverageEveryIterations()
                : c.getAverageEveryEpochs() * c.iterationsPerEpoch(Arrays.stream(shards.sizes()).min().orElse(1));
        Cadence cadence = new Cadence(c, ctx.listener(), wallBefore);
        ctx.listener().onStart(iteration, c.getIterations());
        double workerSeconds = 0;
        double driverSeconds = 0;
        try {
            while (iteration < c.getIterations()) {
                int from = iteration;
                int to = Math.min(c.getIterations(), from + round);
                boolean checkpoint = driverStore != null && cadence.checkpointDue(from, to);
                INDArray gParams = g.network().params();
                INDArray dParams = d.network().params();
                byte[] payload = Payloads.encode(PAYLOAD_HEADER + Payloads.matrixBytes(1, gParams.length()) + Payloads.matrixBytes(1, dParams.length()), out -> {
                    out.writeInt(from);
                    out.writeInt(to);
                    out.writeBoolean(checkpoint);
                    Payloads.writeMatrix(out, gParams.reshape(1, gParams.length()));
                    Payloads.writeMatrix(out, dParams.reshape(1, dParams.length()));
                });
                // Every worker receives the averaged model, whatever way Spark delivers it.
                long down = (long) n * payload.length;
                // A broadcast rather than a copy in every task: the model (5.4 MB for the paper's MNIST
                // MLPs) is far above Spark's task-size limit, and executors hosting several workers
                // fetch it once.
                Broadcast<byte[]> model = ctx.sc().broadcast(payload);
                List<byte[]> results;
                try {
                    results = shards.rdd().mapPartitions(new RoundTask(job, model)).collect();
                } finally {
                    model.destroy();
                }
                long averaging = System.nanoTime();
                double[] gSum = new double[(int) gParams.length()];
                double[] dSum = new double[(int) dParams.length()];
                double dLoss = 0;
                double gLoss = 0;
                long up = 0;
                for (int w = 0; w < n; w++) {
                    byte[] r = results.get(w);
                    up += r.length;
                    try (DataInputStream in = Payloads.decode(r)) {
                        dLoss += weights[w] * in.readDouble();
                        gLoss += weights[w] * in.readDouble();
                        restores += in.readInt();
                        workerSeconds += in.readLong() / 1e9;
                        addModel(Payloads.readValues(in), gSum, weights[w], w, "generator");
                        addModel(Payloads.readValues(in), dSum, weights[w], w, "discriminator");
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                g.network().setParams(Nd4j.create(gSum, gParams.shape(), gParams.dataType()));
                d.network().setParams(Nd4j.create(dSum, dParams.shape(), dParams.dataType()));
                driverSeconds += (System.nanoTime() - averaging) / 1e9;
                traffic = traffic.plus(down, up, 0);
                iteration = to;
                Generator gen = g;
                cadence.after(from, to, dLoss, gLoss, traffic, ctx.evaluator() == null ? null : () -> ctx.evaluate(gen, to));
                if (checkpoint) {
                    Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
                    parts.put(ModelParts.GENERATOR, ModelParts.network(g.network()));
                    parts.put(ModelParts.DISCRIMINATOR, ModelParts.network(d.network()));
                    parts.put(WorkerCheckpoints.DRIVER, ModelParts.json(new DriverState(to, cadence.wallSeconds(), traffic, restores)));
                    driverStore.save(to, parts);
                    driverStore.prune(c.getKeepCheckpoints());
                }
            }
            ctx.listener().onEnd();
        } finally {
            WorkerRegistry.release(shards.rdd(), job.runId());
        }
        return new StrategyResult(g, iteration, cadence.lastMetrics(), traffic, cadence.wallSeconds(), restores, workerSeconds, driverSeconds);
    }

    private static void addModel(Payloads.Matrix m, double[] sum, double weight, int worker, String what) {
        if (m.values().length != sum.length) {
            throw new IllegalStateException("worker " + worker + " returned a " + what + " of " + m.values().length + " parameters, expected " + sum.length);
        }
        m.addTo(sum, 0, weight);
    }

    /** One round on one worker: take the averaged parameters, train locally, return the new ones. */
    static final class RoundTask implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<float[]>, byte[]> {
        private static final long serialVersionUID = 1L;
        private final WorkerJob job;
        private final Broadcast<byte[]> model;

        RoundTask(WorkerJob job, Broadcast<byte[]> model) {
            this.job = job;
            this.model = model;
        }

        @Override
        public Iterator<byte[]> call(Iterator<float[]> shardIt) throws Exception {
            int worker = TaskContext.getPartitionId();
            DataInputStream in = Payloads.decode(model.value());
            int from = in.readInt();
            int to = in.readInt();
            boolean checkpoint = in.readBoolean();
            StrategyConfig c = job.config();
            DataType dtype = job.dataType();
            WorkerState s = WorkerRegistry.get(job.runId(), worker);
            int restored = 0;
            if (s == null || s.iteration != from) {
                s = restore(job, worker, from, shardIt);
                restored = 1;
            }
            s.generator.network().setParams(Payloads.readMatrix(in, dtype).reshape(s.generator.network().params().shape()));
            s.discriminator.network().setParams(Payloads.readMatrix(in, dtype).reshape(s.discriminator.network().params().shape()));
            long t0 = System.nanoTime();
            double dLoss = 0;
            double gLoss = 0;
            for (int i = from; i < to; i++) {
                double[] l = LocalIteration.run(s.generator, s.discriminator, s.sampler, s.latentRng, c.getBatchSize(), c.getLocalSteps(), dtype);
                dLoss += l[0] / (to - from);
                gLoss += l[1] / (to - from);
            }
            long nanos = System.nanoTime() - t0;
            s.iteration = to;
            if (checkpoint) {
                save(job, worker, s);
            }
            WorkerState state = s;
            double dl = dLoss;
            double gl = gLoss;
            int r = restored;
            long size = Payloads.RESULT_HEADER + Payloads.matrixBytes(1, state.generator.network().numParams()) + Payloads.matrixBytes(1, state.discriminator.network().numParams());
            byte[] result = Payloads.encode(size, out -> {
                out.writeDouble(dl);
                out.writeDouble(gl);
                out.writeInt(r);
                out.writeLong(nanos);
                INDArray gp = state.generator.network().params();
                INDArray dp = state.discriminator.network().params();
                Payloads.writeMatrix(out, gp.reshape(1, gp.length()));
                Payloads.writeMatrix(out, dp.reshape(1, dp.length()));
            });
            return Collections.singletonList(result).iterator();
        }
    }

    static void initialiseWorkers(JavaRDD<float[]> shards, WorkerJob job) {
        shards.mapPartitions(it -> {
            int worker = TaskContext.getPartitionId();
            StrategyConfig c = job.config();
            Samples data = Shards.materialise(it, job.labelled());
            int dim = data.dimension();
            // Every worker starts from the same networks as the driver's; the first payload overwrites them anyway.
            WorkerState s = new WorkerState(Gan.generator(c, dim, job.dataType()), Gan.discriminator(c, dim, 0, job.dataType()),
                    Shards.sampler(data, GanRandom.stream(c.getSeed(), "worker", worker)), GanRandom.stream(c.getSeed(), "latent", worker), 0);
            WorkerRegistry.put(job.runId(), worker, s);
            if (job.checkpointUri() != null) {
                save(job, worker, s);
            }
            return Collections.singletonList(worker).iterator();
        }).count();
    }

    static void save(WorkerJob job, int worker, WorkerState s) {
        CheckpointStore store = WorkerCheckpoints.store(job, worker);
        Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
        parts.put(ModelParts.GENERATOR, ModelParts.network(s.generator.network()));
        parts.put(ModelParts.DISCRIMINATOR, ModelParts.network(s.discriminator.network()));
        parts.put(WorkerCheckpoints.WORKER, ModelParts.json(new WorkerMeta(s.iteration, s.sampler.state(), s.latentRng.state())));
        store.save(s.iteration, parts);
        store.prune(job.config().getKeepCheckpoints());
    }

    static WorkerState restore(WorkerJob job, int worker, int iteration, Iterator<float[]> shardIt) {
        Map<String, byte[]> parts = WorkerCheckpoints.load(job, worker, iteration);
        WorkerMeta meta = ModelParts.json(parts, WorkerCheckpoints.WORKER, WorkerMeta.class);
        StrategyConfig c = job.config();
        BatchSampler sampler = Shards.sampler(Shards.materialise(shardIt, job.labelled()), GanRandom.stream(c.getSeed(), "worker", worker));
        sampler.restore(meta.sampler());
        WorkerState s = new WorkerState(Gan.generator(c, ModelParts.network(parts, ModelParts.GENERATOR)),
                new Discriminator(ModelParts.network(parts, ModelParts.DISCRIMINATOR), Gan.objective(c)),
                sampler, GanRandom.fromState(meta.latentRng()), iteration);
        if (meta.iteration() != iteration) {
            LOG.warn("worker {} restored from its checkpoint at iteration {} while at iteration {}", worker, meta.iteration(), iteration);
        }
        WorkerRegistry.put(job.runId(), worker, s);
        return s;
    }
}
