package io.sparkgan.spark.runtime.channel;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.security.SecureRandom;
import org.apache.spark.SparkConf;

/**
 * What both ends of a {@link Channel} must agree on: the run's secret, the session id, whether
 * frames are encrypted, and the largest frame either end accepts.
 *
 * <p><b>What it protects against.</b> The exchange port on the driver is reachable by any process
 * that can reach the machine. The secret (32 bytes from {@link SecureRandom}, made on the driver)
 * lets the driver accept only its own tasks and lets a task accept only its own driver (mutual
 * HMAC challenge-response, see {@link Channel}); the session id keeps a leftover task of an earlier
 * session (a previous segment between swaps) out of a later one, since every handshake MAC covers it.
 * {@link #maxFrameBytes()} bounds what a peer can make the other allocate.
 *
 * <p><b>How the secret reaches tasks.</b> This object is {@link Serializable} and travels inside the
 * Spark task closure, so it is exactly as protected as Spark's own control traffic: authenticated
 * when {@code spark.authenticate} is on, encrypted when {@code spark.network.crypto.enabled} (or SASL
 * encryption) is on. Without {@code spark.authenticate} anyone who can reach the cluster can run
 * code on it anyway; the secret then still keeps out processes that cannot, such as other users of
 * the driver machine. It never appears in {@link #toString()}, logs or exception messages.
 *
 * <p>Instances are immutable; {@link #forSession} and {@link #withMaxFrameBytes} return copies.
 */
public final class ChannelSecurity implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Bytes of the run's secret: 256 bits, the HMAC-SHA256 key size (RFC 2104 recommends at least the hash output length). */
    public static final int SECRET_BYTES = 32;
    /**
     * The default frame limit. An MD-GAN frame holds a task's generated batches (two batches of b
     * samples of d floats per worker it hosts): 0.6 MB for the paper's MNIST setting and tens of MB for
     * large images and many workers per task; 256 MiB leaves room for those and still refuses a
     * declared length that would exhaust the heap.
     */
    public static final int DEFAULT_MAX_FRAME_BYTES = 256 << 20;
    /** The largest limit: a Java array's size, less room for the length and the GCM tag. */
    public static final int LARGEST_FRAME_BYTES = Integer.MAX_VALUE - 64;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] secret;
    private final long sessionId;
    private final boolean encrypt;
    private final int maxFrameBytes;

    private ChannelSecurity(byte[] secret, long sessionId, boolean encrypt, int maxFrameBytes) {
        this.secret = secret.clone();
        this.sessionId = sessionId;
        this.encrypt = encrypt;
        this.maxFrameBytes = maxFrameBytes;
        validate();
    }

    private void validate() {
        if (secret == null || secret.length < SECRET_BYTES) {
            throw new IllegalArgumentException("the channel secret must have at least " + SECRET_BYTES + " bytes");
        }
        if (maxFrameBytes < 1 || maxFrameBytes > LARGEST_FRAME_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be between 1 and " + LARGEST_FRAME_BYTES + ", got " + maxFrameBytes);
        }
    }

    /** A fresh random secret for a run, made on the driver. */
    public static ChannelSecurity generate(long sessionId, boolean encrypt) {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return new ChannelSecurity(secret, sessionId, encrypt, DEFAULT_MAX_FRAME_BYTES);
    }

    /**
     * A fresh secret, encrypting when the Spark application encrypts its own network traffic:
     * {@code spark.network.crypto.enabled} (Spark's AES-based RPC encryption) or
     * {@code spark.authenticate.enableSaslEncryption} (the older SASL one).
     *
     * <p>Why these two: a user who turned them on asked that what Spark moves between driver and
     * executors be unreadable on the wire, and generated batches and feedback are exactly such
     * traffic, moved beside Spark. {@code spark.io.encryption.enabled} is not a trigger: it encrypts
     * shuffle and spill files on local disks, not the network. Without encryption frames are still
     * authenticated at connection time (as Spark's RPC is with {@code spark.authenticate} alone),
     * but not protected from someone who can read or rewrite packets on the path.
     */
    public static ChannelSecurity fromSparkConf(SparkConf conf, long sessionId) {
        boolean encrypt = conf.getBoolean("spark.network.crypto.enabled", false)
                || conf.getBoolean("spark.authenticate.enableSaslEncryption", false);
        return generate(sessionId, encrypt);
    }

    /** The same secret and settings for another session of the same run. */
    public ChannelSecurity forSession(long id) {
        return new ChannelSecurity(secret, id, encrypt, maxFrameBytes);
    }

    /** The same secret and session with another frame limit (the largest body a frame may carry, in bytes). */
    public ChannelSecurity withMaxFrameBytes(int max) {
        return new ChannelSecurity(secret, sessionId, encrypt, max);
    }

    public long sessionId() {
        return sessionId;
    }

    public boolean encrypt() {
        return encrypt;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** The secret itself, for the handshake in this package only. */
    byte[] secret() {
        return secret;
    }

    @Override
    public String toString() {
        return "ChannelSecurity[session " + sessionId + ", " + (encrypt ? "encrypted" : "plain") + ", frames up to " + maxFrameBytes + " bytes]";
    }

    /** Re-checks the invariants of an instance that arrives in a task closure. */
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        try {
            validate();
        } catch (IllegalArgumentException e) {
            throw new InvalidObjectException(e.getMessage());
        }
    }
}
