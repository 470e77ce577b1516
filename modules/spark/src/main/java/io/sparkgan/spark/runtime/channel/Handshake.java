package io.sparkgan.spark.runtime.channel;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The channel handshake, both sides. Wire format (big-endian; sizes in bytes):
 *
 * <pre>
 * client → server  ClientHello  46 = magic "SGCH" (4) | version 1 (1) | flags (1, bit 0 = encrypt) | session id (8) | client nonce Nc (32)
 * server → client  ServerHello  70 = magic "SGCH" (4) | version 1 (1) | flags (1) | server nonce Ns (32) | server proof (32)
 * client → server  ClientProof  32 = client proof
 * server → client  Accept        1 = 0x01
 *
 * server proof = HMAC-SHA256(secret, "sparkgan-channel/1 server proof" | ClientHello | Ns)
 * client proof = HMAC-SHA256(secret, "sparkgan-channel/1 client proof" | ClientHello | Ns)
 * </pre>
 *
 * Each side proves it holds the secret over a nonce the other side just drew (RFC 2104 HMAC,
 * compared in constant time): a recorded client proof is worthless on a new connection because Ns
 * is fresh, and the two labels keep a server proof from being reflected as a client proof. The
 * proofs cover the whole ClientHello, so the session id and the encryption flag cannot be altered
 * in transit. The server refuses a wrong magic, version, flag or session id as soon as it has read
 * it, and never reads a length from an unauthenticated peer: every handshake message has a fixed
 * size, so nothing before the proof can make the server allocate.
 *
 * <p>With encryption, each direction gets its own AES-256 key from HKDF-SHA256 (RFC 5869):
 * PRK = HKDF-Extract(salt = Nc | Ns, IKM = secret); key = HKDF-Expand(PRK, info = label | session id, 32),
 * with labels "sparkgan-channel/1 client->server" and "sparkgan-channel/1 server->client".
 */
final class Handshake {
    static final byte[] MAGIC = {'S', 'G', 'C', 'H'};
    static final byte VERSION = 1;
    static final byte FLAG_ENCRYPT = 1;
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    static final int CLIENT_HELLO_BYTES = 4 + 1 + 1 + 8 + NONCE_BYTES;
    static final int SERVER_HELLO_BYTES = 4 + 1 + 1 + NONCE_BYTES + MAC_BYTES;
    static final byte ACCEPT = 1;
    static final String SERVER_PROOF = "sparkgan-channel/1 server proof";
    static final String CLIENT_PROOF = "sparkgan-channel/1 client proof";
    static final String CLIENT_TO_SERVER = "sparkgan-channel/1 client->server";
    static final String SERVER_TO_CLIENT = "sparkgan-channel/1 server->client";

    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {}

    /** Why a connection was refused, as one line for the server's log. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }

        /** A refusal is an outcome, logged as one line; a stack trace would only cost time under a flood. */
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** The streams a channel keeps after its handshake, so bytes buffered during it are not lost. */
    record Streams(Socket socket, BufferedInputStream in, BufferedOutputStream out) {
        static Streams of(Socket s) throws IOException {
            return new Streams(s, new BufferedInputStream(s.getInputStream(), 1 << 16), new BufferedOutputStream(s.getOutputStream(), 1 << 16));
        }
    }

    /** Keys for the two directions (null when frames are not encrypted). */
    record Keys(byte[] send, byte[] receive) {}

    static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    static byte flags(ChannelSecurity security) {
        return security.encrypt() ? FLAG_ENCRYPT : 0;
    }

    static byte[] clientHello(ChannelSecurity security, byte[] clientNonce) {
        return ByteBuffer.allocate(CLIENT_HELLO_BYTES).put(MAGIC).put(VERSION).put(flags(security))
                .putLong(security.sessionId()).put(clientNonce).array();
    }

    static byte[] proof(byte[] secret, String label, byte[] clientHello, byte[] serverNonce) {
        Mac mac = hmac(secret);
        mac.update(label.getBytes(StandardCharsets.US_ASCII));
        mac.update(clientHello);
        mac.update(serverNonce);
        return mac.doFinal();
    }

    /** The server's side: returns the keys, or throws {@link Refused} with the reason. */
    static Keys server(Streams s, ChannelSecurity security, long deadlineNanos) throws IOException {
        byte[] hello = new byte[CLIENT_HELLO_BYTES];
        // Read field by field so a wrong client is refused at once instead of when its timeout runs out.
        readFully(s, hello, 0, 4, deadlineNanos, "handshake", 0);
        if (!Arrays.equals(hello, 0, 4, MAGIC, 0, 4)) {
            throw new Refused("sent " + describe(hello, 4) + ", not a channel handshake" + guess(hello));
        }
        readFully(s, hello, 4, 2, deadlineNanos, "handshake", 4);
        if (hello[4] != VERSION) {
            throw new Refused("speaks channel version " + hello[4] + ", this server speaks " + VERSION);
        }
        if ((hello[5] & ~FLAG_ENCRYPT) != 0) {
            throw new Refused(String.format(Locale.ROOT, "sent unknown handshake flags 0x%02x", hello[5] & 0xff));
        }
        if (hello[5] != flags(security)) {
            throw new Refused(security.encrypt() ? "does not encrypt, and this channel requires encryption" : "asks for encryption, and this channel is not encrypted");
        }
        readFully(s, hello, 6, CLIENT_HELLO_BYTES - 6, deadlineNanos, "handshake", 6);
        long session = ByteBuffer.wrap(hello, 6, 8).getLong();
        if (session != security.sessionId()) {
            throw new Refused("belongs to session " + session + ", this is session " + security.sessionId() + " (a task left over from another session?)");
        }
        byte[] clientNonce = Arrays.copyOfRange(hello, 14, 14 + NONCE_BYTES);
        byte[] serverNonce = nonce();
        s.out().write(MAGIC);
        s.out().write(VERSION);
        s.out().write(flags(security));
        s.out().write(serverNonce);
        s.out().write(proof(security.secret(), SERVER_PROOF, hello, serverNonce));
        s.out().flush();
        byte[] clientProof = new byte[MAC_BYTES];
        readFully(s, clientProof, 0, MAC_BYTES, deadlineNanos, "handshake", CLIENT_HELLO_BYTES);
        if (!MessageDigest.isEqual(clientProof, proof(security.secret(), CLIENT_PROOF, hello, serverNonce))) {
            throw new Refused("sent a wrong handshake MAC (not this run's secret, or a replayed handshake)");
        }
        s.out().write(ACCEPT);
        s.out().flush();
        return keys(security, clientNonce, serverNonce, false);
    }

    /**
     * The client's side: returns the keys, or throws {@link ChannelException} naming the server and
     * the reason ({@link SocketTimeoutException} if the server did not answer before the deadline).
     */
    static Keys client(Streams s, ChannelSecurity security, long deadlineNanos, String server) throws IOException {
        byte[] clientNonce = nonce();
        byte[] hello = clientHello(security, clientNonce);
        s.out().write(hello);
        s.out().flush();
        byte[] reply = new byte[SERVER_HELLO_BYTES];
        try {
            readFully(s, reply, 0, SERVER_HELLO_BYTES, deadlineNanos, "handshake reply", 0);
        } catch (EOFException e) {
            throw new ChannelException("the channel server at " + server + " closed the connection during the handshake: it refused this client "
                    + "(another session, or encryption " + (security.encrypt() ? "off" : "on") + " there?)");
        } catch (Refused e) {
            throw new SocketTimeoutException("the channel server at " + server + " " + e.getMessage());
        }
        if (!Arrays.equals(reply, 0, 4, MAGIC, 0, 4) || reply[4] != VERSION) {
            throw new ChannelException(server + " is not a channel server of this version (it answered " + describe(reply, 5) + ")");
        }
        if (reply[5] != flags(security)) {
            throw new ChannelException("the channel server at " + server + " disagrees about encryption");
        }
        byte[] serverNonce = Arrays.copyOfRange(reply, 6, 6 + NONCE_BYTES);
        byte[] serverProof = Arrays.copyOfRange(reply, 6 + NONCE_BYTES, SERVER_HELLO_BYTES);
        if (!MessageDigest.isEqual(serverProof, proof(security.secret(), SERVER_PROOF, hello, serverNonce))) {
            throw new ChannelException("the channel server at " + server + " could not prove it holds this run's secret (not this run's driver?)");
        }
        s.out().write(proof(security.secret(), CLIENT_PROOF, hello, serverNonce));
        s.out().flush();
        byte[] accept = new byte[1];
        try {
            readFully(s, accept, 0, 1, deadlineNanos, "handshake acceptance", 0);
        } catch (EOFException e) {
            throw new ChannelException("the channel server at " + server + " refused this client's proof (another run's secret?)");
        } catch (Refused e) {
            throw new SocketTimeoutException("the channel server at " + server + " " + e.getMessage());
        }
        if (accept[0] != ACCEPT) {
            throw new ChannelException("the channel server at " + server + " answered " + describe(accept, 1) + " instead of accepting");
        }
        return keys(security, clientNonce, serverNonce, true);
    }

    private static Keys keys(ChannelSecurity security, byte[] clientNonce, byte[] serverNonce, boolean client) {
        if (!security.encrypt()) {
            return new Keys(null, null);
        }
        byte[] salt = ByteBuffer.allocate(2 * NONCE_BYTES).put(clientNonce).put(serverNonce).array();
        byte[] prk = hkdfExtract(salt, security.secret());
        byte[] c2s = hkdfExpand(prk, info(CLIENT_TO_SERVER, security.sessionId()), 32);
        byte[] s2c = hkdfExpand(prk, info(SERVER_TO_CLIENT, security.sessionId()), 32);
        return client ? new Keys(c2s, s2c) : new Keys(s2c, c2s);
    }

    private static byte[] info(String label, long session) {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(l.length + 8).put(l).putLong(session).array();
    }

    /** RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM). */
    static byte[] hkdfExtract(byte[] salt, byte[] ikm) {
        return hmac(salt.length == 0 ? new byte[MAC_BYTES] : salt).doFinal(ikm);
    }

    /** RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = the first {@code length} bytes of T(1) | T(2) | ... */
    static byte[] hkdfExpand(byte[] prk, byte[] info, int length) {
        if (length > 255 * MAC_BYTES) {
            throw new IllegalArgumentException("HKDF-SHA256 yields at most " + 255 * MAC_BYTES + " bytes");
        }
        Mac mac = hmac(prk);
        byte[] okm = new byte[length];
        byte[] t = new byte[0];
        for (int i = 1, done = 0; done < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, okm, done, n);
            done += n;
        }
        return okm;
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256, which every Java SE implementation must provide", e);
        }
    }

    /**
     * Reads exactly {@code len} bytes before the deadline, whatever the pace of the peer: the socket
     * timeout is set to the time left before every read, so a peer sending one byte at a time
     * cannot stretch the handshake past its deadline.
     *
     * @param before bytes of this handshake already received, for the message
     */
    static void readFully(Streams s, byte[] b, int off, int len, long deadlineNanos, String what, int before) throws IOException {
        InputStream in = s.in();
        int done = 0;
        while (done < len) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw timeout(before + done, what);
            }
            s.socket().setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            int n;
            try {
                n = in.read(b, off + done, len - done);
            } catch (SocketTimeoutException e) {
                throw timeout(before + done, what);
            }
            if (n < 0) {
                throw new EOFException("closed the connection after " + (before + done) + " bytes of the " + what);
            }
            done += n;
        }
    }

    private static Refused timeout(int received, String what) {
        return new Refused(received == 0 ? "sent nothing before the " + what + " deadline" : "sent only " + received + " bytes of the " + what + " before its deadline");
    }

    /** What a peer that did not send the magic probably is, for the log. */
    private static String guess(byte[] b) {
        String s = new String(b, 0, 4, StandardCharsets.ISO_8859_1);
        for (String m : new String[] {"GET ", "POST", "HEAD", "PUT ", "DELE", "OPTI", "PATC", "CONN", "TRAC", "PRI "}) {
            if (s.equals(m)) {
                return " (an HTTP request)";
            }
        }
        return b[0] == 0x16 && b[1] == 0x03 ? " (a TLS handshake)" : "";
    }

    /** The first bytes, as hex and printable text, for a one-line log message. */
    static String describe(byte[] b, int n) {
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            hex.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%02x", b[i] & 0xff));
            char c = (char) (b[i] & 0xff);
            text.append(c >= 0x20 && c < 0x7f ? c : '.');
        }
        return "bytes " + hex + " (\"" + text + "\")";
    }
}
