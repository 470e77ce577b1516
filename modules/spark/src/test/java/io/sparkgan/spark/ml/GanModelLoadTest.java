package io.sparkgan.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.spark.SparkTestBase;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.spark.ml.linalg.Vector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A saved model is read without deserializing Java objects or loading classes it names outside DL4J. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GanModelLoadTest extends SparkTestBase {
    static final AtomicBoolean DESERIALIZED = new AtomicBoolean();
    static final AtomicBoolean INITIALISED = new AtomicBoolean();

    @TempDir
    Path tmp;

    static final class Gadget implements Serializable {
        private static final long serialVersionUID = 1L;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            DESERIALIZED.set(true);
        }
    }

    static final class Planted {
        static {
            INITIALISED.set(true);
        }
    }

    @Test
    void aSavedModelWithAPlantedObjectLoadsWithoutDeserializingItAndOneNamingAForeignClassIsRefused() throws Exception {
        GanModel model = new GanEstimator().setStrategy("standalone").setIterations(2).setBatchSize(8).setLatentDim(2)
                .setGenerator("mlp:6:tanh").setDiscriminator("mlp:6:leakyrelu").setSeed(5).fit(ring(40));
        Path dir = tmp.resolve("model");
        model.write().save(dir.toString());
        Path g = dir.resolve(ModelParts.GENERATOR);
        byte[] original = Files.readAllBytes(g);
        // Hadoop's local file system would refuse the edited file against its checksum twin; whoever plants a file drops that too.
        Files.deleteIfExists(dir.resolve(".generator.zip.crc"));

        ByteArrayOutputStream object = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(object)) {
            oos.writeObject(new Gadget());
        }
        Files.write(g, rewrite(original, null, object.toByteArray()));
        GanModel loaded = GanModel.load(dir.toString());
        Vector expected = model.generate(spark, 5, 3).collectAsList().get(2).getAs("features");
        assertEquals(expected, loaded.generate(spark, 5, 3).collectAsList().get(2).<Vector>getAs("features"));
        assertFalse(DESERIALIZED.get(), "loading the model deserialized its preprocessor.bin");

        String json = new String(entry(original, "configuration.json"), StandardCharsets.UTF_8);
        String evil = json.replaceFirst("org\\.nd4j\\.linalg\\.activations\\.impl\\.Activation\\w+", Matcher.quoteReplacement(Planted.class.getName()));
        assertTrue(evil.contains(Planted.class.getName()));
        Files.write(g, rewrite(original, evil, null));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> GanModel.load(dir.toString()));
        assertTrue(e.getMessage().startsWith("cannot load a model from " + dir + ": cannot read network generator.zip: configuration.json names class '"
                + Planted.class.getName() + "', outside DL4J/ND4J's own packages and this project's layers"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(INITIALISED.get(), "loading the model initialised a class its configuration names");
    }

    private static byte[] entry(byte[] zip, String name) throws IOException {
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
                if (e.getName().equals(name)) {
                    return z.readAllBytes();
                }
            }
        }
        throw new AssertionError(name);
    }

    /** The zip with its configuration replaced (if {@code json} is given) and a preprocessor.bin added (if {@code object} is). */
    private static byte[] rewrite(byte[] zip, String json, byte[] object) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip)); ZipOutputStream z = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(json != null && e.getName().equals("configuration.json") ? json.getBytes(StandardCharsets.UTF_8) : in.readAllBytes());
            }
            if (object != null) {
                z.putNextEntry(new ZipEntry("preprocessor.bin"));
                z.write(object);
            }
        }
        return out.toByteArray();
    }
}
