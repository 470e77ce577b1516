package io.sparkgan.spark.strategy;

import io.sparkgan.core.train.DivergenceException;
import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.runtime.Envelope;
import io.sparkgan.spark.runtime.ModelState;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * FL-GAN's messages, each encoded and decoded here side by side (after the runtime's
 * {@link Envelope}):
 *
 * <ul>
 *   <li>Round, driver → every worker (one broadcast): {@code from:int} (the round's first iteration;
 *       the envelope's target is its last), then the shared part ({@link ModelState}: parameters and
 *       extra arrays) of the averaged generator, then of the averaged discriminator.
 *   <li>Round result, worker → driver: the shared parts of the worker's generator and discriminator
 *       after its local iterations.
 * </ul>
 */
final class FlGanMessages {
    /** Bytes of a round before its models: the runtime's envelope and the first iteration. */
    static final int ROUND_HEADER = Envelope.REQUEST + 4;

    private FlGanMessages() {}

    static byte[] round(int from, int to, boolean checkpoint, MultiLayerNetwork g, MultiLayerNetwork d) {
        long body = 4 + ModelState.sharedBytes(g) + ModelState.sharedBytes(d);
        return Envelope.request(to, checkpoint, body, out -> {
            out.writeInt(from);
            ModelState.writeShared(out, g);
            ModelState.writeShared(out, d);
        });
    }

    /** Reads a round's first iteration, then its models into the worker's networks in place. */
    static int readRound(DataInputStream in, MultiLayerNetwork g, MultiLayerNetwork d, String who) throws IOException {
        int from = in.readInt();
        ModelState.readShared(in, g, who);
        ModelState.readShared(in, d, who);
        return from;
    }

    static long resultBytes(MultiLayerNetwork g, MultiLayerNetwork d) {
        return ModelState.sharedBytes(g) + ModelState.sharedBytes(d);
    }

    static Payloads.Body result(MultiLayerNetwork g, MultiLayerNetwork d) {
        return out -> {
            ModelState.writeShared(out, g);
            ModelState.writeShared(out, d);
        };
    }

    /**
     * The averages of the workers' models, weighted by shard size, summed in double in worker
     * order (so the result is deterministic); a worker whose models are not finite stops the run,
     * named (its losses are checked with the replies' {@link Envelope.Totals}).
     */
    static void average(List<Envelope.Reply> replies, double[] weights, ModelState.Sum g, ModelState.Sum d, int to) {
        for (Envelope.Reply r : replies) {
            int w = r.worker();
            try {
                if (!g.add(r.body(), weights[w], "worker " + w)) {
                    throw new DivergenceException(to, "worker " + w + "'s generator");
                }
                if (!d.add(r.body(), weights[w], "worker " + w)) {
                    throw new DivergenceException(to, "worker " + w + "'s discriminator");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("worker " + w + " returned an unreadable model: " + e.getMessage(), e);
            }
        }
    }
}
