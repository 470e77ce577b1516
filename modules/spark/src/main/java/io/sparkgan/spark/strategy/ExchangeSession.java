package io.sparkgan.spark.strategy;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.Tuple2;

/**
 * A long-lived Spark stage for MD-GAN: its tasks stay alive for many iterations and exchange
 * payloads and feedback with the driver over a socket, instead of one Spark job per iteration.
 *
 * <p>Why: a Spark job of MD-GAN's shape costs 37–70 ms in local mode whatever its payload
 * (docs/benchmarks.md), more than the GAN work of a small model. A session pays that once per
 * segment (between discriminator swaps). Each task hosts a group of workers (the shards are
 * coalesced into as many tasks as there are task slots), so N workers run on fewer slots. The
 * worker code is the same as in a per-iteration job ({@link MdGan#process}): state in executor
 * memory, restore from checkpoints, counted restores.
 *
 * <p>Wire format, all big-endian: a task opens a connection and sends its worker count and ids;
 * each iteration the driver sends a count followed by (worker, length, payload) frames, and the task
 * answers with (worker, length, result) frames; a count of -1 ends the session.
 */
final class ExchangeSession implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MS = 120_000;

    private final ServerSocket server;
    private final ExecutorService io;
    private final JavaFutureAction<List<Integer>> stage;
    private final List<Connection> connections = new ArrayList<>();
    private final Connection[] byWorker;

    private static final class Connection {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;
        final List<Integer> workers = new ArrayList<>();

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
        }
    }

    /** Starts the stage over {@code shards} and waits until every task has connected. */
    ExchangeSession(JavaSparkContext sc, JavaRDD<float[]> shards, WorkerJob job, int workers, int tasks) {
        try {
            String host = sc.getConf().get("spark.driver.host", InetAddress.getLocalHost().getHostAddress());
            server = new ServerSocket(0, 64, InetAddress.getByName(host));
            server.setSoTimeout(CONNECT_TIMEOUT_MS);
            int port = server.getLocalPort();
            JavaRDD<Tuple2<Integer, float[]>> tagged = shards.mapPartitionsWithIndex((i, it) -> {
                List<Tuple2<Integer, float[]>> rows = new ArrayList<>();
                it.forEachRemaining(r -> rows.add(new Tuple2<>(i, r)));
                return rows.iterator();
            }, true);
            stage = tagged.coalesce(tasks).mapPartitions(new SessionTask(job, host, port)).collectAsync();
            io = Executors.newFixedThreadPool(tasks, r -> {
                Thread t = new Thread(r, "mdgan-exchange");
                t.setDaemon(true);
                return t;
            });
            byWorker = new Connection[workers];
            int hosted = 0;
            while (hosted < workers) {
                Socket s;
                try {
                    s = server.accept();
                } catch (SocketTimeoutException e) {
                    failIfStageDied();
                    throw new IllegalStateException("MD-GAN needs " + tasks + " tasks running at once to host its " + workers
                            + " workers, but only " + connections.size() + " connected within " + CONNECT_TIMEOUT_MS / 1000
                            + " s; free task slots, or use exchange 'job'");
                }
                s.setTcpNoDelay(true);
                Connection c = new Connection(s);
                int n = c.in.readInt();
                for (int i = 0; i < n; i++) {
                    int w = c.in.readInt();
                    c.workers.add(w);
                    byWorker[w] = c;
                }
                hosted += n;
                connections.add(c);
            }
        } catch (IOException e) {
            abort();
            throw new UncheckedIOException("cannot start the MD-GAN exchange: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            abort();
            throw e;
        }
    }

    /** Sends each worker its payload and returns the workers' results, in worker order. */
    List<byte[]> exchange(List<byte[]> payloads) {
        byte[][] results = new byte[payloads.size()][];
        List<Future<?>> pending = new ArrayList<>();
        for (Connection c : connections) {
            pending.add(io.submit(() -> {
                c.out.writeInt(c.workers.size());
                for (int w : c.workers) {
                    c.out.writeInt(w);
                    c.out.writeInt(payloads.get(w).length);
                    c.out.write(payloads.get(w));
                }
                c.out.flush();
                for (int i = 0; i < c.workers.size(); i++) {
                    int w = c.in.readInt();
                    byte[] r = new byte[c.in.readInt()];
                    c.in.readFully(r);
                    results[w] = r;
                }
                return null;
            }));
        }
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failIfStageDied();
                throw new IllegalStateException("the MD-GAN exchange broke: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        List<byte[]> out = new ArrayList<>(results.length);
        for (byte[] r : results) {
            out.add(r);
        }
        return out;
    }

    /** If the stage failed (a task threw), rethrows its error: that is the cause worth reporting. */
    private void failIfStageDied() {
        if (stage == null) {
            return;
        }
        try {
            stage.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("an MD-GAN task failed: " + e.getCause().getMessage(), e.getCause());
        } catch (Exception ignored) {
            // still running, or did not end in time: the caller reports its own error
        }
    }

    /**
     * Ends a session that failed: cancels the stage instead of waiting for it. A retried task may
     * have connected into the server's backlog and would wait for the driver forever; closing the
     * server and the connections fails it, and the cancellation ends the stage.
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
        for (Connection c : connections) {
            try {
                c.out.writeInt(-1);
                c.out.flush();
            } catch (IOException ignored) {
                // the task is gone already; the stage result below tells why
            }
        }
        try {
            if (stage != null) {
                stage.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("an MD-GAN task failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            release();
        }
    }

    /** Closes the server, every connection and the I/O threads. */
    private void release() {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing
        }
        for (Connection c : connections) {
            try {
                c.socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        if (io != null) {
            io.shutdownNow();
        }
    }

    /** The task side: connect, announce the hosted workers, then serve iterations until told to stop. */
    static final class SessionTask implements FlatMapFunction<Iterator<Tuple2<Integer, float[]>>, Integer> {
        private static final long serialVersionUID = 1L;
        private final WorkerJob job;
        private final String host;
        private final int port;

        SessionTask(WorkerJob job, String host, int port) {
            this.job = job;
            this.host = host;
            this.port = port;
        }

        @Override
        public Iterator<Integer> call(Iterator<Tuple2<Integer, float[]>> rows) throws Exception {
            Map<Integer, List<float[]>> shards = new LinkedHashMap<>();
            rows.forEachRemaining(r -> shards.computeIfAbsent(r._1(), k -> new ArrayList<>()).add(r._2()));
            try (Socket s = new Socket(host, port)) {
                s.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
                out.writeInt(shards.size());
                for (int w : shards.keySet()) {
                    out.writeInt(w);
                }
                out.flush();
                while (true) {
                    int count = in.readInt();
                    if (count < 0) {
                        break;
                    }
                    int[] ws = new int[count];
                    byte[][] payloads = new byte[count][];
                    for (int i = 0; i < count; i++) {
                        ws[i] = in.readInt();
                        payloads[i] = new byte[in.readInt()];
                        in.readFully(payloads[i]);
                    }
                    for (int i = 0; i < count; i++) {
                        byte[] r = MdGan.process(job, ws[i], payloads[i], shards.get(ws[i]).iterator());
                        out.writeInt(ws[i]);
                        out.writeInt(r.length);
                        out.write(r);
                    }
                    out.flush();
                }
            }
            return new ArrayList<>(shards.keySet()).iterator();
        }
    }
}
