package io.sparkgan.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import io.sparkgan.core.nn.ExtraState;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Conversions between networks / state objects and checkpoint parts. */
public final class ModelParts {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** Part names every trainer and strategy uses for its networks, so any checkpoint's generator can be read the same way. */
    public static final String GENERATOR = "generator.zip";
    public static final String DISCRIMINATOR = "discriminator.zip";

    // The entries of DL4J's model zip (ModelSerializer's names), the only ones ever read.
    private static final String CONFIGURATION = "configuration.json";
    private static final String COEFFICIENTS = "coefficients.bin";
    private static final String UPDATER_STATE = "updaterState.bin";
    private static final String NO_PARAMS = "noParams.marker";
    private static final Set<String> KNOWN_ENTRIES = Set.of(CONFIGURATION, COEFFICIENTS, UPDATER_STATE, NO_PARAMS);
    /** A network's configuration is a few kB per layer; anything near this is not one. */
    private static final int MAX_CONFIGURATION_BYTES = 16 << 20;

    private ModelParts() {}

    /**
     * A network with its updater (optimizer) state and step count: the zip DL4J's
     * {@code ModelSerializer.writeModel(net, out, true)} writes (same entries, so DL4J's
     * {@code ModelSerializer.restoreMultiLayerNetwork} reads it too), but stored without compression.
     * Read back by {@link #readNetwork}.
     *
     * <p>Why: deflating 7.4 MB of float parameters and Adam moments took 240 ms for the MNIST
     * discriminator and saved 7 % of the bytes; every worker writes one at every swap
     * (docs/benchmarks.md).
     */
    public static CheckpointStore.PartWriter network(MultiLayerNetwork net) {
        return out -> {
            // The zip must not close the caller's stream.
            ZipOutputStream zip = new ZipOutputStream(new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            });
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry(CONFIGURATION));
            zip.write(net.getLayerWiseConfigurations().toJson().getBytes(StandardCharsets.UTF_8));
            DataOutputStream data = new DataOutputStream(new BufferedOutputStream(zip, 1 << 16));
            zip.putNextEntry(new ZipEntry(COEFFICIENTS));
            Nd4j.write(net.params(), data);
            data.flush();
            INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
            if (state != null && state.length() > 0) {
                zip.putNextEntry(new ZipEntry(UPDATER_STATE));
                Nd4j.write(state, data);
                data.flush();
            }
            zip.finish();
            zip.flush();
        };
    }

    /**
     * Adds {@code net} to checkpoint {@code parts} as a model zip named {@code name} ({@link #network}),
     * and its {@linkplain ExtraState extra state} (spectral normalisation's vectors) beside it as part
     * {@link #extrasPart extrasPart(name)} when it has any. Read back with {@link #network(Map, String)}
     * and, once the network is set up to hold its extra state, {@link #restoreExtras}.
     */
    public static void putNetwork(Map<String, CheckpointStore.PartWriter> parts, String name, MultiLayerNetwork net) {
        parts.put(name, network(net));
        Map<String, INDArray> extras = ExtraState.of(net);
        if (!extras.isEmpty()) {
            putArrays(parts, extrasPart(name), extras);
        }
    }

    /**
     * Part {@code name} holding named arrays, copied now: the checkpoint is written later, by which
     * time the arrays may have moved on. {@link #arrays} reads it.
     */
    public static void putArrays(Map<String, CheckpointStore.PartWriter> parts, String name, Map<String, INDArray> arrays) {
        Map<String, INDArray> copy = new LinkedHashMap<>();
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            arrays.forEach((k, v) -> copy.put(k, v.dup()));
        }
        parts.put(name, out -> writeExtras(new DataOutputStream(out), copy));
    }

    /** The named arrays of part {@code name} ({@link #putArrays}), or null when the checkpoint has no such part. */
    public static Map<String, INDArray> arrays(Map<String, byte[]> parts, String name) {
        byte[] b = parts.get(name);
        if (b == null) {
            return null;
        }
        try {
            return readExtras(new DataInputStream(new ByteArrayInputStream(b)), "checkpoint part " + name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint part " + name + ": " + firstLine(e), e);
        }
    }

    /** The part name under which a network's extra state is checkpointed next to its model zip. */
    public static String extrasPart(String networkPart) {
        return networkPart + ".extra";
    }

    /**
     * Writes the extra state checkpointed beside network part {@code networkPart} into {@code net}'s
     * live extra arrays. The names must match: a checkpoint without the part for a network that has
     * extra state (or the reverse) is an error, not a silent fresh start.
     */
    public static void restoreExtras(Map<String, byte[]> parts, String networkPart, MultiLayerNetwork net) {
        byte[] b = parts.get(extrasPart(networkPart));
        Map<String, INDArray> live = ExtraState.of(net);
        if (b == null) {
            if (!live.isEmpty()) {
                throw new IllegalStateException("checkpoint has no part '" + extrasPart(networkPart) + "' for the network's extra state " + live.keySet());
            }
            return;
        }
        String source = "checkpoint part " + extrasPart(networkPart);
        Map<String, INDArray> values;
        try {
            values = readExtras(new DataInputStream(new ByteArrayInputStream(b)), source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source + ": " + firstLine(e), e);
        }
        if (!live.keySet().equals(values.keySet())) {
            throw new IllegalStateException(source + " holds extra state " + values.keySet() + " but the network has " + live.keySet());
        }
        live.forEach((k, target) -> {
            INDArray v = values.get(k);
            if (v.length() != target.length()) {
                throw new IllegalStateException(source + " holds " + v.length() + " values of '" + k + "' but the network has " + target.length());
            }
            target.assign(v.reshape(target.shape()).castTo(target.dataType()));
        });
    }

    /** {@code count:int}, then {@code (name:UTF, array)} entries in ND4J's binary array format. */
    private static void writeExtras(DataOutputStream out, Map<String, INDArray> extras) throws IOException {
        out.writeInt(extras.size());
        for (Map.Entry<String, INDArray> e : extras.entrySet()) {
            out.writeUTF(e.getKey());
            Nd4j.write(e.getValue(), out);
        }
        out.flush();
    }

    private static Map<String, INDArray> readExtras(DataInputStream in, String source) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 4096) {
            throw new IOException(source + " declares " + n + " extra arrays; expected 0 to 4096");
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            INDArray a;
            try {
                a = Nd4j.read(in);
            } catch (Exception e) { // ND4J may throw IOException without declaring it
                throw new IOException("'" + name + "' is not an ND4J array (" + firstLine(e) + ")", e);
            }
            if (a.isCompressed() || !a.dataType().isFPType()) {
                throw new IOException("'" + name + "' is not an array of floating-point numbers");
            }
            if (out.put(name, a) != null) {
                throw new IOException("'" + name + "' appears twice");
            }
        }
        return out;
    }

    /** The network part {@code name} of a checkpoint, with its updater state and step count ({@link #readNetwork}). */
    public static MultiLayerNetwork network(Map<String, byte[]> parts, String name) {
        return readNetwork(require(parts, name), true, name + " from checkpoint");
    }

    /**
     * Reads a DL4J model zip (ours or one written by {@code ModelSerializer.writeModel}) without
     * ever deserializing a Java object, and without a temporary file.
     *
     * <p>Why not {@code ModelSerializer.restoreMultiLayerNetwork}: it passes a {@code preprocessor.bin}
     * entry to {@link java.io.ObjectInputStream#readObject()}, so a planted checkpoint or saved model
     * could run any deserialization gadget on the classpath (Spark, Hadoop and DL4J bring many); and
     * its configuration JSON may name any class for Jackson to load (see {@link ConfigurationClasses}).
     * (Older DL4J releases also copied the stream to a file in {@code java.io.tmpdir}; M2.1
     * reads it in memory, and so does this reader, which never touches the file system.)
     *
     * <p>This reader looks at four entries only: {@code configuration.json} (checked against the
     * DL4J/ND4J class allow-list, then {@code MultiLayerConfiguration.fromJson}), {@code coefficients.bin}
     * and {@code updaterState.bin} (ND4J's binary array format, {@code Nd4j.read}: a header of
     * strings and lengths, then raw numbers; no classes are named) and {@code noParams.marker}. Any
     * other entry ({@code preprocessor.bin}, {@code normalizer.bin}, anything) is skipped unread. A
     * repeated entry is refused, since readers disagree about which copy counts. The network is
     * then built as DL4J's reader builds it, so the two agree bit for bit.
     *
     * @param zip the zip's bytes
     * @param withUpdater whether to restore the updater (optimizer) state as well
     * @param source what is being read, for error messages (a part or file name)
     * @throws UncheckedIOException with a one-line message if the zip is corrupt, incomplete, or names a class outside the allow-list
     */
    public static MultiLayerNetwork readNetwork(byte[] zip, boolean withUpdater, String source) {
        try {
            return readNetwork(zip, withUpdater);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read network " + source + ": " + firstLine(e), e);
        } catch (RuntimeException e) {
            // DL4J and ND4J report a malformed configuration or array with assorted runtime exceptions.
            throw new UncheckedIOException("cannot read network " + source + ": " + firstLine(e), new IOException(e.getMessage(), e));
        }
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static MultiLayerNetwork readNetwork(byte[] bytes, boolean withUpdater) throws IOException {
        String json = null;
        INDArray params = null;
        INDArray updaterState = null;
        boolean noParams = false;
        Set<String> seen = new HashSet<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                String name = e.getName();
                if (!KNOWN_ENTRIES.contains(name)) {
                    continue; // skipped unread: getNextEntry passes over its data
                }
                if (!seen.add(name)) {
                    throw new ZipException("the zip holds '" + name + "' twice");
                }
                switch (name) {
                    case CONFIGURATION -> json = new String(readBounded(zip, MAX_CONFIGURATION_BYTES, name), StandardCharsets.UTF_8);
                    case COEFFICIENTS -> params = readArray(zip, name);
                    case UPDATER_STATE -> updaterState = withUpdater ? readArray(zip, name) : null;
                    case NO_PARAMS -> noParams = true;
                    default -> throw new AssertionError(name);
                }
            }
        }
        if (json == null) {
            throw new ZipException("not a DL4J model zip: no " + CONFIGURATION + " entry");
        }
        if (params == null && !noParams) {
            throw new ZipException("not a DL4J model zip: no " + COEFFICIENTS + " entry");
        }
        try {
            ConfigurationClasses.check(json);
        } catch (IllegalArgumentException refused) {
            throw new IOException(refused.getMessage());
        }
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(json);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        // Exactly what DL4J's reader does, so a network restored by either is the same.
        if (params == null) {
            net.init();
        } else {
            // From the configuration, as init counts them (net.numParams() would initialise the network first).
            long expected = conf.getConfs().stream().mapToLong(c -> c.getLayer().initializer().numParams(c)).sum();
            if (params.length() != expected) {
                throw new IOException(COEFFICIENTS + " holds " + params.length() + " numbers but the configuration has " + expected + " parameters");
            }
            net.init(params, false);
        }
        if (updaterState != null) {
            long expected = net.getUpdater().getStateViewArray() == null ? 0 : net.getUpdater().getStateViewArray().length();
            if (updaterState.length() != expected) {
                throw new IOException(UPDATER_STATE + " holds " + updaterState.length() + " numbers but the updater has " + expected);
            }
            net.getUpdater().setStateViewArray(net, updaterState, false);
        }
        return net;
    }

    /** The array in a zip entry, or null if the entry is empty (DL4J's zip of a network without parameters). */
    private static INDArray readArray(ZipInputStream zip, String name) throws IOException {
        BufferedInputStream in = new BufferedInputStream(new NonClosing(zip), 1 << 16);
        in.mark(1);
        if (in.read() < 0) {
            return null;
        }
        in.reset();
        INDArray a;
        try {
            a = Nd4j.read(new DataInputStream(in));
        } catch (Exception e) { // ND4J may throw IOException without declaring it
            throw new IOException(name + " is not an ND4J array (" + firstLine(e) + ")", e);
        }
        if (a.isCompressed() || !a.dataType().isFPType()) {
            throw new IOException(name + " holds a " + (a.isCompressed() ? "compressed" : a.dataType().toString()) + " array, not floating-point numbers");
        }
        return a;
    }

    private static byte[] readBounded(InputStream in, int max, String name) throws IOException {
        byte[] b = in.readNBytes(max + 1);
        if (b.length > max) {
            throw new IOException(name + " is larger than " + max + " bytes");
        }
        return b;
    }

    /** Lets a reader wrapped around one zip entry be dropped without closing the zip. */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the zip stays open for the next entry
        }
    }

    public static CheckpointStore.PartWriter json(Object value) {
        return out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, value);
    }

    public static <T> T json(Map<String, byte[]> parts, String name, Class<T> type) {
        try {
            return JSON.readValue(require(parts, name), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from checkpoint: " + e.getMessage(), e);
        }
    }

    private static byte[] require(Map<String, byte[]> parts, String name) {
        byte[] b = parts.get(name);
        if (b == null) {
            throw new IllegalStateException("checkpoint has no part '" + name + "' (has " + parts.keySet() + ")");
        }
        return b;
    }
}
