package io.sparkgan.spark.runtime.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real {@link ChannelServer} on 127.0.0.1 against real client sockets: legitimate clients, and
 * the foreign processes the exchange must keep out. Every socket, relay and server a test opens is
 * closed after it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChannelTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String HOST = LOOPBACK.getHostAddress();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.add(c);
        return c;
    }

    private ChannelServer server(ChannelSecurity security) throws IOException {
        return opened(new ChannelServer(LOOPBACK, security));
    }

    private Channel connect(int port, ChannelSecurity security) throws IOException {
        return opened(Channel.connect(HOST, port, security, 10_000));
    }

    private Socket raw(int port) throws IOException {
        Socket s = opened(new Socket(LOOPBACK, port));
        s.setSoTimeout(20_000);
        return s;
    }

    private static long in(double seconds) {
        return System.nanoTime() + (long) (seconds * 1e9);
    }

    /**
     * Reads until the server closes the connection; returns what it sent first. A reset counts as a
     * close: the server closes without reading what a refused client sent after the point of refusal.
     */
    private static byte[] untilClosed(Socket s) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] b = new byte[4096];
        try {
            for (int n; (n = in.read(b)) >= 0;) {
                got.write(b, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // closed by the server
        }
        return got.toByteArray();
    }

    /** Waits (briefly) for the server to log a refusal containing {@code text}. */
    private static String refusal(ChannelServer server, String text) throws InterruptedException {
        long deadline = in(10);
        while (System.nanoTime() < deadline) {
            for (String r : server.recentRefusals()) {
                if (r.contains(text)) {
                    return r;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no refusal containing '" + text + "' in " + server.recentRefusals());
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest(name = "encrypt={0}")
    @ValueSource(booleans = {false, true})
    void theRightSecretConnectsAndFramesOfZeroOneAndOneMegabyteCrossBothWays(boolean encrypt) throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, encrypt);
        ChannelServer server = server(security);
        Relay relay = opened(new Relay(server.port(), -1)); // records the wire, to check what it shows
        Channel client = connect(relay.port(), security);
        Channel driver = opened(server.accept(in(10)));
        assertEquals(encrypt, client.encrypted());
        assertEquals(encrypt, driver.encrypted());

        byte[] marker = "GENERATED-BATCH-MARKER-0123456789".getBytes(StandardCharsets.US_ASCII);
        byte[][] frames = {new byte[0], {42}, random(1 << 20, 1), marker};
        for (byte[] f : frames) {
            driver.writeFrame(f);
        }
        driver.flush();
        for (byte[] f : frames) {
            assertArrayEquals(f, client.readFrame());
        }
        for (byte[] f : frames) {
            client.writeFrame(f);
        }
        // Several arrays as one frame, not copied together first.
        client.writeFrame(new byte[] {1, 2}, new byte[0], random(70_000, 2));
        client.flush();
        for (byte[] f : frames) {
            assertArrayEquals(f, driver.readFrame());
        }
        byte[] joined = driver.readFrame();
        assertEquals(2 + 70_000, joined.length);
        assertEquals(1, joined[0]);
        assertArrayEquals(random(70_000, 2), java.util.Arrays.copyOfRange(joined, 2, joined.length));

        // On the wire: the marker is readable without encryption, and nowhere with it.
        String wire = new String(relay.clientBytes(), StandardCharsets.ISO_8859_1);
        assertEquals(!encrypt, wire.contains(new String(marker, StandardCharsets.ISO_8859_1)), "marker visible on the wire");
        assertEquals(0, server.refusedCount(), server.recentRefusals().toString());
    }

    @Test
    void aWrongSecretIsRefusedByTheServerAndAnImpostorServerByTheClient() throws Exception {
        ChannelSecurity driverSecurity = ChannelSecurity.generate(7, false);
        ChannelSecurity other = ChannelSecurity.generate(7, false);
        ChannelServer server = server(driverSecurity);

        // A client with another secret checks the server's proof first and gives up: the impostor-driver case seen from the task.
        ChannelException e = assertThrows(ChannelException.class, () -> Channel.connect(HOST, server.port(), other, 10_000));
        assertTrue(e.getMessage().contains("could not prove it holds this run's secret"), e.getMessage());
        refusal(server, "closed the connection after 46 bytes of the handshake");

        // A client that ignores the server's proof and answers with its own wrong MAC is refused by the server.
        Socket s = raw(server.port());
        byte[] hello = Handshake.clientHello(other, Handshake.nonce());
        s.getOutputStream().write(hello);
        byte[] reply = s.getInputStream().readNBytes(Handshake.SERVER_HELLO_BYTES);
        byte[] serverNonce = java.util.Arrays.copyOfRange(reply, 6, 6 + Handshake.NONCE_BYTES);
        s.getOutputStream().write(Handshake.proof(other.secret(), Handshake.CLIENT_PROOF, hello, serverNonce));
        assertEquals(0, untilClosed(s).length, "no acceptance for a wrong MAC");
        assertTrue(refusal(server, "wrong handshake MAC").startsWith("/127.0.0.1:"));

        SocketTimeoutException none = assertThrows(SocketTimeoutException.class, () -> server.accept(in(0.3)));
        assertTrue(none.getMessage().startsWith("no client completed the channel handshake within"), none.getMessage());
        assertTrue(none.getMessage().contains("refused 2 connections"), none.getMessage());
    }

    @Test
    void aCapturedHandshakeReplayedOnANewConnectionIsRefused() throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, false);
        ChannelServer server = server(security);
        Relay relay = opened(new Relay(server.port(), -1));
        Channel legit = connect(relay.port(), security);
        opened(server.accept(in(10)));
        byte[] captured = relay.clientBytes();
        assertEquals(Handshake.CLIENT_HELLO_BYTES + Handshake.MAC_BYTES, captured.length, "what the legitimate client sent");

        Socket replay = raw(server.port());
        replay.getOutputStream().write(captured);
        byte[] answer = untilClosed(replay);
        assertEquals(Handshake.SERVER_HELLO_BYTES, answer.length, "a server hello with a fresh nonce, then no acceptance");
        refusal(server, "wrong handshake MAC (not this run's secret, or a replayed handshake)");
        assertThrows(SocketTimeoutException.class, () -> server.accept(in(0.2)), "the replay got no channel");
        assertFalse(legit.encrypted());
    }

    @Test
    void garbageAndAnHttpRequestAreRefusedAndTheServerGoesOnServing() throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, true);
        ChannelServer server = server(security);
        Socket http = raw(server.port());
        http.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(0, untilClosed(http).length);
        String r = refusal(server, "HTTP");
        assertTrue(r.endsWith("sent bytes 47 45 54 20 (\"GET \"), not a channel handshake (an HTTP request)"), r);

        Socket garbage = raw(server.port());
        garbage.getOutputStream().write(random(4096, 3));
        assertEquals(0, untilClosed(garbage).length);
        refusal(server, "not a channel handshake");
        assertFalse(String.join("\n", server.recentRefusals()).contains("Exception"), server.recentRefusals().toString());

        // A right magic followed by garbage: refused at the first wrong field.
        Socket almost = raw(server.port());
        almost.getOutputStream().write(new byte[] {'S', 'G', 'C', 'H', 9, 9});
        assertEquals(0, untilClosed(almost).length);
        refusal(server, "speaks channel version 9");

        Channel c = connect(server.port(), security);
        Channel d = opened(server.accept(in(10)));
        c.writeFrame(new byte[] {5});
        c.flush();
        assertArrayEquals(new byte[] {5}, d.readFrame());
        assertEquals(3, server.refusedCount());
    }

    @Test
    void aSilentClientDoesNotDelayALegitimateOneAndIsDroppedAtItsDeadline() throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, false);
        ChannelServer server = server(security); // the default 10 s handshake timeout
        Socket silent = raw(server.port());
        Socket slow = raw(server.port());
        slow.getOutputStream().write('S');
        long start = System.nanoTime();
        connect(server.port(), security);
        // Well inside the silent clients' 10 s: handshakes do not wait for each other.
        opened(server.accept(in(3)));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 3, "accepted after " + seconds + " s");
        assertEquals(0, server.refusedCount());

        // With a short timeout, the silent client and one sending a byte every 100 ms are both dropped when it passes.
        ChannelServer quick = opened(new ChannelServer(LOOPBACK, security, 500));
        Socket quiet = raw(quick.port());
        Socket dribble = raw(quick.port());
        OutputStream out = dribble.getOutputStream();
        long t0 = System.nanoTime();
        byte[] hello = Handshake.clientHello(security, Handshake.nonce()); // valid throughout: only the deadline can stop it
        try {
            for (int i = 0; i < Handshake.CLIENT_HELLO_BYTES; i++) {
                out.write(hello[i]);
                out.flush();
                Thread.sleep(100);
            }
        } catch (IOException closedByServer) {
            // expected: the server dropped it
        }
        assertEquals(0, untilClosed(dribble).length);
        double dribbled = (System.nanoTime() - t0) / 1e9;
        assertTrue(dribbled < 3, "a dribbling client kept its handshake open for " + dribbled + " s");
        assertEquals(0, untilClosed(quiet).length);
        refusal(quick, "sent nothing before the handshake deadline");
        refusal(quick, "bytes of the handshake before its deadline");
        assertEquals(0, server.refusedCount(), "the first server still waits for its silent clients: " + silent + ", " + slow);
    }

    @ParameterizedTest(name = "encrypt={0}")
    @ValueSource(booleans = {false, true})
    void anOversizedDeclaredFrameIsRefusedBeforeAnythingIsAllocatedOrRead(boolean encrypt) throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, encrypt).withMaxFrameBytes(1 << 20);
        ChannelServer server = server(security);
        // The client does its handshake properly, then writes raw headers with nothing behind them.
        Socket s = raw(server.port());
        Handshake.Streams io = Handshake.Streams.of(s);
        Handshake.client(io, security, in(10), "test");
        Channel driver = opened(server.accept(in(10)));
        // If the server allocated and then read the body, it would wait for bytes that never come.
        driver.setReadTimeout(5000);
        io.out().write(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
        io.out().flush();
        ChannelException e = assertThrows(ChannelException.class, driver::readFrame);
        assertTrue(e.getMessage().contains("declared " + (encrypt ? "an encrypted frame" : "a frame") + " of 2147483647 bytes; this channel's limit is 1048576"), e.getMessage());
        assertThrows(ChannelException.class, driver::readFrame, "the channel is unusable afterwards");

        // The same from the other side, a length just over the limit, and a negative one.
        for (int declared : new int[] {(1 << 20) + (encrypt ? Channel.TAG_BYTES : 0) + 1, -5}) {
            Socket s2 = raw(server.port());
            Handshake.Streams io2 = Handshake.Streams.of(s2);
            Handshake.client(io2, security, in(10), "test");
            Channel d2 = opened(server.accept(in(10)));
            d2.setReadTimeout(5000);
            io2.out().write(ByteBuffer.allocate(4).putInt(declared).array());
            io2.out().flush();
            assertThrows(ChannelException.class, d2::readFrame, "declared " + declared);
        }
        // And the sender refuses to build one.
        Channel c = connect(server.port(), security);
        opened(server.accept(in(10)));
        assertThrows(ChannelException.class, () -> c.writeFrame(new byte[(1 << 20) + 1]));
    }

    @Test
    void aClientOfAnotherSessionOrEncryptionSettingIsRefused() throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, true);
        ChannelServer server = server(security);
        ChannelException e = assertThrows(ChannelException.class, () -> Channel.connect(HOST, server.port(), security.forSession(6), 10_000));
        assertTrue(e.getMessage().contains("closed the connection during the handshake"), e.getMessage());
        refusal(server, "belongs to session 6, this is session 7");

        ChannelSecurity plain = ChannelSecurity.generate(7, false);
        assertThrows(ChannelException.class, () -> Channel.connect(HOST, server.port(), plain, 10_000));
        refusal(server, "does not encrypt, and this channel requires encryption");
        assertThrows(SocketTimeoutException.class, () -> server.accept(in(0.2)));
    }

    @Test
    void aTamperedEncryptedFrameFailsWithAClearError() throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, true);
        ChannelServer server = server(security);
        // Server to client: a 70-byte hello, the 1-byte acceptance, then frames; flip a bit inside the second frame's ciphertext.
        long firstFrame = Handshake.SERVER_HELLO_BYTES + 1;
        long secondFrame = firstFrame + 4 + 100 + Channel.TAG_BYTES;
        Relay relay = opened(new Relay(server.port(), secondFrame + 4 + 10));
        Channel client = connect(relay.port(), security);
        Channel driver = opened(server.accept(in(10)));
        driver.writeFrame(random(100, 4));
        driver.writeFrame(random(100, 5));
        driver.flush();
        assertArrayEquals(random(100, 4), client.readFrame());
        ChannelException e = assertThrows(ChannelException.class, client::readFrame);
        assertTrue(e.getMessage().matches("frame 1 from .* failed authentication: altered, corrupted, replayed or out of order"), e.getMessage());
        ChannelException after = assertThrows(ChannelException.class, client::readFrame);
        assertTrue(after.getMessage().contains("is unusable"), after.getMessage());
    }

    @Test
    void aReadTimeoutBeforeAFrameLeavesTheChannelUsableAndASilentServerTimesTheClientOut() throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, true);
        ChannelServer server = server(security);
        Channel client = connect(server.port(), security);
        Channel driver = opened(server.accept(in(10)));
        driver.setReadTimeout(100);
        assertThrows(SocketTimeoutException.class, driver::readFrame, "nothing sent yet");
        client.writeFrame(new byte[] {1, 2, 3});
        client.flush();
        assertArrayEquals(new byte[] {1, 2, 3}, driver.readFrame(), "the owner can poll and go on reading");
        client.close();
        assertThrows(IOException.class, client::readFrame);

        // A "server" that accepts and never answers: the client gives up at its deadline.
        java.net.ServerSocket mute = opened(new java.net.ServerSocket(0, 50, LOOPBACK));
        long t0 = System.nanoTime();
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> Channel.connect(HOST, mute.getLocalPort(), security, 500));
        assertTrue(e.getMessage().contains("sent nothing before the handshake reply deadline"), e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1e9 < 5);
    }

    @Test
    void manyClientsHandshakeAtOnce() throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, true);
        ChannelServer server = server(security);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        open.add(pool::shutdownNow);
        List<Future<Channel>> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(pool.submit(() -> connect(server.port(), security)));
        }
        for (int i = 0; i < 8; i++) {
            opened(server.accept(in(20)));
        }
        for (Future<Channel> f : clients) {
            assertTrue(f.get(20, TimeUnit.SECONDS).encrypted());
        }
    }

    @Test
    void aServerOnLoopbackIsNotReachableOnTheMachinesOtherAddresses() throws Exception {
        InetAddress other = null;
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && !nif.isLoopback()) {
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                        other = a;
                    }
                }
            }
        }
        assumeTrue(other != null, "this machine has no non-loopback IPv4 address");
        ChannelServer server = server(ChannelSecurity.generate(7, false));
        Socket s = opened(new Socket());
        InetAddress target = other;
        assertThrows(IOException.class, () -> s.connect(new InetSocketAddress(target, server.port()), 2000), "reachable on " + target.getHostAddress());
        assertThrows(IllegalArgumentException.class, () -> new ChannelServer(InetAddress.getByName("0.0.0.0"), ChannelSecurity.generate(7, false)));
    }

    @Test
    void closingTheServerEndsWaitingAndRefusesNewClients() throws Exception {
        ChannelSecurity security = ChannelSecurity.generate(7, false);
        ChannelServer server = new ChannelServer(LOOPBACK, security);
        int port = server.port();
        Socket waiting = raw(port);
        server.close();
        assertThrows(ChannelException.class, () -> server.accept(in(5)));
        assertThrows(IOException.class, () -> Channel.connect(HOST, port, security, 2000));
        assertEquals(0, untilClosed(waiting).length, "a handshake in progress is ended");
    }
}
