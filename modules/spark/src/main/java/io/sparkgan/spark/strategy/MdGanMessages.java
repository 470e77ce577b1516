package io.sparkgan.spark.strategy;

import io.sparkgan.core.Batch;
import io.sparkgan.core.train.DivergenceException;
import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.runtime.Envelope;
import io.sparkgan.spark.runtime.ModelState;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * MD-GAN's messages, each encoded and decoded here side by side (after the runtime's
 * {@link Envelope}), with their exact sizes:
 *
 * <ul>
 *   <li>Work, driver → worker n at iteration t: {@code discriminator:int} (the one the driver expects
 *       n to hold), {@code same:boolean}, {@code fetch:boolean}, X_n^(g), and X_n^(d) unless it is the
 *       same batch (k = 1);
 *       a batch is a matrix plus, for a conditional objective, one int32 class per row, plus, with
 *       InfoGAN codes, their b × c matrix.
 *       {@value #WORK_HEADER} bytes before the batches.
 *   <li>Feedback, worker → driver: the b × d matrix dL_G/dX_n^(g), then, when the request asked for
 *       a fetch (an evaluation point of an evaluator that reads discriminator 0, on the worker holding
 *       it), the discriminator's {@link ModelState}.
 *   <li>Swap, worker → worker: {@code discriminator:int} and the discriminator's {@link ModelState}.
 * </ul>
 */
final class MdGanMessages {
    /** Bytes of a work request before its batches: the runtime's envelope, the discriminator id, the same-batch and fetch flags. */
    static final int WORK_HEADER = Envelope.REQUEST + 4 + 1 + 1;

    private MdGanMessages() {}

    /**
     * Worker w's request at iteration t: X_(w mod k) to judge and X_((w+1) mod k) to train on
     * (0-based); worker {@code fetchFrom} (−1: none) also returns its discriminator.
     */
    static List<byte[]> work(Batch x, int[] discriminatorOf, int t, int k, int b, boolean checkpoint, int fetchFrom) {
        // Each of the k batches is encoded once; workers that share a batch share its bytes.
        byte[][] blocks = new byte[k][];
        for (int j = 0; j < k; j++) {
            int[] labels = x.labels() == null ? null : Arrays.copyOfRange(x.labels(), j * b, (j + 1) * b);
            INDArray codes = x.codes() == null ? null : x.codes().get(NDArrayIndex.interval((long) j * b, (long) (j + 1) * b), NDArrayIndex.all());
            Batch block = new Batch(x.x().get(NDArrayIndex.interval((long) j * b, (long) (j + 1) * b), NDArrayIndex.all()), labels, codes);
            blocks[j] = Payloads.encode(Payloads.batchBytes(b, x.x().columns(), labels != null, codes == null ? 0 : (int) codes.columns()),
                    out -> Payloads.writeBatch(out, block));
        }
        List<byte[]> requests = new ArrayList<>(discriminatorOf.length);
        for (int w = 0; w < discriminatorOf.length; w++) {
            int gi = w % k;
            int di = (w + 1) % k;
            int expected = discriminatorOf[w];
            long body = WORK_HEADER - Envelope.REQUEST + blocks[gi].length + (gi == di ? 0 : blocks[di].length);
            boolean fetch = w == fetchFrom;
            requests.add(Envelope.request(t, checkpoint, body, out -> {
                out.writeInt(expected);
                out.writeBoolean(gi == di);
                out.writeBoolean(fetch);
                out.write(blocks[gi]);
                if (gi != di) {
                    out.write(blocks[di]);
                }
            }));
        }
        return requests;
    }

    /** A decoded work request (after the envelope). */
    record Work(int discriminatorId, boolean same, boolean fetch, DataInputStream batches) {
        /** X^(g), then X^(d) (the same batch when {@link #same}); {@code codeColumns}: columns of InfoGAN codes (0: none). */
        Batch[] read(DataType dtype, boolean conditional, int codeColumns) throws IOException {
            Batch xg = Payloads.readBatch(batches, dtype, conditional, codeColumns);
            return new Batch[] {xg, same ? xg : Payloads.readBatch(batches, dtype, conditional, codeColumns)};
        }
    }

    static Work readWork(DataInputStream in) throws IOException {
        return new Work(in.readInt(), in.readBoolean(), in.readBoolean(), in);
    }

    static long feedbackBytes(INDArray feedback) {
        return Payloads.matrixBytes(feedback.rows(), feedback.columns());
    }

    /**
     * The workers' replies combined: the feedback for the k·b generated samples is (1/N) Σ_n F_n,
     * each F_n placed on the batch worker n judged (each F_n is already the gradient of a batch
     * mean, so the paper's 1/(N b) is 1/N here); losses are means over workers. A non-finite loss
     * or feedback stops the run naming the worker.
     */
    record Aggregate(INDArray feedback, Envelope.Totals totals) {}

    static Aggregate aggregate(List<Envelope.Reply> replies, int k, int b, DataType dtype, int t) {
        int n = replies.size();
        Envelope.Totals totals = Envelope.Totals.of(replies, Envelope.Totals.mean(n), t - 1, t);
        // Summed in Java, in double (Payloads.Matrix.addTo): 2.0 -> 0.76 ms for 4 workers on MNIST shapes.
        double[] sum = null;
        int cols = 0;
        for (Envelope.Reply r : replies) {
            int w = r.worker();
            Payloads.Matrix f;
            try {
                f = Payloads.readValues(r.body());
            } catch (IOException e) {
                throw new UncheckedIOException("worker " + w + " sent unreadable feedback: " + e.getMessage(), e);
            }
            if (sum == null) {
                cols = f.cols();
                sum = new double[k * b * cols];
            }
            if (f.rows() != b || f.cols() != cols) {
                throw new IllegalStateException("worker " + w + " sent feedback of shape " + f.rows() + "x" + f.cols() + ", expected " + b + "x" + cols);
            }
            DivergenceException.check(f.values(), t, "worker " + w + "'s feedback");
            f.addTo(sum, (w % k) * b * cols, 1.0);
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= n;
        }
        return new Aggregate(Nd4j.create(sum, new long[] {(long) k * b, cols}, dtype), totals);
    }

    /** Bytes that move one discriminator of {@code params} parameters and {@code optimizer} optimizer values. */
    static long swapBytes(long params, long optimizer) {
        return 4 + ModelState.bytes(params, optimizer);
    }

    static byte[] swap(int discriminatorId, ModelState state) {
        return Payloads.encode(4 + state.bytes(), out -> {
            out.writeInt(discriminatorId);
            state.write(out);
        });
    }

    record Swap(int discriminatorId, ModelState state) {}

    static Swap readSwap(DataInputStream in) throws IOException {
        return new Swap(in.readInt(), ModelState.read(in));
    }
}
