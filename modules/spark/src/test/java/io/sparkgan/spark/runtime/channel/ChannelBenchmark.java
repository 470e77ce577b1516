package io.sparkgan.spark.runtime.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the channel costs, plain against encrypted, for one MD-GAN iteration of the paper's MNIST
 * setting seen by one task hosting one worker: 0.6 MB down (2 batches of b = 100 samples of d = 784
 * floats) and 0.3 MB of feedback up, over loopback in one JVM. Also the handshake, alone and with
 * silent clients holding connections. A main, not a test: timings are never asserted.
 * The command is in docs/benchmarks.md.
 */
public final class ChannelBenchmark {
    static final int DOWN = 2 * 100 * 784 * 4;
    static final int UP = 100 * 784 * 4;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        System.out.printf(Locale.ROOT, "java %s, %s, %d cores; frames %d B down, %d B up; %d rounds x %d round trips per mode%n",
                System.getProperty("java.version"), System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), DOWN, UP, rounds, perRound);
        List<Double> plain = new ArrayList<>();
        List<Double> sealed = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            // One connection per mode and round, as a run has one mode; alternating rounds so drift on a shared machine hits both alike.
            for (boolean encrypt : new boolean[] {false, true}) {
                try (Pair p = new Pair(encrypt)) {
                    p.roundTrips(300); // warm-up: JIT, socket buffers, GCM intrinsics
                    (encrypt ? sealed : plain).addAll(p.roundTrips(perRound));
                }
            }
        }
        report("plain    ", plain);
        report("encrypted", sealed);
        System.out.printf(Locale.ROOT, "overhead of encryption: %+.3f ms per round trip (medians), %+.1f %%%n",
                median(sealed) - median(plain), 100 * (median(sealed) / median(plain) - 1));
        gcmAlone(rounds * perRound);
        handshakes(false);
        handshakes(true);
    }

    /** A server and a connected client whose task side answers every frame on its own thread. */
    static final class Pair implements AutoCloseable {
        final ChannelServer server;
        final Channel task;
        final Channel driver;
        final Thread echo;
        final byte[] down = new byte[DOWN];

        Pair(boolean encrypt) throws IOException {
            ChannelSecurity s = ChannelSecurity.generate(1, encrypt);
            server = new ChannelServer(InetAddress.getLoopbackAddress(), s);
            task = Channel.connect("127.0.0.1", server.port(), s, 10_000);
            driver = server.accept(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            new Random(1).nextBytes(down);
            byte[] up = Arrays.copyOf(down, UP);
            echo = new Thread(() -> {
                try {
                    while (true) {
                        task.readFrame();
                        task.writeFrame(up);
                        task.flush();
                    }
                } catch (IOException closed) {
                    // end of the benchmark
                }
            }, "task");
            echo.setDaemon(true);
            echo.start();
        }

        List<Double> roundTrips(int n) throws IOException {
            List<Double> ms = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                driver.writeFrame(down);
                driver.flush();
                driver.readFrame();
                ms.add((System.nanoTime() - t0) / 1e6);
            }
            return ms;
        }

        @Override
        public void close() throws Exception {
            driver.close();
            task.close();
            server.close();
            echo.join(5000);
        }
    }

    /** AES-256-GCM on the same bytes in memory: seal and open both frames, no sockets. */
    static void gcmAlone(int n) throws Exception {
        byte[] key = new byte[32];
        new Random(2).nextBytes(key);
        SecretKeySpec k = new SecretKeySpec(key, "AES");
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] down = new byte[DOWN];
        byte[] up = new byte[UP];
        byte[] ct = new byte[DOWN + 16];
        byte[] pt = new byte[DOWN];
        byte[] iv = new byte[12];
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n + 200; i++) {
            long t0 = System.nanoTime();
            for (byte[] m : new byte[][] {down, up}) {
                iv[11]++;
                iv[10] += iv[11] == 0 ? 1 : 0;
                c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, iv));
                int len = c.doFinal(m, 0, m.length, ct, 0);
                c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(128, iv));
                c.doFinal(ct, 0, len, pt, 0);
            }
            if (i >= 200) {
                ms.add((System.nanoTime() - t0) / 1e6);
            }
        }
        double gbPerS = 2.0 * (DOWN + UP) / 1e9 / (median(ms) / 1e3); // every byte sealed once and opened once
        System.out.printf(Locale.ROOT, "AES-256-GCM alone, seal + open of both frames: median %.3f ms (%.2f GB/s through the cipher), over 2 ms: %d of %d%n",
                median(ms), gbPerS, ms.stream().filter(x -> x > 2).count(), ms.size());
    }

    /** The handshake's latency (connect to accept), alone and with 8 silent clients connected first. */
    static void handshakes(boolean encrypt) throws Exception {
        ChannelSecurity s = ChannelSecurity.generate(1, encrypt);
        List<Socket> silent = new ArrayList<>();
        try (ChannelServer server = new ChannelServer(InetAddress.getLoopbackAddress(), s)) {
            List<Double> alone = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                long t0 = System.nanoTime();
                try (Channel c = Channel.connect("127.0.0.1", server.port(), s, 10_000); Channel d = server.accept(System.nanoTime() + TimeUnit.SECONDS.toNanos(10))) {
                    if (i >= 50) {
                        alone.add((System.nanoTime() - t0) / 1e6);
                    }
                }
            }
            List<Double> crowded = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                silent.add(new Socket("127.0.0.1", server.port()));
            }
            for (int i = 0; i < 100; i++) {
                long t0 = System.nanoTime();
                try (Channel c = Channel.connect("127.0.0.1", server.port(), s, 10_000); Channel d = server.accept(System.nanoTime() + TimeUnit.SECONDS.toNanos(10))) {
                    crowded.add((System.nanoTime() - t0) / 1e6);
                }
            }
            System.out.printf(Locale.ROOT, "handshake (%s): median %.3f ms alone, %.3f ms with 8 silent clients holding handshakes open%n",
                    encrypt ? "encrypted" : "plain", median(alone), median(crowded));
        } finally {
            // After the server: it refuses them silently once closed.
            for (Socket x : silent) {
                x.close();
            }
        }
    }

    static void report(String name, List<Double> ms) {
        double[] a = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        long slow = ms.stream().filter(x -> x > 2).count();
        System.out.printf(Locale.ROOT, "%s round trip: median %.3f ms, p10 %.3f, p90 %.3f, over 2 ms: %d (n = %d)%n", name, a[a.length / 2], a[a.length / 10], a[a.length * 9 / 10], slow, a.length);
    }

    static double median(List<Double> ms) {
        double[] a = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }

    private ChannelBenchmark() {}
}
