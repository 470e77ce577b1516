package io.sparkgan.spark.runtime.channel;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One authenticated connection between the driver and a task, carrying length-prefixed frames of
 * bytes in both directions. Opened by {@link #connect} on the task side and by
 * {@link ChannelServer#accept} on the driver side, always through the mutual handshake described in
 * {@link Handshake}: each end proves with an HMAC-SHA256 (RFC 2104) over fresh nonces that it holds
 * the run's secret, so neither a foreign process nor a replayed handshake gets a channel.
 *
 * <p><b>Frames</b> (big-endian):
 * <pre>
 * plain:     length L (4) | body (L)                        0 ≤ L ≤ maxFrameBytes
 * encrypted: length L (4) | AES-256-GCM ciphertext and tag (L)   16 ≤ L ≤ maxFrameBytes + 16
 * </pre>
 * Every declared length is checked against {@link ChannelSecurity#maxFrameBytes()} before anything
 * is allocated for it, so a peer cannot make this end allocate more than the limit.
 *
 * <p><b>Encryption</b> (when {@link ChannelSecurity#encrypt()}): AES-GCM (NIST SP 800-38D) with a
 * 128-bit tag, one key per direction derived by HKDF-SHA256 (RFC 5869) from the secret and both
 * handshake nonces, so keys are fresh for every connection. The 96-bit nonce is 4 zero bytes then a
 * 64-bit counter of the frames sent in that direction (the deterministic construction of SP 800-38D
 * §8.2.1): never repeated under one key, and never sent, so a frame that is dropped, replayed,
 * reordered or altered fails authentication. The 4-byte length is the additional authenticated
 * data. A frame that fails authentication closes the channel with a {@link ChannelException}.
 * Without encryption frames are neither confidential nor protected against someone who can rewrite
 * packets on the path; the handshake still keeps out anyone without the secret.
 *
 * <p><b>Threads:</b> one thread may write while another reads; two concurrent writers, or two
 * concurrent readers, are not supported. Nothing is sent until {@link #flush()}.
 */
public final class Channel implements Closeable {
    /** Bytes of the GCM authentication tag on every encrypted frame. */
    public static final int TAG_BYTES = 16;
    private static final int TAG_BITS = TAG_BYTES * 8;

    private final Handshake.Streams io;
    private final String remote;
    private final int maxFrameBytes;
    private final Direction send;
    private final Direction receive;
    // Each direction has its own scratch: a read and a write may run on two threads at once.
    private final byte[] sendHeader = new byte[4];
    private final byte[] receiveHeader = new byte[4];
    /**
     * A whole sealed frame on its way out. Sealing it in 64 kB slices instead cost 0.25 ms more per
     * 0.9 MB on JDK 17 (docs/benchmarks.md), and a session's frames repeat their sizes, so it is kept.
     */
    private byte[] sendScratch = new byte[0];
    /** A whole sealed frame on its way in: GCM releases nothing before the tag is checked. Kept likewise. */
    private byte[] receiveScratch = new byte[0];
    private volatile IOException broken;
    private volatile boolean closed;

    /** One direction's key, cipher and frame counter (the GCM nonce). */
    private static final class Direction {
        final SecretKeySpec key;
        final Cipher cipher;
        final byte[] nonce = new byte[12];
        long frames;

        Direction(byte[] key) throws GeneralSecurityException {
            this.key = new SecretKeySpec(key, "AES");
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        }

        /** Starts the next frame: a nonce never used before under this key. */
        Cipher start(int mode, byte[] header) throws GeneralSecurityException {
            if (frames == Long.MAX_VALUE) {
                throw new GeneralSecurityException("this channel has used up its frame counter; open a new one");
            }
            ByteBuffer.wrap(nonce, 4, 8).putLong(frames++);
            cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(header);
            return cipher;
        }
    }

    Channel(Handshake.Streams io, Handshake.Keys keys, ChannelSecurity security) throws IOException {
        this.io = io;
        this.remote = String.valueOf(io.socket().getRemoteSocketAddress());
        this.maxFrameBytes = security.maxFrameBytes();
        try {
            this.send = keys.send() == null ? null : new Direction(keys.send());
            this.receive = keys.receive() == null ? null : new Direction(keys.receive());
        } catch (GeneralSecurityException e) {
            throw new ChannelException("this JVM cannot do AES-GCM, which every Java SE implementation must provide: " + e, e);
        }
        // The handshake left a deadline-based timeout on the socket; frames wait as long as the owner says.
        io.socket().setSoTimeout(0);
    }

    /**
     * Connects to a {@link ChannelServer} and runs the handshake, all within {@code timeoutMillis}.
     * Throws {@link ChannelException} if the server cannot prove it holds {@code security}'s secret
     * (an impostor, or the driver of another run) or refuses this client (another session, or
     * encryption on one side only), and {@link SocketTimeoutException} if the time runs out.
     */
    public static Channel connect(String host, int port, ChannelSecurity security, long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMillis)));
            Handshake.Streams io = Handshake.Streams.of(socket);
            return new Channel(io, Handshake.client(io, security, deadline, host + ":" + port), security);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Queues one frame holding {@code body}. */
    public void writeFrame(byte[] body) throws IOException {
        writeFrame(new byte[][] {body});
    }

    /**
     * Queues one frame whose body is {@code parts} one after another, without copying them into one
     * array first (a header and a payload, say). The receiver gets them as one array.
     */
    public void writeFrame(byte[]... parts) throws IOException {
        failIfBroken();
        long total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        if (total > maxFrameBytes) {
            throw new ChannelException("a frame of " + total + " bytes exceeds this channel's limit of " + maxFrameBytes + " bytes");
        }
        int length = (int) total + (send == null ? 0 : TAG_BYTES);
        ByteBuffer.wrap(sendHeader).putInt(0, length);
        try {
            if (send == null) {
                io.out().write(sendHeader);
                for (byte[] p : parts) {
                    io.out().write(p);
                }
                return;
            }
            // Header and ciphertext leave in one write.
            if (sendScratch.length < 4 + length) {
                sendScratch = new byte[4 + length];
            }
            System.arraycopy(sendHeader, 0, sendScratch, 0, 4);
            Cipher c = send.start(Cipher.ENCRYPT_MODE, sendHeader);
            int n = 4;
            for (byte[] p : parts) {
                n += c.update(p, 0, p.length, sendScratch, n);
            }
            n += c.doFinal(sendScratch, n);
            io.out().write(sendScratch, 0, n);
        } catch (GeneralSecurityException e) {
            throw fail(new ChannelException("cannot encrypt a frame for " + remote + ": " + e.getMessage(), e));
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /** Sends every queued frame. */
    public void flush() throws IOException {
        failIfBroken();
        try {
            io.out().flush();
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /**
     * Reads the next frame's body. A {@link SocketTimeoutException} (see {@link #setReadTimeout})
     * raised before the first byte of a frame leaves the channel usable, so the owner can poll; any
     * other failure, or a timeout inside a frame, leaves it unusable.
     *
     * @throws ChannelException if the peer declares a frame over the limit (before anything is
     *     allocated for it) or an encrypted frame fails authentication
     * @throws EOFException if the peer closed the connection
     */
    public byte[] readFrame() throws IOException {
        failIfBroken();
        int first;
        try {
            first = io.in().read();
        } catch (SocketTimeoutException e) {
            throw e; // nothing of a frame consumed: the stream is still in step
        } catch (IOException e) {
            throw fail(e);
        }
        try {
            if (first < 0) {
                throw new EOFException(remote + " closed the channel");
            }
            receiveHeader[0] = (byte) first;
            readFully(receiveHeader, 1, 3);
            int length = ByteBuffer.wrap(receiveHeader).getInt(0);
            if (receive == null) {
                if (length < 0 || length > maxFrameBytes) {
                    throw new ChannelException(remote + " declared a frame of " + Integer.toUnsignedString(length) + " bytes; this channel's limit is " + maxFrameBytes);
                }
                byte[] body = new byte[length];
                readFully(body, 0, length);
                return body;
            }
            if (length < TAG_BYTES || length - TAG_BYTES > maxFrameBytes) {
                throw new ChannelException(remote + " declared an encrypted frame of " + Integer.toUnsignedString(length) + " bytes; this channel's limit is "
                        + maxFrameBytes + " plus a " + TAG_BYTES + "-byte tag");
            }
            if (receiveScratch.length < length) {
                receiveScratch = new byte[length];
            }
            byte[] sealed = receiveScratch;
            readFully(sealed, 0, length);
            long frame = receive.frames;
            try {
                byte[] body = new byte[length - TAG_BYTES];
                receive.start(Cipher.DECRYPT_MODE, receiveHeader).doFinal(sealed, 0, length, body, 0);
                return body;
            } catch (AEADBadTagException e) {
                throw new ChannelException("frame " + frame + " from " + remote + " failed authentication: altered, corrupted, replayed or out of order", e);
            } catch (GeneralSecurityException e) {
                throw new ChannelException("cannot decrypt frame " + frame + " from " + remote + ": " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /** How long {@link #readFrame()} waits for data, in milliseconds; 0 waits forever (the default after the handshake). */
    public void setReadTimeout(int millis) throws IOException {
        io.socket().setSoTimeout(millis);
    }

    /** The peer's address and port, for messages. */
    public String remote() {
        return remote;
    }

    /** Whether frames are encrypted. */
    public boolean encrypted() {
        return send != null;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        io.socket().close();
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n = io.in().read(b, off + done, len - done);
            if (n < 0) {
                throw new EOFException(remote + " closed the channel in the middle of a frame");
            }
            done += n;
        }
    }

    private void failIfBroken() throws IOException {
        IOException b = broken;
        if (closed && b == null) {
            throw new ChannelException("the channel to " + remote + " is closed");
        }
        if (b != null) {
            throw new ChannelException("the channel to " + remote + " is unusable: " + b.getMessage(), b);
        }
    }

    /** Marks the channel unusable (its stream is out of step) and closes the socket; returns {@code e} to throw. */
    private IOException fail(IOException e) {
        if (broken == null) {
            broken = e;
        }
        try {
            io.socket().close();
        } catch (IOException ignored) {
            // already failing; the first error is the one to report
        }
        return e;
    }
}
