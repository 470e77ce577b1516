package io.sparkgan.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/** Conversions between networks / state objects and checkpoint parts. */
public final class ModelParts {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** Part names every trainer and strategy uses for its networks, so any checkpoint's generator can be read the same way. */
    public static final String GENERATOR = "generator.zip";
    public static final String DISCRIMINATOR = "discriminator.zip";

    private ModelParts() {}

    /** A network with its updater (optimizer) state and step count. */
    public static CheckpointStore.PartWriter network(MultiLayerNetwork net) {
        return out -> ModelSerializer.writeModel(net, out, true);
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
