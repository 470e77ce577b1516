package io.sparkgan.spark.runtime;

import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.runtime.channel.ChannelSecurity;
import io.sparkgan.spark.runtime.channel.DriverEndpoint;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The driver's handle on a run's workers: the one place that reaches them. It creates their state
 * in executor memory, sends them requests (through a long-lived session or one Spark job per
 * exchange), moves state between them (MD-GAN's swaps), keeps each worker's tasks on the executor
 * that holds its state ({@link Placement}), and recovers from lost and hung executors: a broken
 * exchange is retried with the same requests, workers that already answered repeat their answer,
 * and the others restore their state from checkpoints wherever their tasks run next.
 *
 * <p>Every Spark job it starts belongs to the run's job group and carries a description naming the
 * strategy and iteration, so the Spark UI shows what each job is.
 *
 * @param <S> the strategy's worker state
 */
public final class Workers<S> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Workers.class);
    /**
     * How long the tasks of a new session may take to start and connect: at least a minute (a
     * replacement executor starts a JVM and loads ND4J's natives first), at most two, and the
     * worker timeout in between.
     */
    private long connectTimeoutMillis() {
        return Math.max(60_000, Math.min(120_000, timeoutMillis));
    }

    private final JavaSparkContext sc;
    private final JavaRDD<float[]> shards;
    private final WorkerJob job;
    private final WorkerSide<S> side;
    private final int n;
    private final boolean sessions;
    private final long timeoutMillis;
    private final int attempts;
    private final Placement placement;
    private final RunMonitor monitor;
    private final String group;
    /** The run's secret for the sessions' channels (each session gets an id of its own). */
    private final ChannelSecurity security;
    private SessionTransport session;
    private int slotsPerExecutor;

    /**
     * @param sessions reach workers through a long-lived session (else one Spark job per exchange)
     */
    public Workers(JavaSparkContext sc, Shards shards, WorkerJob job, WorkerSide<S> side, boolean sessions) {
        this.sc = sc;
        this.shards = shards.rdd();
        this.job = job;
        this.side = side;
        this.n = shards.workers();
        this.sessions = sessions;
        this.timeoutMillis = job.config().getWorkerTimeout() * 1000L;
        // As many attempts as Spark gives a task: an exchange is retried as often as a task would be.
        this.attempts = Math.max(3, sc.getConf().getInt("spark.task.maxFailures", 4));
        this.placement = new Placement(n);
        this.group = "sparkgan-" + job.runId();
        this.monitor = new RunMonitor(group);
        this.security = ChannelSecurity.fromSparkConf(sc.getConf(), 0);
        monitor.onExecutorLost(id -> {
            List<Integer> moved = placement.forget(id);
            if (!moved.isEmpty()) {
                LOG.warn("workers {} lived on executor {}; their next tasks restore them from their checkpoints", moved, id);
            }
        });
        sc.sc().addSparkListener(monitor);
    }

    public WorkerJob job() {
        return job;
    }

    public int size() {
        return n;
    }

    /** Where worker {@code worker}'s state lives, as a Spark task location, or null when unknown. */
    public String location(int worker) {
        return placement.of(worker);
    }

    private void describe(String description) {
        sc.setJobGroup(group, description, true);
    }

    /** A worker's reply from a Spark job, with the executor it ran on. */
    record Returned(int worker, String location, byte[] bytes) implements Serializable {}

    /** Creates every worker's state in executor memory (and its iteration-0 checkpoint when the run keeps checkpoints). */
    public void initialise(String description) {
        WorkerJob j = job;
        WorkerSide<S> s = side;
        List<Returned> where = job(description, () -> placement.singletons(shards).mapPartitions(it -> {
            WorkerGroupsRDD.WorkerShard w = it.next();
            WorkerContext.initialise(j, s, w.worker(), w.rows());
            return Collections.singletonList(new Returned(w.worker(), Placement.here(), new byte[0])).iterator();
        }).collectAsync());
        where.forEach(r -> placement.record(r.worker(), r.location()));
    }

    /**
     * Sends request {@code w} to worker {@code w} and returns their replies in worker order.
     *
     * @param description what the exchange is, for the Spark UI and errors (e.g. "mdgan iteration 12")
     */
    public List<Envelope.Reply> exchange(List<byte[]> requests, String description) {
        if (requests.size() != n) {
            throw new IllegalArgumentException("expected " + n + " requests, got " + requests.size());
        }
        for (int attempt = 1; ; attempt++) {
            try {
                List<byte[]> raw = sessions ? sessionExchange(requests, description) : jobExchange(requests, description);
                List<Envelope.Reply> out = new ArrayList<>(n);
                for (int w = 0; w < n; w++) {
                    out.add(logRestore(Envelope.readReply(w, raw.get(w)), description));
                }
                return out;
            } catch (ExchangeFailure f) {
                recover(f, description, attempt);
            }
        }
    }

    /** Sends the same request to every worker (a Spark broadcast, fetched once per executor) and returns their replies. */
    public List<Envelope.Reply> broadcast(byte[] request, String description) {
        WorkerJob j = job;
        WorkerSide<S> s = side;
        Broadcast<byte[]> shared = sc.broadcast(request);
        try {
            List<Returned> raw = job(description, () -> placement.singletons(shards).mapPartitions(it -> {
                WorkerGroupsRDD.WorkerShard w = it.next();
                byte[] reply = WorkerContext.serve(j, s, w.worker(), shared.value(), w.rows());
                return Collections.singletonList(new Returned(w.worker(), Placement.here(), reply)).iterator();
            }).collectAsync());
            return decode(raw, description);
        } finally {
            shared.destroy();
        }
    }

    /** The driver's log names every restore (the executor's own log has the details). */
    private Envelope.Reply logRestore(Envelope.Reply r, String description) {
        if (r.restored()) {
            LOG.warn("{}: worker {} restored its state from its checkpoint at iteration {} on {}", description, r.worker(), r.restoredFrom(),
                    placement.of(r.worker()) == null ? "another executor" : "executor " + Placement.executorId(placement.of(r.worker())));
        }
        return r;
    }

    private List<Envelope.Reply> decode(List<Returned> raw, String description) {
        List<Envelope.Reply> out = new ArrayList<>(n);
        for (Returned r : raw) {
            placement.record(r.worker(), r.location());
            out.add(logRestore(Envelope.readReply(r.worker(), r.bytes()), description));
        }
        return out;
    }

    private List<byte[]> jobExchange(List<byte[]> requests, String description) {
        WorkerJob j = job;
        WorkerSide<S> s = side;
        List<Returned> raw = job(description, () -> sc.parallelize(requests, n).zipPartitions(placement.singletons(shards), (reqs, ws) -> {
            WorkerGroupsRDD.WorkerShard w = ws.next();
            byte[] reply = WorkerContext.serve(j, s, w.worker(), reqs.next(), w.rows());
            return Collections.singletonList(new Returned(w.worker(), Placement.here(), reply)).iterator();
        }).collectAsync());
        List<byte[]> out = new ArrayList<>(n);
        for (Returned r : raw) {
            placement.record(r.worker(), r.location());
            out.add(r.bytes());
        }
        return out;
    }

    private List<byte[]> sessionExchange(List<byte[]> requests, String description) {
        if (session == null) {
            describe(description + " (session of " + job.config().getStrategy() + " workers)");
            int executors = sc.sc().isLocal() ? 1 : Math.max(1, sc.sc().statusTracker().getExecutorInfos().length - 1);
            int perExecutor = coresPerExecutor(executors);
            session = new SessionTransport(placement.sessionGroups(shards, perExecutor, Math.max(1, Math.min(n, perExecutor * executors))),
                    job, side, n, DriverEndpoint.of(sc.getConf()), security, connectTimeoutMillis(), timeoutMillis, monitor);
            session.locations().forEach(placement::record);
        }
        return session.exchange(requests);
    }

    /**
     * Task slots per executor: {@code spark.executor.cores} when set, else what the cluster offered
     * when the first session opened (the slots then, over the executors then). Spark's default
     * parallelism alone would not do: it never drops below 2, and does not shrink when an executor
     * is lost, so a session could wait for a slot that no longer exists.
     */
    private int coresPerExecutor(int executors) {
        int set = sc.getConf().getInt("spark.executor.cores", 0);
        if (set > 0 && !sc.sc().isLocal()) {
            return set;
        }
        if (slotsPerExecutor == 0) {
            slotsPerExecutor = Math.max(1, sc.defaultParallelism() / executors);
        }
        return slotsPerExecutor;
    }

    /** Ends the session, if one is open (before jobs that need the task slots, such as swaps). */
    public void endSession() {
        if (session != null) {
            SessionTransport s = session;
            session = null;
            s.close();
        }
    }

    /**
     * Runs a Spark job of this run, waiting at most the worker timeout: a job that does not finish
     * by then has a hung executor, which is killed so the job can be retried without it.
     */
    private <T> List<T> job(String description, Supplier<JavaFutureAction<List<T>>> submit) {
        for (int attempt = 1; ; attempt++) {
            describe(description);
            JavaFutureAction<List<T>> f = submit.get();
            try {
                return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                Set<String> busy = monitor.busyExecutors();
                f.cancel(true);
                sc.cancelJobGroup(group);
                List<Integer> stuck = new ArrayList<>();
                for (int w = 0; w < n; w++) {
                    if (placement.of(w) != null && busy.contains(Placement.executorId(placement.of(w)))) {
                        stuck.add(w);
                    }
                }
                recover(new ExchangeFailure((stuck.isEmpty() ? "the tasks" : "worker" + (stuck.size() > 1 ? "s " : " ") + join(stuck)) + " on executor"
                        + (busy.size() > 1 ? "s " : " ") + String.join(", ", busy) + " did not answer within " + timeoutMillis / 1000 + " s",
                        busy, stuck, true, null), description, attempt);
            } catch (ExecutionException e) {
                throw new IllegalStateException(description + " failed: " + rootMessage(e), e.getCause());
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException(description + " was interrupted", e);
            }
        }
    }

    /** Mends a failed exchange for another attempt, or gives up after the last one. */
    private void recover(ExchangeFailure f, String description, int attempt) {
        if (session != null) {
            session.abort();
            session = null;
        }
        if (attempt >= attempts) {
            throw new IllegalStateException(description + ": " + f.getMessage() + "; gave up after " + attempts + " attempts", f);
        }
        if (f.hung) {
            for (String id : f.executors) {
                kill(id, f);
            }
        }
        LOG.warn("{}: {}; retrying (attempt {} of {})", description, f.getMessage(), attempt + 1, attempts);
    }

    /** Kills a hung executor (the cluster manager starts a replacement); its workers are restored elsewhere. */
    private void kill(String executorId, ExchangeFailure why) {
        if (sc.sc().isLocal()) {
            throw new IllegalStateException(why.getMessage() + "; in local mode there is no executor to replace", why);
        }
        List<Integer> moved = placement.forget(executorId);
        boolean killed = sc.sc().killExecutor(executorId);
        LOG.warn("killing hung executor {} (workers {}): {}", executorId, moved, killed ? "requested" : "refused by the cluster manager");
        if (killed) {
            // killExecutor lowers the application's executor target; ask for the replacement explicitly.
            sc.sc().requestExecutors(1);
            if (!monitor.awaitRemoved(executorId, 60_000)) {
                LOG.warn("executor {} was not removed within 60 s of the kill request", executorId);
            }
        }
    }

    /** Sends worker {@code w}'s outgoing message in a {@link #move}. */
    @FunctionalInterface
    public interface Sender<S> extends Serializable {
        byte[] send(WorkerContext<S> ctx) throws IOException;
    }

    /** Applies an arriving message in a {@link #move}. */
    @FunctionalInterface
    public interface Receiver<S> extends Serializable {
        void receive(WorkerContext<S> ctx, DataInputStream message) throws IOException;
    }

    /** What a {@link #move} moved and the restores it needed. */
    public record Moved(long bytes, int restores, long lostIterations) {}

    /** A message on its way from one worker to another, with what its sender needed to restore. */
    record Parcel(byte[] message, int restoredFrom, long lost) implements Serializable {}

    /** A receiver's report: the bytes that arrived and the restores on both ends. */
    record Arrival(int worker, String location, long bytes, int restores, long lost) implements Serializable {}

    /**
     * Moves a message from every worker {@code w} to worker {@code dest[w]} at iteration {@code t},
     * worker to worker through a Spark shuffle (never through the driver), then stamps every
     * receiver at {@code t} and, with {@code checkpoint}, checkpoints it.
     *
     * <p>A sender remembers what it sent at {@code t}, so a send that Spark re-runs (a lost shuffle
     * output) repeats the same bytes even though the sender has received its own message since;
     * receiving the same message twice leaves the same state. Either end restores from its
     * checkpoint when its state is gone.
     */
    public Moved move(int t, int[] dest, Sender<S> send, Receiver<S> receive, boolean checkpoint, String description) {
        WorkerJob j = job;
        WorkerSide<S> s = side;
        List<Arrival> arrivals = job(description, () -> placement.singletons(shards).mapPartitionsToPair(it -> {
                    WorkerGroupsRDD.WorkerShard w = it.next();
                    WorkerRegistry.Slot<S> slot = WorkerRegistry.slot(j.runId(), w.worker());
                    if (slot != null && slot.sentAt == t && slot.sent != null) {
                        return Collections.singletonList(new Tuple2<>(dest[w.worker()], new Parcel(slot.sent, -1, 0))).iterator();
                    }
                    WorkerContext<S> ctx = new WorkerContext<>(j, s, w.worker(), w.rows());
                    byte[] message = send.send(ctx);
                    ctx.slot().sentAt = t;
                    ctx.slot().sent = message;
                    return Collections.singletonList(new Tuple2<>(dest[w.worker()], new Parcel(message, ctx.restoredFrom(), ctx.lostIterations()))).iterator();
                })
                .partitionBy(new Shards.WorkerPartitioner(n))
                .values()
                .zipPartitions(placement.singletons(shards), (parcels, ws) -> {
                    WorkerGroupsRDD.WorkerShard w = ws.next();
                    Parcel p = parcels.next();
                    WorkerContext<S> ctx = new WorkerContext<>(j, s, w.worker(), w.rows());
                    receive.receive(ctx, Payloads.decode(p.message()));
                    ctx.slot().iteration = t;
                    if (checkpoint) {
                        ctx.checkpoint();
                    }
                    int restores = (p.restoredFrom() >= 0 ? 1 : 0) + (ctx.restoredFrom() >= 0 ? 1 : 0);
                    return Collections.singletonList(new Arrival(w.worker(), Placement.here(), p.message().length, restores,
                            p.lost() + ctx.lostIterations())).iterator();
                })
                .collectAsync());
        long bytes = 0;
        int restores = 0;
        long lost = 0;
        for (Arrival a : arrivals) {
            placement.record(a.worker(), a.location());
            if (a.restores() > 0) {
                LOG.warn("{}: worker {} and the worker sending to it restored {} state(s) from their checkpoints", description, a.worker(), a.restores());
            }
            bytes += a.bytes();
            restores += a.restores();
            lost += a.lost();
        }
        return new Moved(bytes, restores, lost);
    }

    /** Checkpoints every worker's state at {@code iteration} (outside the cadence, e.g. before a clean stop). */
    public void checkpointAll(int iteration, String description) {
        endSession();
        WorkerJob j = job;
        WorkerSide<S> s = side;
        job(description, () -> placement.singletons(shards).mapPartitions(it -> {
            WorkerGroupsRDD.WorkerShard w = it.next();
            WorkerContext<S> ctx = new WorkerContext<>(j, s, w.worker(), w.rows());
            ctx.state(iteration, x -> true);
            ctx.checkpoint();
            return Collections.singletonList(w.worker()).iterator();
        }).collectAsync());
    }

    /** Ends the session and drops the run's worker state from the executors that hold it. */
    @Override
    public void close() {
        try {
            if (session != null) {
                session.abort();
                session = null;
            }
            String run = job.runId();
            describe("release the run's worker state");
            placement.singletons(shards).foreachPartition(it -> WorkerRegistry.clear(run));
        } catch (RuntimeException e) {
            LOG.warn("could not release worker state on every executor: {}", rootMessage(e));
        } finally {
            WorkerRegistry.clear(job.runId());
            sc.sc().removeSparkListener(monitor);
            sc.clearJobGroup();
        }
    }

    private static String join(List<Integer> workers) {
        return String.join(", ", workers.stream().map(String::valueOf).toList());
    }

    static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String m = r.getMessage() == null ? r.toString() : r.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
