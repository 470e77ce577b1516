package io.sparkgan.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Conversions between networks / state objects and checkpoint parts. */
public final class ModelParts {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** Part names every trainer and strategy uses for its networks, so any checkpoint's generator can be read the same way. */
    public static final String GENERATOR = "generator.zip";
    public static final String DISCRIMINATOR = "discriminator.zip";

    private ModelParts() {}

    /**
     * A network with its updater (optimizer) state and step count: the zip DL4J's
     * {@code ModelSerializer.writeModel(net, out, true)} writes (same entries, read back by
     * {@code ModelSerializer.restoreMultiLayerNetwork}), but stored without compression.
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
            zip.putNextEntry(new ZipEntry("configuration.json"));
            zip.write(net.getLayerWiseConfigurations().toJson().getBytes(StandardCharsets.UTF_8));
            DataOutputStream data = new DataOutputStream(new BufferedOutputStream(zip, 1 << 16));
            zip.putNextEntry(new ZipEntry("coefficients.bin"));
            Nd4j.write(net.params(), data);
            data.flush();
            INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
            if (state != null && state.length() > 0) {
                zip.putNextEntry(new ZipEntry("updaterState.bin"));
                Nd4j.write(state, data);
                data.flush();
            }
            zip.finish();
            zip.flush();
        };
    }

    public static MultiLayerNetwork network(Map<String, byte[]> parts, String name) {
        try {
            return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(require(parts, name)), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read network " + name + " from checkpoint: " + e.getMessage(), e);
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
