package io.sparkgan.spark.runtime.channel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A man in the middle for tests: a TCP relay on loopback that forwards one connection to a target,
 * records what the client sent, and can flip one bit of what the server sends back. Real sockets,
 * so the channel under test cannot tell it from the network.
 */
final class Relay implements AutoCloseable {
    private final ServerSocket listen;
    private final int target;
    private final long flipServerByte;
    private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param flipServerByte the offset, in the server-to-client stream, of a byte whose low bit is
     *     flipped on the way; negative for none
     */
    Relay(int targetPort, long flipServerByte) throws IOException {
        this.listen = new ServerSocket();
        listen.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.target = targetPort;
        this.flipServerByte = flipServerByte;
        Thread t = new Thread(this::relay, "relay-accept");
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    int port() {
        return listen.getLocalPort();
    }

    /** Everything the client has sent so far. */
    byte[] clientBytes() {
        synchronized (fromClient) {
            return fromClient.toByteArray();
        }
    }

    private void relay() {
        try {
            Socket client = listen.accept();
            Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
            synchronized (sockets) {
                sockets.add(client);
                sockets.add(server);
            }
            pump(client.getInputStream(), server.getOutputStream(), true);
            pump(server.getInputStream(), client.getOutputStream(), false);
        } catch (IOException e) {
            // closed by the test
        }
    }

    private void pump(InputStream in, OutputStream out, boolean fromTheClient) {
        Thread t = new Thread(() -> {
            byte[] b = new byte[8192];
            long offset = 0;
            try {
                for (int n; (n = in.read(b)) > 0;) {
                    if (fromTheClient) {
                        synchronized (fromClient) {
                            fromClient.write(b, 0, n);
                        }
                    } else if (flipServerByte >= offset && flipServerByte < offset + n) {
                        b[(int) (flipServerByte - offset)] ^= 1;
                    }
                    offset += n;
                    out.write(b, 0, n);
                    out.flush();
                }
                out.close();
            } catch (IOException e) {
                // one side closed
            }
        }, fromTheClient ? "relay-c2s" : "relay-s2c");
        t.setDaemon(true);
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
    }

    @Override
    public void close() throws Exception {
        listen.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
        List<Thread> all;
        synchronized (threads) {
            all = new ArrayList<>(threads);
        }
        for (Thread t : all) {
            t.join(5000);
        }
    }
}
