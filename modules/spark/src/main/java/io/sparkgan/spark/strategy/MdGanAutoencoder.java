package io.sparkgan.spark.strategy;

import io.sparkgan.core.Batch;
import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.aae.AdversarialAutoencoder;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.nn.IterationScope;
import io.sparkgan.core.train.Cadence;
import io.sparkgan.core.train.DivergenceException;
import io.sparkgan.core.train.TrainingLoop;
import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.spark.runtime.Envelope;
import io.sparkgan.spark.runtime.ModelState;
import io.sparkgan.spark.runtime.WorkerContext;
import io.sparkgan.spark.runtime.WorkerSide;
import io.sparkgan.spark.runtime.Workers;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adversarial autoencoder (Makhzani et al. 2015) under MD-GAN (Hardy et al. 2019): the roles of
 * MD-GAN's networks move with the data. MD-GAN keeps on the driver the network that needs no real
 * data (the generator) and beside each shard the one that does (a discriminator). In the
 * autoencoder the encoder and the decoder both need real data (the reconstruction phase), and the
 * code discriminator needs none: it compares prior draws with codes. So each worker keeps an
 * autoencoder (encoder and decoder, with their optimizer states and the encoder's second,
 * regularization-phase state) beside its shard, and the one code discriminator lives on the
 * driver, learning from every worker's codes as MD-GAN's generator learns from every worker's
 * feedback. Real data never leaves its worker: codes and their gradients move, and under
 * labelled-mixture the codes' class indices.
 *
 * <p>An iteration t is two exchanges, the paper's two phases:
 * <ol>
 *   <li><b>Encode.</b> Each worker draws a batch x_n of b samples, takes the reconstruction step
 *       (encoder and decoder) and returns its codes q(x_n), b × latent-dim floats.
 *   <li>The driver takes {@code local-steps} code discriminator steps on N·b prior draws against all
 *       N·b codes, and computes the feedback on the codes: the gradient of the objective's generator
 *       loss, rescaled by N so that worker n receives the gradient of its own batch's mean loss.
 *   <li><b>Regularize.</b> Each worker takes the encoder's regularization step on x_n with its
 *       feedback. At evaluation points and checkpoints the worker holding autoencoder 0 also returns
 *       its decoder (its moving average, if it keeps one) and its encoder: the driver evaluates and
 *       exports that decoder, and the traffic is counted like any other.
 * </ol>
 * With one worker this is the standalone autoencoder step for step. Every E local epochs the
 * autoencoders are permuted among workers as MD-GAN's discriminators are (worker to worker, with
 * their whole state), so every decoder learns from every shard.
 */
final class MdGanAutoencoder {
    private static final Logger LOG = LoggerFactory.getLogger(MdGanAutoencoder.class);

    private MdGanAutoencoder() {}

    /** What a worker keeps in executor memory between exchanges. */
    static final class WorkerState {
        AdversarialAutoencoder aae;
        /** Which autoencoder this is: they move between workers. */
        int autoencoderId;
        final BatchSampler sampler;
        /** The batch of the encode exchange, awaiting its regularization step (null between iterations). */
        Batch pending;

        WorkerState(AdversarialAutoencoder aae, int autoencoderId, BatchSampler sampler) {
            this.aae = aae;
            this.autoencoderId = autoencoderId;
            this.sampler = sampler;
        }
    }

    /** A worker's checkpoint besides its networks. */
    record WorkerMeta(int autoencoderId, BatchSampler.State sampler) {}

    /** The driver's checkpoint besides its networks. */
    record DriverState(GanRandom.State priorRng, GanRandom.State swapRng, int[] autoencoderOf) {}

    static final String WORKER_META = "worker.json";
    static final String DRIVER_STATE = "driver.json";

    private static AdversarialAutoencoder create(WorkerContext<WorkerState> ctx) {
        io.sparkgan.data.Samples shard = ctx.shard();
        int[] labels = shard.labels();
        int classes = labels == null ? 0 : Arrays.stream(labels).max().orElse(-1) + 1;
        return AdversarialAutoencoder.create(ctx.config(), shard.dimension(), classes, ctx.dtype());
    }

    private static BatchSampler sampler(WorkerContext<WorkerState> ctx) {
        return Shards.sampler(ctx.shard(), GanRandom.stream(ctx.config().getSeed(), "worker", ctx.worker()));
    }

    /** The worker: the reconstruction step and codes, then the encoder's regularization step on the driver's feedback. */
    static final WorkerSide<WorkerState> WORKER = new WorkerSide<>() {
        @Override
        public WorkerState create(WorkerContext<WorkerState> ctx) {
            return new WorkerState(MdGanAutoencoder.create(ctx), ctx.worker(), sampler(ctx));
        }

        @Override
        public Map<String, CheckpointStore.PartWriter> checkpoint(WorkerState s) {
            Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
            s.aae.putNetworks(parts);
            s.aae.putOptimizerState(parts);
            parts.put(WORKER_META, ModelParts.json(new WorkerMeta(s.autoencoderId, s.sampler.state())));
            return parts;
        }

        @Override
        public WorkerState restore(WorkerContext<WorkerState> ctx, Map<String, byte[]> parts) {
            WorkerMeta meta = ModelParts.json(parts, WORKER_META, WorkerMeta.class);
            AdversarialAutoencoder aae = MdGanAutoencoder.create(ctx).restored(ctx.config(), parts, ctx.shard().dimension());
            aae.restoreOptimizerState(parts);
            BatchSampler sampler = sampler(ctx);
            sampler.restore(meta.sampler());
            return new WorkerState(aae, meta.autoencoderId(), sampler);
        }

        @Override
        public Reply serve(WorkerContext<WorkerState> ctx, int t, DataInputStream request) throws IOException {
            Messages.Request r = Messages.readRequest(request);
            StrategyConfig c = ctx.config();
            DataType dtype = ctx.dtype();
            if (r.phase() == Messages.ENCODE) {
                WorkerState s = ctx.state(t - 1, x -> x.autoencoderId == r.autoencoderId());
                // Drawn outside the iteration's workspace: the batch outlives it until the regularize exchange.
                Batch x = s.sampler.next(c.getBatchSize(), dtype);
                return IterationScope.run("mdgan-aae-encode", () -> {
                    long t0 = System.nanoTime();
                    double reconstruction = s.aae.reconstructionStep(x.x());
                    INDArray codes = s.aae.encoder().generate(x.x());
                    // The regularize exchange steps in another workspace: it runs its own forward pass.
                    s.aae.encoder().forgetForward();
                    long nanos = System.nanoTime() - t0;
                    s.pending = x;
                    Batch coded = new Batch(codes, s.aae.classes() > 0 ? x.labels() : null);
                    byte[] body = Payloads.encode(Messages.codesBytes(coded), out -> Payloads.writeBatch(out, coded));
                    // The encode reply's loss slot carries the reconstruction error (the code discriminator's loss is the driver's).
                    return new Reply(reconstruction, 0, nanos, body.length, out -> out.write(body));
                });
            }
            WorkerState s = ctx.state(t, x -> x.autoencoderId == r.autoencoderId());
            return IterationScope.run("mdgan-aae-regularize", () -> {
                try {
                    INDArray grad = Payloads.readMatrix(request, dtype);
                    long t0 = System.nanoTime();
                    if (s.pending != null) {
                        s.aae.encoderStep(s.pending.x(), grad);
                        s.pending = null;
                    } else {
                        // Restored from a checkpoint between the two exchanges: the batch is gone, and the
                        // restore has already counted this iteration as lost.
                        LOG.warn("worker {}: no batch awaits the regularization step of iteration {} (state restored); step skipped", ctx.worker(), t);
                    }
                    long nanos = System.nanoTime() - t0;
                    if (!r.fetch()) {
                        return new Reply(0, 0, nanos, 0, out -> {});
                    }
                    List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> fetched = Messages.fetched(s.aae);
                    return new Reply(0, 0, nanos, Messages.fetchBytes(fetched), out -> Messages.writeFetch(out, fetched));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    };

    /**
     * Moves the autoencoder of worker w to worker dest[w] with its whole state at iteration t, then
     * stamps and (with {@code checkpoint}) checkpoints every worker.
     */
    static Workers.Moved swap(Workers<WorkerState> workers, int[] holding, int[] dest, int t, boolean checkpoint) {
        return workers.move(t, dest,
                ctx -> {
                    WorkerState s = ctx.state(t, x -> x.autoencoderId == holding[ctx.worker()]);
                    return Messages.swap(s);
                },
                (ctx, message) -> {
                    // Every send ran before any receive: the receiver's networks take the arriving state in place.
                    WorkerState s = ctx.state(t, x -> true);
                    s.autoencoderId = Messages.readSwap(message, s.aae, "worker " + ctx.worker());
                    s.pending = null;
                },
                checkpoint, "mdgan swap of autoencoders at iteration " + t);
    }

    /** The driver: the code discriminator, the prior stream, the swap schedule, and a copy of autoencoder 0 for evaluation. */
    static final class Driver extends WorkersDriver<WorkerState> {
        private final StrategyConfig c;
        private final int dataDim;
        private final boolean checkpoints;
        /** The swaps, and which autoencoder each worker holds. */
        private final SwapSchedule swaps;
        /** The live code discriminator, and the encoder and decoder of autoencoder 0 as last fetched. */
        private AdversarialAutoencoder aae;
        private GanRandom priorRng;

        Driver(StrategyContext ctx) {
            super(ctx, WORKER, ctx.config().getExchange().equals("session"), "mdgan");
            this.c = ctx.config();
            Shards shards = ctx.shards();
            this.dataDim = shards.dimension();
            this.checkpoints = ctx.checkpointUri() != null;
            this.swaps = new SwapSchedule(c, shards);
            // Every autoencoder starts from the run's seeds, so until the first fetch this copy is autoencoder 0.
            // The workers check their data's classes against the components.
            this.aae = AdversarialAutoencoder.create(c, dataDim, c.get(AdversarialAutoencoder.COMPONENTS), ctx.dtype());
            this.g = aae.decoder();
            this.priorRng = GanRandom.stream(c.getSeed(), "latent", 0);
        }

        @Override
        public boolean forcesCheckpoint(int to) {
            return swaps.due(to);
        }

        @Override
        public TrainingLoop.Outcome run(int from, int t, boolean checkpoint) {
            boolean workerCheckpoint = checkpoint && !swaps.due(t);
            boolean fetch = checkpoint || Cadence.evaluationDue(c, from, t);
            return IterationScope.run("mdgan-aae-driver", () -> {
                int[] autoencoderOf = swaps.holding();
                List<byte[]> encode = new ArrayList<>(n);
                for (int w = 0; w < n; w++) {
                    encode.add(Messages.encode(t, autoencoderOf[w]));
                }
                List<Envelope.Reply> coded = workers.exchange(encode, "mdgan autoencoder iteration " + t + ": encode");
                Envelope.Totals first = Envelope.Totals.of(coded, Envelope.Totals.mean(n), t - 1, t);
                long t0 = System.nanoTime();
                Batch codes = Messages.codes(coded, aae.classes() > 0, g.dataType(), t);
                AdversarialAutoencoder.CodeFeedback f = aae.codeFeedback(codes.x(), codes.labels(), priorRng, c.getLocalSteps());
                // The feedback is of the mean over all N·b codes; times N, each worker's rows are the gradient of its own batch's mean.
                INDArray grad = n == 1 ? f.gradient() : f.gradient().mul(n);
                DivergenceException.check(grad, t, "the code discriminator's feedback");
                int holder = swaps.holderOf(0);
                List<byte[]> regularize = new ArrayList<>(n);
                int b = c.getBatchSize();
                for (int w = 0; w < n; w++) {
                    regularize.add(Messages.regularize(t, autoencoderOf[w], workerCheckpoint, fetch && w == holder,
                            grad.get(NDArrayIndex.interval((long) w * b, (long) (w + 1) * b), NDArrayIndex.all())));
                }
                long t1 = System.nanoTime();
                List<Envelope.Reply> done = workers.exchange(regularize, "mdgan autoencoder iteration " + t + ": regularize");
                Envelope.Totals second = Envelope.Totals.of(done, Envelope.Totals.mean(n), t, t);
                if (fetch) {
                    Messages.readFetch(done.get(holder).body(), aae, "worker " + holder);
                }
                long bytesOut = encode.stream().mapToLong(r -> r.length).sum() + regularize.stream().mapToLong(r -> r.length).sum();
                return new TrainingLoop.Outcome(f.dLoss(), f.gLoss(), bytesOut, first.bytes() + second.bytes(), 0,
                        first.restores() + second.restores(), first.lostIterations() + second.lostIterations(),
                        first.workerSeconds() + second.workerSeconds(), (t1 - t0) / 1e9);
            });
        }

        @Override
        public TrainingLoop.Outcome after(int t, boolean checkpoint) {
            if (!swaps.due(t)) {
                return null;
            }
            // The swap is a shuffle job of its own: the session ends here and the next iteration opens a new one.
            workers.endSession();
            Workers.Moved moved = swaps.swap((holding, dest) -> swap(workers, holding, dest, t, checkpoints));
            return new TrainingLoop.Outcome(0, 0, 0, 0, moved.bytes(), moved.restores(), moved.lostIterations(), 0, 0);
        }

        /**
         * The code discriminator, the copy of autoencoder 0 and the driver's streams. A stop request's
         * checkpoint, taken between the cadence's, keeps the copy last fetched: it only serves
         * evaluation and export, and the run's last iteration always fetches afresh.
         */
        @Override
        public Map<String, CheckpointStore.PartWriter> checkpoint() {
            Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
            aae.putNetworks(parts);
            parts.put(DRIVER_STATE, ModelParts.json(new DriverState(priorRng.state(), swaps.rngState(), swaps.holding())));
            return parts;
        }

        @Override
        public void restore(Map<String, byte[]> parts) {
            DriverState s = ModelParts.json(parts, DRIVER_STATE, DriverState.class);
            swaps.restore(s.swapRng(), s.autoencoderOf());
            aae = aae.restored(c, parts, dataDim);
            g = aae.decoder();
            priorRng = GanRandom.fromState(s.priorRng());
        }
    }

    /**
     * The messages of the autoencoder under MD-GAN, encoded and decoded here side by side (after the
     * runtime's {@link Envelope}), with their exact sizes:
     *
     * <ul>
     *   <li>Encode, driver → worker n: {@code phase:byte} (1), {@code autoencoder:int} (the one the
     *       driver expects n to hold): {@value #ENCODE_HEADER} bytes with the envelope.
     *   <li>Codes, worker → driver: the b × latent-dim codes, with one int32 class per row under
     *       labelled-mixture.
     *   <li>Regularize, driver → worker n: {@code phase:byte} (2), {@code autoencoder:int},
     *       {@code fetch:boolean}, the b × latent-dim feedback.
     *   <li>Fetched, worker → driver (only when asked): the decoder's and the encoder's shared state
     *       ({@link ModelState#writeShared}: parameters and extra arrays).
     *   <li>Swap, worker → worker: {@code autoencoder:int}, the decoder's and the encoder's
     *       {@link ModelState}, the encoder's regularization-phase optimizer state, and the decoder's
     *       moving average when it keeps one.
     * </ul>
     */
    static final class Messages {
        static final byte ENCODE = 1;
        static final byte REGULARIZE = 2;
        static final int ENCODE_HEADER = Envelope.REQUEST + 1 + 4;
        static final int REGULARIZE_HEADER = Envelope.REQUEST + 1 + 4 + 1;

        private Messages() {}

        record Request(byte phase, int autoencoderId, boolean fetch) {}

        static byte[] encode(int t, int autoencoderId) {
            return Envelope.request(t, false, ENCODE_HEADER - Envelope.REQUEST, out -> {
                out.writeByte(ENCODE);
                out.writeInt(autoencoderId);
            });
        }

        static byte[] regularize(int t, int autoencoderId, boolean checkpoint, boolean fetch, INDArray feedback) {
            return Envelope.request(t, checkpoint, REGULARIZE_HEADER - Envelope.REQUEST + Payloads.matrixBytes(feedback.rows(), feedback.columns()), out -> {
                out.writeByte(REGULARIZE);
                out.writeInt(autoencoderId);
                out.writeBoolean(fetch);
                Payloads.writeMatrix(out, feedback);
            });
        }

        static Request readRequest(DataInputStream in) throws IOException {
            byte phase = in.readByte();
            int id = in.readInt();
            if (phase == ENCODE) {
                return new Request(phase, id, false);
            }
            if (phase != REGULARIZE) {
                throw new IOException("unknown phase " + phase + " in an autoencoder request; expected " + ENCODE + " or " + REGULARIZE);
            }
            return new Request(phase, id, in.readBoolean());
        }

        static long codesBytes(Batch codes) {
            return Payloads.batchBytes(codes.rows(), codes.x().columns(), codes.labels() != null);
        }

        /** Every worker's codes stacked in worker order, with their classes when labelled; a non-finite code stops the run naming the worker. */
        static Batch codes(List<Envelope.Reply> replies, boolean labelled, DataType dtype, int t) {
            List<INDArray> xs = new ArrayList<>(replies.size());
            List<int[]> ys = new ArrayList<>(replies.size());
            for (Envelope.Reply r : replies) {
                Batch b;
                try {
                    b = Payloads.readBatch(r.body(), dtype, labelled);
                } catch (IOException e) {
                    throw new UncheckedIOException("worker " + r.worker() + " sent unreadable codes: " + e.getMessage(), e);
                }
                DivergenceException.check(b.x(), t, "worker " + r.worker() + "'s codes");
                xs.add(b.x());
                ys.add(b.labels());
            }
            INDArray x = xs.size() == 1 ? xs.get(0) : Nd4j.vstack(xs.toArray(new INDArray[0]));
            return new Batch(x, labelled ? ys.stream().flatMapToInt(Arrays::stream).toArray() : null);
        }

        /** The networks a fetch sends: the decoder to evaluate (its moving average, if any) and the encoder. */
        static List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> fetched(AdversarialAutoencoder aae) {
            return List.of(aae.decoder().averaged().network(), aae.encoder().network());
        }

        static long fetchBytes(List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> nets) {
            return nets.stream().mapToLong(ModelState::sharedBytes).sum();
        }

        static void writeFetch(java.io.DataOutputStream out, List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> nets) throws IOException {
            for (org.deeplearning4j.nn.multilayer.MultiLayerNetwork net : nets) {
                ModelState.writeShared(out, net);
            }
        }

        /** Reads a fetch into the driver's copies: the decoder (and its moving average, so the copy exports exactly what was sent) and the encoder. */
        static void readFetch(DataInputStream in, AdversarialAutoencoder copy, String who) {
            try {
                ModelState.readShared(in, copy.decoder().network(), who);
                ModelState.readShared(in, copy.encoder().network(), who);
            } catch (IOException e) {
                throw new UncheckedIOException(who + " sent an unreadable autoencoder: " + e.getMessage(), e);
            }
            if (copy.decoder().ema() != null) {
                copy.decoder().ema().restore(copy.decoder().network().params(), who + "'s decoder");
            }
        }

        static byte[] swap(WorkerState s) {
            ModelState decoder = ModelState.of(s.aae.decoder().network());
            ModelState encoder = ModelState.of(s.aae.encoder().network());
            Map<String, INDArray> regularization = s.aae.regularizationState();
            INDArray average = s.aae.decoder().ema() == null ? null : s.aae.decoder().ema().average();
            long bytes = 4 + decoder.bytes() + encoder.bytes() + 4
                    + regularization.values().stream().mapToLong(a -> Payloads.matrixBytes(1, a.length())).sum()
                    + 1 + (average == null ? 0 : Payloads.matrixBytes(1, average.length()));
            return Payloads.encode(bytes, out -> {
                out.writeInt(s.autoencoderId);
                decoder.write(out);
                encoder.write(out);
                out.writeInt(regularization.size());
                for (INDArray a : regularization.values()) {
                    Payloads.writeValues(out, a.dup('c').data().asFloat());
                }
                out.writeBoolean(average != null);
                if (average != null) {
                    Payloads.writeValues(out, average.dup('c').data().asFloat());
                }
            });
        }

        /** Applies a swap message to {@code aae} in place and returns the arriving autoencoder's id. */
        static int readSwap(DataInputStream in, AdversarialAutoencoder aae, String who) throws IOException {
            int id = in.readInt();
            ModelState.read(in).applyTo(aae.decoder().network(), who);
            ModelState.read(in).applyTo(aae.encoder().network(), who);
            Map<String, INDArray> mine = aae.regularizationState();
            int count = in.readInt();
            if (count != mine.size()) {
                throw new IOException(who + " received " + count + " regularization-state arrays, expected " + mine.size());
            }
            Map<String, INDArray> arriving = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : mine.entrySet()) {
                float[] v = Payloads.readValues(in).values();
                arriving.put(e.getKey(), Nd4j.create(v).castTo(e.getValue().dataType()).reshape(e.getValue().shape()));
            }
            aae.restoreRegularizationState(arriving, who + "'s arriving autoencoder");
            if (in.readBoolean()) {
                float[] v = Payloads.readValues(in).values();
                if (aae.decoder().ema() == null) {
                    throw new IOException(who + " received a decoder moving average but keeps none");
                }
                aae.decoder().ema().restore(Nd4j.create(v).castTo(aae.decoder().ema().average().dataType()), who + "'s arriving decoder");
            }
            return id;
        }
    }
}
