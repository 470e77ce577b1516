package io.sparkgan.spark.runtime;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Length-prefixed frames on a session connection: {@code length:int} then {@code length} bytes.
 * A frame's declared length is checked against {@link #MAX_BYTES} before anything is allocated, so
 * a damaged or hostile peer cannot make either side allocate gigabytes.
 */
final class Frames {
    /** The largest frame either side accepts: far above any batch or feedback matrix of a real model (a 100 × 3×64×64 batch is 4.9 MB). */
    static final int MAX_BYTES = 256 << 20;

    private Frames() {}

    static void write(DataOutputStream out, byte[] body) throws IOException {
        out.writeInt(body.length);
        out.write(body);
    }

    static byte[] read(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_BYTES) {
            throw new IOException("a frame declares " + n + " bytes; expected 0 to " + MAX_BYTES);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
