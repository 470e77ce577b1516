package io.sparkgan.spark.runtime;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import io.sparkgan.spark.runtime.channel.Channel;
import io.sparkgan.spark.runtime.channel.ChannelSecurity;
import io.sparkgan.spark.runtime.channel.ChannelServer;
import io.sparkgan.spark.runtime.channel.DriverEndpoint;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-lived Spark stage whose tasks stay alive for many iterations and exchange requests and
 * replies with the driver over sockets, instead of one Spark job per iteration.
 *
 * <p>Why: a Spark job of MD-GAN's shape costs 37–70 ms in local mode whatever its payload
 * (docs/benchmarks.md), more than the GAN work of a small model. A session pays that once per
 * segment. Each task hosts the group of workers whose state lives on its executor
 * ({@link Placement}); the worker code is the same as in a per-iteration job
 * ({@link WorkerContext#serve}).
 *
 * <p>Every connection is a {@link Channel}: authenticated by a challenge-response on the run's
 * secret (which reaches tasks in the task closure, through Spark's own protected channels), bound
 * only where executors reach the driver, every frame's size bounded before allocation, and
 * encrypted when Spark's network encryption is on. On top of it, the protocol: a task sends a hello
 * {@code (executor:UTF, count:int, workers:int...)}, refused when a worker is unknown or already
 * claimed; each iteration the driver sends a header {@code (count:int, workers:int...)} followed by
 * one frame per worker's request, and the task answers with a status frame ({@code 0}, or {@code 1}
 * and a UTF message naming the worker that failed) followed, on success, by one reply frame per
 * worker; a header count of -1 ends the session.
 */
final class SessionTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionTransport.class);
    /** How long a connecting task may take to introduce itself. */
    private static final int HELLO_TIMEOUT_MS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Tests only: told where each new session listens, before its tasks are started (so a stranger can get there first). */
    static volatile java.util.function.Consumer<java.net.InetSocketAddress> listening;

    private final ChannelServer server;
    private final ExecutorService io;
    private final JavaFutureAction<List<Integer>> stage;
    private final List<Connection> connections = new ArrayList<>();
    private final RunMonitor monitor;
    private final Consumer<String> lostListener = this::dropExecutor;
    private final long workerTimeoutMillis;

    private static final class Connection {
        final Channel channel;
        final String location;
        final List<Integer> workers;

        Connection(Channel channel, String location, List<Integer> workers) {
            this.channel = channel;
            this.location = location;
            this.workers = workers;
        }

        String executorId() {
            return Placement.executorId(location);
        }
    }

    /**
     * Starts the stage over {@code groups} and waits until every worker's task has connected.
     *
     * @param endpoint where the driver listens and where tasks connect
     * @param runSecurity the run's secret and settings; this session gets an id of its own, so a
     *     task of an earlier session cannot join this one
     */
    <S> SessionTransport(JavaRDD<WorkerGroupsRDD.WorkerShard> groups, WorkerJob job, WorkerSide<S> side, int workers,
            DriverEndpoint endpoint, ChannelSecurity runSecurity, long connectTimeoutMillis, long workerTimeoutMillis, RunMonitor monitor) {
        this.monitor = monitor;
        this.workerTimeoutMillis = workerTimeoutMillis;
        int tasks = groups.getNumPartitions();
        ChannelSecurity security = runSecurity.forSession(RANDOM.nextLong());
        ChannelServer s = null;
        JavaFutureAction<List<Integer>> st = null;
        ExecutorService pool = null;
        try {
            s = new ChannelServer(endpoint.bind(), security);
            java.util.function.Consumer<java.net.InetSocketAddress> hook = listening;
            if (hook != null) {
                hook.accept(new java.net.InetSocketAddress(s.address(), s.port()));
            }
            st = groups.mapPartitions(new SessionTask<>(job, side, endpoint.connectHost(), s.port(), security)).collectAsync();
            pool = Executors.newFixedThreadPool(tasks, r -> {
                Thread t = new Thread(r, "sparkgan-exchange");
                t.setDaemon(true);
                return t;
            });
        } catch (IOException e) {
            if (s != null) {
                s.close();
            }
            throw new IllegalStateException("cannot start the worker exchange on " + endpoint.bind() + ": " + e.getMessage(), e);
        }
        server = s;
        stage = st;
        io = pool;
        monitor.onExecutorLost(lostListener);
        try {
            accept(workers, tasks, connectTimeoutMillis);
        } catch (RuntimeException e) {
            abort();
            throw e;
        }
    }

    private void accept(int workers, int tasks, long timeoutMillis) {
        boolean[] claimed = new boolean[workers];
        int hosted = 0;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (hosted < workers) {
            failIfStageDied();
            if (System.nanoTime() > deadline) {
                // Retryable: the next attempt counts the slots again (an executor may have been lost
                // meanwhile). An executor that runs a task of the session that never connected is hung.
                java.util.Set<String> silent = new java.util.TreeSet<>(monitor.busyExecutors());
                connections.forEach(c -> silent.remove(c.executorId()));
                List<Integer> missing = new ArrayList<>();
                for (int w = 0; w < claimed.length; w++) {
                    if (!claimed[w]) {
                        missing.add(w);
                    }
                }
                throw new ExchangeFailure("worker" + (missing.size() > 1 ? "s " : " ") + names(missing) + " did not connect within " + timeoutMillis / 1000
                        + " s (the session needs " + tasks + " tasks running at once, " + connections.size() + " connected)"
                        + (silent.isEmpty() ? "; free task slots, or use exchange 'job'" : ": executor" + (silent.size() > 1 ? "s " : " ")
                        + String.join(", ", silent) + " started their tasks and went silent"), silent, missing, !silent.isEmpty(), null);
            }
            Channel channel;
            try {
                channel = server.accept(Math.min(deadline, System.nanoTime() + 250_000_000L));
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                throw new ExchangeFailure("the workers' session stopped accepting connections: " + e.getMessage(), (String) null, List.of(), false, e);
            }
            Connection c = hello(channel, claimed);
            if (c != null) {
                connections.add(c);
                hosted += c.workers.size();
            }
        }
    }

    /**
     * Reads an authenticated task's hello; refuses (and closes) one that claims a worker that is
     * unknown or already claimed. A task that passed the handshake holds the run's secret, so this
     * guards against a retried or duplicated task, not a stranger.
     */
    private Connection hello(Channel channel, boolean[] claimed) {
        try {
            channel.setReadTimeout(HELLO_TIMEOUT_MS);
            DataInputStream h = new DataInputStream(new java.io.ByteArrayInputStream(channel.readFrame()));
            String location = h.readUTF();
            int count = h.readInt();
            if (count <= 0 || count > claimed.length) {
                throw new IOException("it claims " + count + " workers");
            }
            List<Integer> ws = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int w = h.readInt();
                if (w < 0 || w >= claimed.length || claimed[w] || ws.contains(w)) {
                    throw new IOException("it claims worker " + w + ", which is unknown or taken");
                }
                ws.add(w);
            }
            for (int w : ws) {
                claimed[w] = true;
            }
            channel.setReadTimeout(0);
            return new Connection(channel, location, ws);
        } catch (IOException | RuntimeException e) {
            LOG.warn("refused a connection to the workers' session from {}: {}", channel.remote(), e.getMessage());
            closeQuietly(channel);
            return null;
        }
    }

    /** The executor location each worker's task reported. */
    Map<Integer, String> locations() {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (Connection c : connections) {
            for (int w : c.workers) {
                out.put(w, c.location);
            }
        }
        return out;
    }

    /** Sends each worker its request and returns the workers' replies, in worker order. */
    List<byte[]> exchange(List<byte[]> requests) {
        byte[][] replies = new byte[requests.size()][];
        Map<Connection, Future<?>> pending = new LinkedHashMap<>();
        for (Connection c : connections) {
            pending.put(c, io.submit(() -> {
                ByteArrayOutputStream header = new ByteArrayOutputStream();
                DataOutputStream h = new DataOutputStream(header);
                h.writeInt(c.workers.size());
                for (int w : c.workers) {
                    h.writeInt(w);
                }
                c.channel.writeFrame(header.toByteArray());
                for (int w : c.workers) {
                    c.channel.writeFrame(requests.get(w));
                }
                c.channel.flush();
                DataInputStream status = new DataInputStream(new java.io.ByteArrayInputStream(c.channel.readFrame()));
                if (status.readByte() != 0) {
                    throw new WorkerError(status.readUTF());
                }
                for (int w : c.workers) {
                    replies[w] = c.channel.readFrame();
                }
                return null;
            }));
        }
        long deadline = System.nanoTime() + workerTimeoutMillis * 1_000_000;
        for (Map.Entry<Connection, Future<?>> e : pending.entrySet()) {
            Connection c = e.getKey();
            try {
                e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException t) {
                throw new ExchangeFailure("worker" + (c.workers.size() > 1 ? "s " : " ") + names(c.workers) + " on executor " + c.executorId()
                        + " did not answer within " + workerTimeoutMillis / 1000 + " s", c.executorId(), c.workers, true, null);
            } catch (ExecutionException x) {
                if (x.getCause() instanceof WorkerError w) {
                    throw new IllegalStateException(w.getMessage(), w);
                }
                failIfStageDied();
                throw new ExchangeFailure("the connection to executor " + c.executorId() + " (worker" + (c.workers.size() > 1 ? "s " : " ")
                        + names(c.workers) + ") broke: " + x.getCause().getMessage(), c.executorId(), c.workers, false, x.getCause());
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the workers", x);
            }
        }
        List<byte[]> out = new ArrayList<>(replies.length);
        for (byte[] r : replies) {
            out.add(r);
        }
        return out;
    }

    private static String names(List<Integer> workers) {
        StringBuilder sb = new StringBuilder();
        for (int w : workers) {
            sb.append(sb.length() == 0 ? "" : ", ").append(w);
        }
        return sb.toString();
    }

    /** A worker's task reported an error of its own (not a lost connection): retrying would only repeat it. */
    static final class WorkerError extends IOException {
        WorkerError(String message) {
            super(message);
        }
    }

    /** Closes the connections to a lost executor, so an exchange waiting on them fails now rather than at its timeout. */
    private void dropExecutor(String executorId) {
        for (Connection c : connections) {
            if (c.executorId().equals(executorId)) {
                closeQuietly(c.channel);
            }
        }
    }

    /** If a task of the stage failed with an error of its own, rethrows it: that is the cause worth reporting. */
    private void failIfStageDied() {
        if (stage == null || !stage.isDone()) {
            return;
        }
        try {
            stage.get();
        } catch (ExecutionException e) {
            Throwable root = e.getCause();
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new IllegalStateException("a worker task failed: " + (root.getMessage() == null ? root.toString() : root.getMessage().lines().findFirst().orElse("")), e.getCause());
        } catch (Exception ignored) {
            // finished or cancelled: the caller reports its own error
        }
    }

    /**
     * Ends a session that failed: closes the server and every connection (a task blocked on the
     * driver gets an end of stream) and cancels the stage instead of waiting for it.
     */
    void abort() {
        release();
        if (stage != null) {
            stage.cancel(true);
        }
    }

    /** Ends the session: tasks leave their loop and the stage completes. */
    @Override
    public void close() {
        byte[] end = {-1, -1, -1, -1};
        for (Connection c : connections) {
            try {
                c.channel.writeFrame(end);
                c.channel.flush();
            } catch (IOException ignored) {
                // the task is gone already; the stage's result tells why
            }
        }
        try {
            stage.get(workerTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            abort();
            failIfStageDied();
        } catch (TimeoutException e) {
            abort();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
        } finally {
            release();
        }
    }

    private void release() {
        monitor.removeListener(lostListener);
        if (server != null) {
            server.close();
        }
        for (Connection c : connections) {
            closeQuietly(c.channel);
        }
        if (io != null) {
            io.shutdownNow();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // closing
        }
    }

    /** Whether {@code e} comes from shuffle data lost with an executor (Spark recomputes it, a retry succeeds). */
    static boolean fetchFailed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.spark.shuffle.FetchFailedException) {
                return true;
            }
        }
        return false;
    }

    /** The task side: connect, introduce the hosted workers, then serve iterations until told to stop. */
    static final class SessionTask<S> implements FlatMapFunction<Iterator<WorkerGroupsRDD.WorkerShard>, Integer> {
        private static final long serialVersionUID = 1L;
        private final WorkerJob job;
        private final WorkerSide<S> side;
        private final String host;
        private final int port;
        private final ChannelSecurity security;

        SessionTask(WorkerJob job, WorkerSide<S> side, String host, int port, ChannelSecurity security) {
            this.job = job;
            this.side = side;
            this.host = host;
            this.port = port;
            this.security = security;
        }

        @Override
        public Iterator<Integer> call(Iterator<WorkerGroupsRDD.WorkerShard> shards) throws Exception {
            Map<Integer, WorkerGroupsRDD.WorkerShard> mine = new HashMap<>();
            shards.forEachRemaining(s -> mine.put(s.worker(), s));
            try (Channel out = Channel.connect(host, port, security, HELLO_TIMEOUT_MS)) {
                ByteArrayOutputStream hello = new ByteArrayOutputStream();
                DataOutputStream h = new DataOutputStream(hello);
                h.writeUTF(Placement.here());
                h.writeInt(mine.size());
                for (int w : mine.keySet()) {
                    h.writeInt(w);
                }
                out.writeFrame(hello.toByteArray());
                out.flush();
                while (true) {
                    byte[] next;
                    try {
                        next = out.readFrame();
                    } catch (java.io.EOFException | java.net.SocketException e) {
                        // The driver closed the session without an end frame: it aborted the session
                        // (a retry, a failed run) and reports why itself; nothing is left to do here.
                        break;
                    }
                    DataInputStream header = new DataInputStream(new java.io.ByteArrayInputStream(next));
                    int count = header.readInt();
                    if (count < 0) {
                        break;
                    }
                    int[] ws = new int[count];
                    byte[][] requests = new byte[count][];
                    for (int i = 0; i < count; i++) {
                        ws[i] = header.readInt();
                    }
                    for (int i = 0; i < count; i++) {
                        requests[i] = out.readFrame();
                    }
                    byte[][] replies = new byte[count][];
                    for (int i = 0; i < count; i++) {
                        WorkerGroupsRDD.WorkerShard shard = mine.get(ws[i]);
                        try {
                            if (shard == null) {
                                throw new IllegalStateException("this task does not host worker " + ws[i]);
                            }
                            replies[i] = WorkerContext.serve(job, side, ws[i], requests[i], shard.rows());
                        } catch (Exception | Error e) {
                            if (fetchFailed(e)) {
                                // A lost executor took the shard's cached block and shuffle output: Spark
                                // rebuilds them for the next attempt, so this is no error of the worker's.
                                throw e;
                            }
                            // Tell the driver what went wrong, so it reports this instead of a broken connection.
                            ByteArrayOutputStream status = new ByteArrayOutputStream();
                            DataOutputStream st = new DataOutputStream(status);
                            st.writeByte(1);
                            String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
                            st.writeUTF(m.startsWith("worker ") ? m : "worker " + ws[i] + ": " + m);
                            out.writeFrame(status.toByteArray());
                            out.flush();
                            throw e;
                        }
                    }
                    out.writeFrame(new byte[] {0});
                    for (byte[] r : replies) {
                        out.writeFrame(r);
                    }
                    out.flush();
                }
            }
            return new ArrayList<>(mine.keySet()).iterator();
        }
    }
}
