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
 *       extra arrays) of each averaged network in turn: the generator, then the discriminator (an
 *       adversarial autoencoder's: decoder, code discriminator, encoder).
 *   <li>Round result, worker → driver: the shared parts of the worker's networks, in the same order,
 *       after its local iterations.
 * </ul>
 */
final class FlGanMessages {
    /** Bytes of a round before its models: the runtime's envelope and the first iteration. */
    static final int ROUND_HEADER = Envelope.REQUEST + 4;

    private FlGanMessages() {}

    static byte[] round(int from, int to, boolean checkpoint, MultiLayerNetwork... nets) {
        long body = 4;
        for (MultiLayerNetwork n : nets) {
            body += ModelState.sharedBytes(n);
        }
        return Envelope.request(to, checkpoint, body, out -> {
            out.writeInt(from);
            for (MultiLayerNetwork n : nets) {
                ModelState.writeShared(out, n);
            }
        });
    }

    /** Reads a round's first iteration, then its models into the worker's networks in place. */
    static int readRound(DataInputStream in, String who, MultiLayerNetwork... nets) throws IOException {
        int from = in.readInt();
        for (MultiLayerNetwork n : nets) {
            ModelState.readShared(in, n, who);
        }
        return from;
    }

    static long resultBytes(MultiLayerNetwork... nets) {
        long b = 0;
        for (MultiLayerNetwork n : nets) {
            b += ModelState.sharedBytes(n);
        }
        return b;
    }

    static Payloads.Body result(MultiLayerNetwork... nets) {
        return out -> {
            for (MultiLayerNetwork n : nets) {
                ModelState.writeShared(out, n);
            }
        };
    }

    /**
     * The averages of the workers' models, weighted by shard size, summed in double in worker
     * order (so the result is deterministic); a worker whose models are not finite stops the run,
     * named (its losses are checked with the replies' {@link Envelope.Totals}).
     */
    static void average(List<Envelope.Reply> replies, double[] weights, int to, List<String> roles, ModelState.Sum... sums) {
        for (Envelope.Reply r : replies) {
            int w = r.worker();
            try {
                for (int i = 0; i < sums.length; i++) {
                    if (!sums[i].add(r.body(), weights[w], "worker " + w)) {
                        throw new DivergenceException(to, "worker " + w + "'s " + roles.get(i));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("worker " + w + " returned an unreadable model: " + e.getMessage(), e);
            }
        }
    }
}
