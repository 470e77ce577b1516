package io.sparkgan.spark.runtime;

import io.sparkgan.core.nn.ExtraState;
import io.sparkgan.core.train.DivergenceException;
import io.sparkgan.spark.Payloads;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Everything a network is besides its architecture, as one unit that MD-GAN's swaps, FL-GAN's
 * averaging and checkpoints move whole: the parameters, the optimizer state (Adam's moments), the
 * optimizer's step and epoch counters, and the network's {@link ExtraState} (spectral
 * normalisation's u vectors, keyed {@code <layer index>/<name>}).
 *
 * <p>Every network of a role has the same architecture, so arriving values are written into the
 * receiving network in place ({@link #applyTo}); a model file would add its JSON configuration and
 * a network rebuild to every move. Sizes are checked on arrival: a state for another shape is an error.
 *
 * <p>Wire format (big-endian ints, {@link Payloads} matrices of little-endian float32):
 * {@code iterationCount:int, epochCount:int, params:matrix(1,|θ|), optimizer:matrix(1,s), extras}
 * where {@code extras} is {@code count:int} followed by {@code (name:UTF, values:matrix)} entries.
 * The shared part that FL-GAN averages is {@code params:matrix, extras}: parameters and extra
 * arrays are averaged, optimizer state stays with its worker. Averaging spectral normalisation's
 * u vectors is how they move with an averaged discriminator: the averaged u is normalised where it
 * is used ({@link io.sparkgan.core.nn.SpectralNorm}), and the workers' vectors agree in sign since
 * every worker's discriminator starts from the same one.
 */
public record ModelState(int iterationCount, int epochCount, float[] params, float[] optimizer, Map<String, float[]> extras) {
    /** Bytes before the matrices of a full state: the two counters. */
    static final int COUNTERS = 4 + 4;

    /** A copy of {@code net}'s state. */
    public static ModelState of(MultiLayerNetwork net) {
        return new ModelState(net.getLayerWiseConfigurations().getIterationCount(), net.getLayerWiseConfigurations().getEpochCount(),
                net.params().dup('c').data().asFloat(), optimizerState(net).dup('c').data().asFloat(), extrasOf(net));
    }

    /** Writes this state into {@code net} in place; {@code who} names the receiver in errors. */
    public void applyTo(MultiLayerNetwork net, String who) {
        assign(net.params(), params, "parameters", who);
        assign(optimizerState(net), optimizer, "optimizer state", who);
        net.getLayerWiseConfigurations().setIterationCount(iterationCount);
        net.getLayerWiseConfigurations().setEpochCount(epochCount);
        applyExtras(net, extras, who);
    }

    /** Bytes of the full encoding of a state of {@code params} parameters, {@code optimizer} optimizer values and no extras. */
    public static long bytes(long params, long optimizer) {
        return COUNTERS + Payloads.matrixBytes(1, params) + Payloads.matrixBytes(1, optimizer) + 4;
    }

    /** Bytes of this state's full encoding. */
    public long bytes() {
        return COUNTERS + Payloads.matrixBytes(1, params.length) + Payloads.matrixBytes(1, optimizer.length) + extrasBytes(extras);
    }

    public void write(DataOutputStream out) throws IOException {
        out.writeInt(iterationCount);
        out.writeInt(epochCount);
        Payloads.writeValues(out, params);
        Payloads.writeValues(out, optimizer);
        writeExtras(out, extras);
    }

    public static ModelState read(DataInputStream in) throws IOException {
        int iterations = in.readInt();
        int epochs = in.readInt();
        float[] params = Payloads.readValues(in).values();
        float[] optimizer = Payloads.readValues(in).values();
        return new ModelState(iterations, epochs, params, optimizer, readExtras(in));
    }

    // ---- the shared part (FL-GAN's averaging) ----

    /** Bytes of the shared part of {@code net}: its parameters and extra arrays. */
    public static long sharedBytes(MultiLayerNetwork net) {
        return Payloads.matrixBytes(1, net.numParams()) + extrasBytes(extrasOf(net));
    }

    /** Writes {@code net}'s shared part: parameters, then extra arrays. */
    public static void writeShared(DataOutputStream out, MultiLayerNetwork net) throws IOException {
        Payloads.writeValues(out, net.params().dup('c').data().asFloat());
        writeExtras(out, extrasOf(net));
    }

    /** Reads a shared part into {@code net} in place. */
    public static void readShared(DataInputStream in, MultiLayerNetwork net, String who) throws IOException {
        assign(net.params(), Payloads.readValues(in).values(), "parameters", who);
        applyExtras(net, readExtras(in), who);
    }

    /**
     * A weighted sum of shared parts, in double (the order of workers is fixed, so the result is
     * deterministic): FL-GAN's averaged model.
     */
    public static final class Sum {
        private final double[] params;
        private final Map<String, double[]> extras = new LinkedHashMap<>();

        /** A sum of networks shaped like {@code net}. */
        public Sum(MultiLayerNetwork net) {
            params = new double[(int) net.numParams()];
            extrasOf(net).forEach((k, v) -> extras.put(k, new double[v.length]));
        }

        /**
         * Adds {@code weight} times the shared part read from {@code in}; {@code who} names the sender
         * in errors. Returns false (adding nothing) when the part holds a NaN or an infinity.
         */
        public boolean add(DataInputStream in, double weight, String who) throws IOException {
            float[] p = Payloads.readValues(in).values();
            Map<String, float[]> e = readExtras(in);
            if (!e.keySet().equals(extras.keySet())) {
                throw new IllegalStateException(who + " sent extra state " + e.keySet() + " but the network has " + extras.keySet());
            }
            if (!DivergenceException.finite(p) || !e.values().stream().allMatch(DivergenceException::finite)) {
                return false;
            }
            add(p, params, weight, "parameters", who);
            e.forEach((k, v) -> add(v, extras.get(k), weight, k, who));
            return true;
        }

        private static void add(float[] values, double[] sum, double weight, String what, String who) {
            if (values.length != sum.length) {
                throw new IllegalStateException(who + " sent " + values.length + " " + what + " values but the network has " + sum.length);
            }
            for (int i = 0; i < values.length; i++) {
                sum[i] += weight * values[i];
            }
        }

        /** Writes the sum into {@code net}'s shared part in place. */
        public void applyTo(MultiLayerNetwork net) {
            INDArray p = net.params();
            p.assign(Nd4j.create(params, p.shape(), p.dataType()));
            Map<String, INDArray> live = liveExtras(net);
            extras.forEach((k, v) -> live.get(k).assign(Nd4j.create(v, live.get(k).shape(), live.get(k).dataType())));
        }
    }

    // ---- checkpoints ----
    // A network's extra state is checkpointed beside its model zip by ModelParts.putNetwork and
    // restored by ModelParts.restoreExtras, in core, so standalone checkpoints hold it too.

    // ---- helpers ----

    private static INDArray optimizerState(MultiLayerNetwork net) {
        INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
        return state == null ? Nd4j.create(net.params().dataType(), 0) : state;
    }

    static Map<String, INDArray> liveExtras(MultiLayerNetwork net) {
        return ExtraState.of(net);
    }

    private static Map<String, float[]> extrasOf(MultiLayerNetwork net) {
        Map<String, float[]> out = new LinkedHashMap<>();
        liveExtras(net).forEach((k, v) -> out.put(k, v.dup('c').data().asFloat()));
        return out;
    }

    private static void applyExtras(MultiLayerNetwork net, Map<String, float[]> values, String who) {
        Map<String, INDArray> live = liveExtras(net);
        if (!live.keySet().equals(values.keySet())) {
            throw new IllegalStateException(who + ": extra state " + values.keySet() + " does not fit the network's " + live.keySet());
        }
        live.forEach((k, target) -> assign(target, values.get(k), k, who));
    }

    private static long extrasBytes(Map<String, float[]> extras) {
        long b = 4;
        for (Map.Entry<String, float[]> e : extras.entrySet()) {
            b += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + Payloads.matrixBytes(1, e.getValue().length);
        }
        return b;
    }

    private static void writeExtras(DataOutputStream out, Map<String, float[]> extras) throws IOException {
        out.writeInt(extras.size());
        for (Map.Entry<String, float[]> e : extras.entrySet()) {
            out.writeUTF(e.getKey());
            Payloads.writeValues(out, e.getValue());
        }
    }

    private static Map<String, float[]> readExtras(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 4096) {
            throw new IOException("a model state declares " + n + " extra arrays; expected 0 to 4096");
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.readUTF(), Payloads.readValues(in).values());
        }
        return out;
    }

    private static void assign(INDArray target, float[] values, String what, String who) {
        if (values.length != target.length()) {
            throw new IllegalStateException(who + " received " + values.length + " " + what + " values but its network has " + target.length());
        }
        if (target.length() > 0) {
            target.assign(Nd4j.create(values, target.shape(), 'c'));
        }
    }
}
