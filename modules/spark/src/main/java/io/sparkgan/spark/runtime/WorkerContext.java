package io.sparkgan.spark.runtime;

import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.data.Samples;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.StrategyConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's view of one task, on the executor: its run, its shard (read only when needed) and
 * its state in executor memory, restored from its newest fitting checkpoint when missing or stale.
 *
 * @param <S> the strategy's worker state
 */
public final class WorkerContext<S> {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerContext.class);

    private final WorkerJob job;
    private final WorkerSide<S> side;
    private final int worker;
    private final Supplier<Iterator<float[]>> rows;
    private Samples shard;
    private WorkerRegistry.Slot<S> slot;
    private int restoredFrom = -1;
    private long lostIterations;

    WorkerContext(WorkerJob job, WorkerSide<S> side, int worker, Supplier<Iterator<float[]>> rows) {
        this.job = job;
        this.side = side;
        this.worker = worker;
        this.rows = rows;
    }

    public int worker() {
        return worker;
    }

    public WorkerJob job() {
        return job;
    }

    public StrategyConfig config() {
        return job.config();
    }

    public DataType dtype() {
        return job.dataType();
    }

    /** The worker's shard, materialised from its cached partition on first use. */
    public Samples shard() {
        if (shard == null) {
            shard = Shards.materialise(rows.get(), job.labelled());
        }
        return shard;
    }

    /** The checkpoint iteration this task restored the worker from, or -1. */
    public int restoredFrom() {
        return restoredFrom;
    }

    /** Discriminator iterations lost by this task's restore (0 when it restored the exact iteration or did not restore). */
    public long lostIterations() {
        return lostIterations;
    }

    /**
     * The worker's state, current for iteration {@code from}: the one in executor memory if it is
     * at {@code from} and {@code fits}, otherwise the newest checkpoint at or before {@code from}
     * that reads back and fits. A restore from an older checkpoint loses the iterations in between
     * (reported, never hidden); a worker is never silently re-initialised.
     */
    public S state(int from, Predicate<S> fits) {
        WorkerRegistry.Slot<S> s = WorkerRegistry.slot(job.runId(), worker);
        if (s != null && s.iteration == from && fits.test(s.state)) {
            slot = s;
            return s.state;
        }
        if (job.checkpointUri() == null) {
            throw new IllegalStateException("worker " + worker + " lost its state and this run keeps no checkpoints to restore it from"
                    + " (give the run a checkpoint folder)");
        }
        CheckpointStore store = job.workerStore(worker);
        List<Integer> iterations = store.iterations();
        for (int i = iterations.size() - 1; i >= 0; i--) {
            int it = iterations.get(i);
            if (it > from) {
                continue;
            }
            S restored;
            try {
                restored = side.restore(this, store.load(it));
            } catch (RuntimeException e) {
                LOG.warn("worker {}: checkpoint {}/iter-{} is unreadable ({}); trying the one before it", worker, store.uri(),
                        String.format("%09d", it), e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse(""));
                continue;
            }
            if (!fits.test(restored)) {
                continue; // e.g. a checkpoint written after a swap holds the discriminator that arrived, not the one expected here
            }
            restoredFrom = it;
            lostIterations = from - it;
            if (it != from) {
                LOG.warn("worker {} restored its state from the checkpoint at iteration {} while at iteration {}: {} iterations of its discriminator are lost",
                        worker, it, from, from - it);
            } else {
                LOG.info("worker {} restored its state from the checkpoint at iteration {}", worker, it);
            }
            slot = WorkerRegistry.put(job.runId(), worker, restored, from);
            return restored;
        }
        throw new IllegalStateException("worker " + worker + " lost its state and has no readable checkpoint at or before iteration " + from
                + " in " + store.uri());
    }

    /** A new worker's state, created here and put in executor memory at iteration 0. */
    S create() {
        S s = side.create(this);
        slot = WorkerRegistry.put(job.runId(), worker, s, 0);
        return s;
    }

    /** The slot {@link #state} or {@link #create} found or made. */
    WorkerRegistry.Slot<S> slot() {
        if (slot == null) {
            throw new IllegalStateException("worker " + worker + ": the strategy served a request without asking for its state");
        }
        return slot;
    }

    /**
     * Checkpoints the worker's state at the iteration it is stamped with. Workers keep one checkpoint
     * more than the driver: workers write theirs during an iteration and the driver after it, so a
     * driver killed in between resumes from its previous checkpoint, which the workers must still have.
     */
    void checkpoint() {
        CheckpointStore store = job.workerStore(worker);
        store.save(slot().iteration, side.checkpoint(slot().state));
        store.prune(job.config().getKeepCheckpoints() + 1);
    }

    /**
     * Serves one request for this worker: the runtime's header, the strategy's work, the reply.
     * A request the worker already answered (the same target and the same bytes as its last one)
     * gets the same answer again: a retried exchange must not train a worker twice. The bytes, not
     * only the target, decide, because a strategy may reach an iteration in more than one exchange
     * (the adversarial autoencoder under MD-GAN sends two requests per iteration).
     */
    static <S> byte[] serve(WorkerJob job, WorkerSide<S> side, int worker, byte[] request, Supplier<Iterator<float[]>> rows) throws IOException {
        DataInputStream in = io.sparkgan.spark.Payloads.decode(request);
        int target = in.readInt();
        boolean checkpoint = in.readBoolean();
        WorkerRegistry.Slot<S> done = WorkerRegistry.slot(job.runId(), worker);
        if (done != null && done.repliedTarget == target && done.iteration == target && done.reply != null
                && java.util.Arrays.equals(done.repliedRequest, request)) {
            return done.reply;
        }
        WorkerContext<S> ctx = new WorkerContext<>(job, side, worker, rows);
        WorkerSide.Reply r = side.serve(ctx, target, in);
        WorkerRegistry.Slot<S> slot = ctx.slot();
        slot.iteration = target;
        if (checkpoint) {
            ctx.checkpoint();
        }
        byte[] reply = Envelope.reply(r, ctx.restoredFrom);
        slot.repliedTarget = target;
        slot.repliedRequest = request;
        slot.reply = reply;
        return reply;
    }

    /** Creates worker {@code worker}'s state (and its iteration-0 checkpoint when the run keeps checkpoints). */
    static <S> void initialise(WorkerJob job, WorkerSide<S> side, int worker, Supplier<Iterator<float[]>> rows) {
        WorkerContext<S> ctx = new WorkerContext<>(job, side, worker, rows);
        ctx.create();
        if (job.checkpointUri() != null) {
            ctx.checkpoint();
        }
    }
}
