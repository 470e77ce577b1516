package io.sparkgan.spark.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.spark.runtime.channel.Channel;
import io.sparkgan.spark.runtime.channel.ChannelSecurity;
import io.sparkgan.spark.strategy.Strategies;
import io.sparkgan.spark.strategy.StrategyContext;
import io.sparkgan.spark.strategy.StrategyResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Strangers at the workers' session: processes that connect the moment its port opens (before the
 * run's own tasks) with garbage, an HTTP request, a wrong secret, or nothing at all. Each is
 * refused, and the MD-GAN run they attacked ends exactly as an unattacked one.
 */
@Timeout(180)
class SessionSecurityTest extends SparkTestBase {
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<String>> attacks = new CopyOnWriteArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        SessionTransport.listening = null;
        for (Socket s : held) {
            s.close();
        }
    }

    /** What the peer did after we sent {@code bytes}: closed the connection on us, or answered. */
    private static String send(InetSocketAddress at, byte[] bytes) {
        try (Socket s = new Socket()) {
            s.connect(at, 5000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            int total = 0;
            while ((n = in.read(buf)) >= 0) {
                total += n;
            }
            // The server's hello (70 bytes) may arrive before the refusal; nothing else may.
            return total <= 70 ? "closed" : "answered " + total + " bytes";
        } catch (IOException e) {
            return "closed (" + e.getClass().getSimpleName() + ")";
        }
    }

    private void attack(InetSocketAddress at) {
        byte[] garbage = new byte[200];
        new Random(1).nextBytes(garbage);
        attacks.add(CompletableFuture.supplyAsync(() -> send(at, garbage)));
        attacks.add(CompletableFuture.supplyAsync(() -> send(at, "GET / HTTP/1.1\r\nHost: driver\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
        attacks.add(CompletableFuture.supplyAsync(() -> {
            // A forged handshake: the right protocol, a secret of its own.
            try (Channel c = Channel.connect(at.getHostString(), at.getPort(), ChannelSecurity.generate(0, false), 5000)) {
                c.writeFrame(new byte[] {0, 0, 0, 1, 0, 0, 0, 0});
                c.flush();
                c.readFrame();
                return "answered";
            } catch (IOException e) {
                return "closed (" + e.getClass().getSimpleName() + ")";
            }
        }));
        try {
            // Holds a connection open and says nothing, for longer than a handshake may take.
            Socket silent = new Socket();
            silent.connect(at, 5000);
            held.add(silent);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void strangersAtTheSessionAreRefusedAndTheRunIsUnaffected() throws Exception {
        Shards shards = Shards.iid(ring(96), 3, 9);
        StrategyConfig c = tiny("mdgan", 3, 9).setK(2);
        c.validate();
        StrategyResult clean = Strategies.byName("mdgan").train(new StrategyContext(c, shards, sc, null, new TrainingListener() {}, null, false, DataType.FLOAT));

        List<InetSocketAddress> sessions = new ArrayList<>();
        SessionTransport.listening = at -> {
            sessions.add(at);
            attack(at);
        };
        StrategyResult attacked = Strategies.byName("mdgan").train(new StrategyContext(c, shards, sc, null, new TrainingListener() {}, null, false, DataType.FLOAT));
        assertTrue(sessions.size() >= 2, "sessions opened (one per segment between swaps): " + sessions);
        for (CompletableFuture<String> a : attacks) {
            assertTrue(a.get(60, TimeUnit.SECONDS).startsWith("closed"), a.get());
        }
        for (InetSocketAddress at : sessions) {
            assertTrue(at.getAddress().isLoopbackAddress(), "a local-mode session listens on loopback only: " + at);
        }
        assertEquals(clean.generator().network().params(), attacked.generator().network().params(), "the attacked run ends exactly as the clean one");
        // Nothing listens there any more once the run is over.
        InetSocketAddress last = sessions.get(sessions.size() - 1);
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(last, 2000);
            }
        });
    }
}
