package io.sparkgan.spark.runtime;

import io.sparkgan.spark.Payloads;
import java.io.DataInputStream;
import io.sparkgan.core.train.DivergenceException;
import java.io.IOException;
import java.util.List;

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

    /**
     * What the runtime's headers of a set of replies add up to: losses weighted per worker (a
     * non-finite one stops the run naming the worker), restores and the iterations they lost (the
     * workers were to be at {@code from}), summed compute seconds and the bytes that came back.
     */
    public record Totals(double dLoss, double gLoss, int restores, long lostIterations, double workerSeconds, long bytes) {
        public static Totals of(List<Reply> replies, double[] weights, int from, int iteration) {
            double d = 0;
            double g = 0;
            int restores = 0;
            long lost = 0;
            double seconds = 0;
            long bytes = 0;
            for (Reply r : replies) {
                int w = r.worker();
                DivergenceException.check(r.dLoss(), iteration, "worker " + w + "'s discriminator loss");
                DivergenceException.check(r.gLoss(), iteration, "worker " + w + "'s generator loss");
                d += weights[w] * r.dLoss();
                g += weights[w] * r.gLoss();
                if (r.restored()) {
                    restores++;
                    lost += from - r.restoredFrom();
                }
                seconds += r.nanos() / 1e9;
                bytes += r.bytes();
            }
            return new Totals(d, g, restores, lost, seconds, bytes);
        }

        /** Equal weights: the mean over {@code n} workers. */
        public static double[] mean(int n) {
            double[] w = new double[n];
            java.util.Arrays.fill(w, 1.0 / n);
            return w;
        }
    }
}
