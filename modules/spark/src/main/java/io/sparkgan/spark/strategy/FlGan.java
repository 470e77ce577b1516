package io.sparkgan.spark.strategy;

import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.aae.AaeStep;
import io.sparkgan.core.aae.AdversarialAutoencoder;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.train.LocalIteration;
import io.sparkgan.core.train.TrainingLoop;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.spark.runtime.Envelope;
import io.sparkgan.spark.runtime.ModelState;
import io.sparkgan.spark.runtime.WorkerContext;
import io.sparkgan.spark.runtime.WorkerSide;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * FL-GAN: federated averaging (McMahan et al., AISTATS 2017) applied to both networks of a GAN, the
 * baseline of Hardy et al. (IPDPS 2019, §IV-A), on the runtime: its driver step, its worker step
 * and its messages ({@link FlGanMessages}). Every worker trains its own generator and
 * discriminator on its shard for E local epochs (or a set number of local iterations); the driver
 * then averages both, weighted by shard size, and sends the averages back (a broadcast, counted as
 * one copy per worker in the traffic columns).
 *
 * <p>Optimizer state: each worker keeps its own Adam moments and step count across rounds (in
 * executor memory and in its checkpoints); parameters and extra layer state are averaged and
 * replaced. With one worker this makes FL-GAN identical, step for step, to the standalone trainer.
 * The generator's moving average ({@link io.sparkgan.core.nn.ParameterEma}) is the driver's, over
 * the averaged generator, so it adds no traffic.
 *
 * <p>An adversarial autoencoder (Makhzani et al. 2015) runs the same way with its three networks
 * ({@link #AAE_WORKER}, {@link AaeDriver}): the encoder needs real data, so it trains on the workers
 * beside the decoder and the code discriminator, and all three are averaged.
 */
public final class FlGan implements Strategy {
    @Override
    public String name() {
        return "flgan";
    }

    @Override
    public TrainingLoop.Step step(StrategyContext ctx) {
        return AdversarialAutoencoder.on(ctx.config()) ? new AaeDriver(ctx) : new Driver(ctx);
    }

    /** The roles of the networks a GAN's round carries, in order (named in errors). */
    static final List<String> GAN_ROLES = List.of("generator", "discriminator");
    /** The roles of an adversarial autoencoder's networks, in {@link AdversarialAutoencoder#networks()} order. */
    static final List<String> AAE_ROLES = List.of("decoder", "code discriminator", "encoder");

    /** The rounds' length in iterations: the configured iterations, or E local epochs of the smallest shard. */
    static int roundLength(StrategyConfig c, Shards shards) {
        return c.getAverageEveryIterations() > 0 ? c.getAverageEveryIterations()
                : c.getAverageEveryEpochs() * c.iterationsPerEpoch(Arrays.stream(shards.sizes()).min().orElse(1));
    }

    /**
     * One round: the driver's networks {@code nets} broadcast, the workers' local iterations, and the
     * shard-weighted averages written back into {@code nets} (then the generator's moving average
     * updated, if it keeps one). Every worker receives the averaged models, whatever way Spark
     * delivers them, so the traffic counts one copy per worker.
     */
    static TrainingLoop.Outcome averagedRound(io.sparkgan.spark.runtime.Workers<?> workers, double[] weights, Generator g, List<String> roles,
            List<MultiLayerNetwork> nets, int from, int to, boolean checkpoint) {
        MultiLayerNetwork[] n = nets.toArray(new MultiLayerNetwork[0]);
        byte[] request = FlGanMessages.round(from, to, checkpoint, n);
        List<Envelope.Reply> replies = workers.broadcast(request, "flgan round " + from + "-" + to);
        Envelope.Totals totals = Envelope.Totals.of(replies, weights, from, to);
        long averaging = System.nanoTime();
        ModelState.Sum[] sums = new ModelState.Sum[n.length];
        for (int i = 0; i < n.length; i++) {
            sums[i] = new ModelState.Sum(n[i]);
        }
        FlGanMessages.average(replies, weights, to, roles, sums);
        for (int i = 0; i < n.length; i++) {
            sums[i].applyTo(n[i]);
        }
        if (g.ema() != null) {
            g.ema().update(g.network(), to - from);
        }
        double driverSeconds = (System.nanoTime() - averaging) / 1e9;
        return new TrainingLoop.Outcome(totals.dLoss(), totals.gLoss(), (long) weights.length * request.length, totals.bytes(), 0, totals.restores(),
                totals.lostIterations(), totals.workerSeconds(), driverSeconds);
    }

    /** What both FL-GAN drivers share: the workers' weights in the averages and the rounds' length. */
    abstract static class RoundsDriver<S> extends WorkersDriver<S> {
        protected final double[] weights;
        private final int round;

        RoundsDriver(StrategyContext ctx, WorkerSide<S> side) {
            super(ctx, side, false, "flgan");
            this.weights = weights(ctx.shards());
            this.round = roundLength(ctx.config(), ctx.shards());
        }

        @Override
        public int end(int from) {
            return from + round;
        }
    }

    /** Each worker's weight in the averages: its share of the samples. */
    static double[] weights(Shards shards) {
        double[] w = new double[shards.workers()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (double) shards.size(i) / shards.totalSize();
        }
        return w;
    }

    /**
     * An adversarial autoencoder's worker step (Makhzani et al. 2015 under federated averaging): the
     * worker's own encoder, decoder and code discriminator train on its shard for the round with
     * {@link AaeStep} (its own batches and prior draws, its own optimizer states, both encoder phases'),
     * then return all three networks, which the driver averages. The data never leaves the worker;
     * only parameters move, as for the GAN.
     */
    static final WorkerSide<AaeStep> AAE_WORKER = new WorkerSide<>() {
        @Override
        public AaeStep create(WorkerContext<AaeStep> ctx) {
            io.sparkgan.data.Samples shard = ctx.shard();
            return new AaeStep(ctx.config(), shard.features(), shard.labels(), ctx.dtype(), ctx.worker(), false);
        }

        @Override
        public Map<String, CheckpointStore.PartWriter> checkpoint(AaeStep s) {
            return s.checkpoint();
        }

        @Override
        public AaeStep restore(WorkerContext<AaeStep> ctx, Map<String, byte[]> parts) {
            AaeStep s = create(ctx);
            s.restore(parts);
            return s;
        }

        @Override
        public Reply serve(WorkerContext<AaeStep> ctx, int to, DataInputStream request) throws IOException {
            request.mark(4);
            int from = request.readInt();
            request.reset();
            AaeStep s = ctx.state(from, x -> true);
            MultiLayerNetwork[] nets = s.networks().toArray(new MultiLayerNetwork[0]);
            FlGanMessages.readRound(request, "worker " + ctx.worker(), nets);
            long t0 = System.nanoTime();
            double dLoss = 0;
            double gLoss = 0;
            for (int i = from; i < to; i++) {
                TrainingLoop.Outcome o = s.run(i, i + 1, false);
                dLoss += o.dLoss() / (to - from);
                gLoss += o.gLoss() / (to - from);
            }
            long nanos = System.nanoTime() - t0;
            return new Reply(dLoss, gLoss, nanos, FlGanMessages.resultBytes(nets), FlGanMessages.result(nets));
        }
    };

    /**
     * The driver of an adversarial autoencoder under FL-GAN: the averaged encoder, decoder and code
     * discriminator, broadcast at the start of every round and replaced by the shard-weighted average
     * of the workers' at its end. The decoder is the run's generator.
     */
    static final class AaeDriver extends RoundsDriver<AaeStep> {
        private final StrategyConfig c;
        private final int dataDim;
        private AdversarialAutoencoder aae;

        AaeDriver(StrategyContext ctx) {
            super(ctx, AAE_WORKER);
            this.c = ctx.config();
            Shards shards = ctx.shards();
            this.dataDim = shards.dimension();
            // The driver's networks are only averaged and sent: the workers check their data's classes against the components.
            this.aae = AdversarialAutoencoder.create(c, dataDim, c.get(AdversarialAutoencoder.COMPONENTS), ctx.dtype());
            this.g = aae.decoder();
        }

        @Override
        public TrainingLoop.Outcome run(int from, int to, boolean checkpoint) {
            return averagedRound(workers, weights, g, AAE_ROLES, aae.networks(), from, to, checkpoint);
        }

        @Override
        public Map<String, CheckpointStore.PartWriter> checkpoint() {
            Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
            aae.putNetworks(parts);
            return parts;
        }

        @Override
        public void restore(Map<String, byte[]> parts) {
            aae = aae.restored(c, parts, dataDim);
            g = aae.decoder();
        }
    }

    /** A worker's local GAN, kept in executor memory between rounds. */
    static final class WorkerState {
        final Generator generator;
        final Discriminator discriminator;
        final BatchSampler sampler;
        final GanRandom latentRng;

        WorkerState(Generator generator, Discriminator discriminator, BatchSampler sampler, GanRandom latentRng) {
            this.generator = generator;
            this.discriminator = discriminator;
            this.sampler = sampler;
            this.latentRng = latentRng;
        }
    }

    record WorkerMeta(BatchSampler.State sampler, GanRandom.State latentRng) {}

    static final String WORKER_META = "worker.json";

    /** The worker step: take the averaged models, train locally from the round's first to its last iteration, return the models. */
    static final WorkerSide<WorkerState> WORKER = new WorkerSide<>() {
        @Override
        public WorkerState create(WorkerContext<WorkerState> ctx) {
            StrategyConfig c = ctx.config();
            int dim = ctx.shard().dimension();
            // Every worker starts from the same networks as the driver's; the first round overwrites their parameters anyway.
            // The discriminator's draws (regularizers, noise) are the worker's own, seeded as a restore seeds them.
            // No moving average on a worker: the driver keeps it over the averaged generator.
            return new WorkerState(Gan.generator(c, dim, ctx.dtype(), false),
                    Gan.discriminator(c, Gan.discriminator(c, dim, 0, ctx.dtype()).network(), ctx.worker()),
                    Shards.sampler(ctx.shard(), GanRandom.stream(c.getSeed(), "worker", ctx.worker())), GanRandom.stream(c.getSeed(), "latent", ctx.worker()));
        }

        @Override
        public Map<String, CheckpointStore.PartWriter> checkpoint(WorkerState s) {
            Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
            ModelParts.putNetwork(parts, ModelParts.GENERATOR, s.generator.network());
            ModelParts.putNetwork(parts, ModelParts.DISCRIMINATOR, s.discriminator.network());
            parts.put(WORKER_META, ModelParts.json(new WorkerMeta(s.sampler.state(), s.latentRng.state())));
            return parts;
        }

        @Override
        public WorkerState restore(WorkerContext<WorkerState> ctx, Map<String, byte[]> parts) {
            StrategyConfig c = ctx.config();
            WorkerMeta meta = ModelParts.json(parts, WORKER_META, WorkerMeta.class);
            org.deeplearning4j.nn.multilayer.MultiLayerNetwork gn = ModelParts.network(parts, ModelParts.GENERATOR);
            Gan.attachToGenerator(c, gn);
            ModelParts.restoreExtras(parts, ModelParts.GENERATOR, gn);
            WorkerState s = new WorkerState(Gan.generator(c, gn),
                    Gan.discriminator(c, ModelParts.network(parts, ModelParts.DISCRIMINATOR), ctx.worker()),
                    Shards.sampler(ctx.shard(), GanRandom.stream(c.getSeed(), "worker", ctx.worker())), GanRandom.fromState(meta.latentRng()));
            ModelParts.restoreExtras(parts, ModelParts.DISCRIMINATOR, s.discriminator.network());
            s.sampler.restore(meta.sampler());
            return s;
        }

        @Override
        public Reply serve(WorkerContext<WorkerState> ctx, int to, DataInputStream request) throws IOException {
            // The round's first iteration says which state the worker must be at; the models follow.
            request.mark(4);
            int from = request.readInt();
            request.reset();
            WorkerState s = ctx.state(from, x -> true);
            FlGanMessages.readRound(request, "worker " + ctx.worker(), s.generator.network(), s.discriminator.network());
            StrategyConfig c = ctx.config();
            DataType dtype = ctx.dtype();
            long t0 = System.nanoTime();
            double dLoss = 0;
            double gLoss = 0;
            for (int i = from; i < to; i++) {
                double[] l = LocalIteration.run(s.generator, s.discriminator, s.sampler, s.latentRng, c.getBatchSize(), c.getLocalSteps(), dtype, i + 1);
                dLoss += l[0] / (to - from);
                gLoss += l[1] / (to - from);
            }
            long nanos = System.nanoTime() - t0;
            return new Reply(dLoss, gLoss, nanos, FlGanMessages.resultBytes(s.generator.network(), s.discriminator.network()),
                    FlGanMessages.result(s.generator.network(), s.discriminator.network()));
        }
    };

    /** The driver: the averaged generator and discriminator. */
    static final class Driver extends RoundsDriver<WorkerState> {
        private final StrategyConfig c;
        private Discriminator d;

        @Override
        public Discriminator evaluationDiscriminator() {
            // The average of the workers' discriminators, as it stands after the last round.
            return d;
        }

        Driver(StrategyContext ctx) {
            super(ctx, WORKER);
            this.c = ctx.config();
            Shards shards = ctx.shards();
            this.g = Gan.generator(c, shards.dimension(), ctx.dtype());
            this.d = Gan.discriminator(c, shards.dimension(), 0, ctx.dtype());
        }

        @Override
        public TrainingLoop.Outcome run(int from, int to, boolean checkpoint) {
            return averagedRound(workers, weights, g, GAN_ROLES, List.of(g.network(), d.network()), from, to, checkpoint);
        }


        @Override
        public Map<String, CheckpointStore.PartWriter> checkpoint() {
            Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
            Gan.putGenerator(parts, g);
            ModelParts.putNetwork(parts, ModelParts.DISCRIMINATOR, d.network());
            return parts;
        }

        @Override
        public void restore(Map<String, byte[]> parts) {
            org.deeplearning4j.nn.multilayer.MultiLayerNetwork gn = ModelParts.network(parts, ModelParts.GENERATOR);
            org.deeplearning4j.nn.multilayer.MultiLayerNetwork dn = ModelParts.network(parts, ModelParts.DISCRIMINATOR);
            TrainingLoop.checkShape("generator", g.network(), gn, null);
            TrainingLoop.checkShape("discriminator", d.network(), dn, c.getObjective());
            Generator rg = Gan.restoredGenerator(c, gn, parts);
            Discriminator rd = Gan.discriminator(c, dn, 0);
            ModelParts.restoreExtras(parts, ModelParts.DISCRIMINATOR, dn);
            g = rg;
            d = rd;
        }

    }
}
