package io.sparkgan.spark.runtime.channel;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's end of the exchange: a server socket that hands out a {@link Channel} only to clients
 * that complete the mutual handshake ({@link Handshake}: HMAC-SHA256 challenge-response over fresh
 * nonces, RFC 2104) for this run's secret and this session.
 *
 * <p><b>What it protects against.</b> A process that reaches the port without the secret, or
 * replays a recorded handshake, or belongs to another session, never gets a channel. A client that
 * sends garbage, an HTTP or TLS request, a wrong MAC, or nothing at all is refused and logged as one
 * WARN line naming its address and the reason, and nothing it does escapes as an exception. Each
 * handshake has its own deadline ({@link #DEFAULT_HANDSHAKE_TIMEOUT_MILLIS} unless given): a client
 * that stays silent, or sends a byte at a time, is dropped when it passes. Handshakes run
 * concurrently on their own threads (at most {@link #MAX_CONCURRENT_HANDSHAKES}; beyond that new
 * connections are refused at once), so a silent client delays a legitimate one by nothing rather
 * than by its timeout. Nothing a client sends before it has proved the secret is a length: every
 * handshake message has a fixed size, so an unauthenticated client cannot make the server allocate.
 * The server never binds the wildcard address; see {@link DriverEndpoint} for where to bind.
 *
 * <p>Usage on the driver: create it, pass {@link #port()} (and the host from {@link DriverEndpoint})
 * and the {@link ChannelSecurity} to the tasks, then call {@link #accept} once per expected task.
 */
public final class ChannelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelServer.class);
    /** A handshake is four small messages; ten seconds covers a loaded executor, and bounds how long a silent client holds a thread. */
    public static final int DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    /** Handshakes in progress at once; each holds a thread until it ends or times out. */
    public static final int MAX_CONCURRENT_HANDSHAKES = 32;
    private static final int RECENT_REFUSALS = 16;
    private static final AtomicInteger SERVERS = new AtomicInteger();

    private final ChannelSecurity security;
    private final int handshakeTimeoutMillis;
    private final ServerSocket server;
    private final Thread acceptor;
    private final ThreadPoolExecutor handshakes;
    private final Set<Socket> handshaking = ConcurrentHashMap.newKeySet();
    private final BlockingQueue<Channel> ready = new LinkedBlockingQueue<>();
    private final Deque<String> refusals = new ArrayDeque<>();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closed;
    private volatile IOException failure;

    /** A server on {@code bind} (an ephemeral port) with the default handshake timeout. */
    public ChannelServer(InetAddress bind, ChannelSecurity security) throws IOException {
        this(bind, security, DEFAULT_HANDSHAKE_TIMEOUT_MILLIS);
    }

    /**
     * A server on {@code bind} (an ephemeral port).
     *
     * @param handshakeTimeoutMillis how long one client has, from connecting, to complete its handshake
     * @throws IllegalArgumentException if {@code bind} is the wildcard address (all interfaces)
     */
    public ChannelServer(InetAddress bind, ChannelSecurity security, int handshakeTimeoutMillis) throws IOException {
        if (bind.isAnyLocalAddress()) {
            throw new IllegalArgumentException("the channel server will not listen on every interface (" + bind.getHostAddress()
                    + "); give the address executors reach the driver at (DriverEndpoint.of(conf))");
        }
        if (handshakeTimeoutMillis < 1) {
            throw new IllegalArgumentException("handshakeTimeoutMillis must be positive, got " + handshakeTimeoutMillis);
        }
        this.security = security;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.server = new ServerSocket();
        try {
            server.bind(new InetSocketAddress(bind, 0), 128);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen for channel connections on " + bind.getHostAddress() + ": " + e.getMessage()
                    + " (set spark.driver.bindAddress to an address of this machine)", e);
        }
        int id = SERVERS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.handshakes = new ThreadPoolExecutor(0, MAX_CONCURRENT_HANDSHAKES, 10, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "channel-" + id + "-handshake-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "channel-" + id + "-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** The address the server listens on. */
    public InetAddress address() {
        return server.getInetAddress();
    }

    /**
     * The next client to complete its handshake, waiting until {@code deadlineNanos} (a
     * {@link System#nanoTime()} value).
     *
     * @throws SocketTimeoutException if none did by the deadline; the message counts the refused connections and names the last one
     */
    public Channel accept(long deadlineNanos) throws IOException {
        long start = System.nanoTime();
        while (true) {
            if (closed) {
                throw new ChannelException("the channel server on port " + port() + " is closed");
            }
            if (failure != null) {
                throw new IOException("the channel server on port " + port() + " stopped accepting: " + failure.getMessage(), failure);
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException(String.format(Locale.ROOT, "no client completed the channel handshake within %.1f s%s",
                        (System.nanoTime() - start) / 1e9, refusalSummary()));
            }
            Channel c;
            try {
                // Wake up now and then to notice close() or a failed server socket.
                c = ready.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for a channel client");
            }
            if (c != null) {
                return c;
            }
        }
    }

    /** How many connections were refused so far. */
    public long refusedCount() {
        return refused.get();
    }

    /** The latest refusals (at most 16), oldest first, each "address: reason". */
    public List<String> recentRefusals() {
        synchronized (refusals) {
            return new ArrayList<>(refusals);
        }
    }

    /** Stops accepting, ends handshakes in progress, and closes channels accepted but not yet handed out. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        handshakes.shutdownNow();
        for (Socket s : handshaking) {
            closeQuietly(s);
        }
        drainReady();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    failure = e;
                    LOG.error("the channel server on port {} stopped accepting connections: {}", port(), e.toString());
                }
                return;
            }
            try {
                handshakes.execute(() -> handshake(s));
            } catch (RejectedExecutionException e) {
                refuse(s, closed ? "the server is closing" : "too many handshakes in progress (" + MAX_CONCURRENT_HANDSHAKES + ")");
            }
        }
    }

    private void handshake(Socket s) {
        handshaking.add(s);
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(handshakeTimeoutMillis);
            s.setTcpNoDelay(true);
            Handshake.Streams io = Handshake.Streams.of(s);
            Handshake.Keys keys = Handshake.server(io, security, deadline);
            Channel c = new Channel(io, keys, security);
            handshaking.remove(s);
            ready.add(c);
            if (closed) {
                drainReady(); // close() may have drained the queue before this channel arrived
            }
        } catch (Handshake.Refused | EOFException e) {
            refuse(s, e.getMessage());
        } catch (IOException e) {
            refuse(s, closed ? "the server closed during the handshake" : "the connection failed during the handshake: " + e);
        } catch (RuntimeException e) {
            // Not expected; still one line, and the server keeps going.
            LOG.debug("channel handshake with {} failed", s.getRemoteSocketAddress(), e);
            refuse(s, "the handshake failed: " + e);
        } finally {
            handshaking.remove(s);
        }
    }

    private void refuse(Socket s, String reason) {
        String entry = s.getRemoteSocketAddress() + ": " + reason;
        closeQuietly(s);
        refused.incrementAndGet();
        synchronized (refusals) {
            if (refusals.size() == RECENT_REFUSALS) {
                refusals.removeFirst();
            }
            refusals.addLast(entry);
        }
        if (!closed) {
            LOG.warn("refused a channel connection on port {} from {}", port(), entry);
        }
    }

    private String refusalSummary() {
        long n = refused.get();
        if (n == 0) {
            return "";
        }
        List<String> recent = recentRefusals();
        return "; refused " + n + " connection" + (n == 1 ? "" : "s") + (recent.isEmpty() ? "" : ", the last from " + recent.get(recent.size() - 1));
    }

    private void drainReady() {
        for (Channel c; (c = ready.poll()) != null;) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // the peer may be gone already
        }
    }
}
