package io.sparkgan.spark.runtime;

import io.sparkgan.spark.Payloads;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * The runtime's part of every request to a worker and every reply, encoded and decoded here side
 * by side; a strategy's message follows it.
 *
 * <ul>
 *   <li>Request: {@code target:int} (the iteration the worker reaches with it), {@code checkpoint:boolean}
 *       (checkpoint the worker's state at {@code target}): {@value #REQUEST} bytes.
 *   <li>Reply: {@code dLoss:double, gLoss:double, restoredFrom:int} (the checkpoint iteration the
 *       worker restored its state from for this request, or -1), {@code nanos:long} (GAN compute
 *       time): {@value #REPLY} bytes.
 * </ul>
 */
public final class Envelope {
    public static final int REQUEST = 4 + 1;
    public static final int REPLY = 8 + 8 + 4 + 8;

    private Envelope() {}

    /** A request: the runtime's header, then the strategy's message of exactly {@code bodyBytes}. */
    public static byte[] request(int target, boolean checkpoint, long bodyBytes, Payloads.Body body) {
        return Payloads.encode(REQUEST + bodyBytes, out -> {
            out.writeInt(target);
            out.writeBoolean(checkpoint);
            body.write(out);
        });
    }

    /** A decoded reply header; {@link #body} is positioned at the strategy's message. */
    public record Reply(int worker, double dLoss, double gLoss, int restoredFrom, long nanos, DataInputStream body, int bytes) {
        /** Whether the worker restored its state from a checkpoint for this request. */
        public boolean restored() {
            return restoredFrom >= 0;
        }
    }

    static byte[] reply(WorkerSide.Reply r, int restoredFrom) {
        return Payloads.encode(REPLY + r.bodyBytes(), out -> {
            out.writeDouble(r.dLoss());
            out.writeDouble(r.gLoss());
            out.writeInt(restoredFrom);
            out.writeLong(r.nanos());
            r.body().write(out);
        });
    }

    /** Decodes worker {@code worker}'s reply. */
    public static Reply readReply(int worker, byte[] bytes) {
        DataInputStream in = Payloads.decode(bytes);
        try {
            return new Reply(worker, in.readDouble(), in.readDouble(), in.readInt(), in.readLong(), in, bytes.length);
        } catch (IOException e) {
            throw new IllegalStateException("worker " + worker + " sent a reply of " + bytes.length + " bytes, shorter than its " + REPLY + "-byte header", e);
        }
    }
}
