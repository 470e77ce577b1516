package io.sparkgan.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModelPartsTest {
    /** Set by {@link Gadget#readObject}: a Java object in a model zip was deserialized. */
    static final AtomicBoolean DESERIALIZED = new AtomicBoolean();
    /** Set by {@link Planted}'s static initialiser: a class named in a configuration was loaded and initialised. */
    static final AtomicBoolean INITIALISED = new AtomicBoolean();

    /** Stands for a deserialization gadget; a {@code DataSetPreProcessor} so DL4J's reader accepts it whole. */
    static final class Gadget implements DataSetPreProcessor, Serializable {
        private static final long serialVersionUID = 1L;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            DESERIALIZED.set(true);
        }

        @Override
        public void preProcess(DataSet toPreProcess) {}
    }

    /** Stands for a class whose mere initialisation does harm. */
    static final class Planted {
        static {
            INITIALISED.set(true);
        }
    }

    @AfterEach
    void resetFlags() {
        DESERIALIZED.set(false);
        INITIALISED.set(false);
    }

    private static MultiLayerNetwork trainedDiscriminator() {
        GanConfig c = new GanConfig().setSeed(3).setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 40, 30));
        Discriminator d = Gan.discriminator(c, 20, 0, DataType.FLOAT);
        for (int i = 0; i < 3; i++) {
            d.step(Nd4j.rand(DataType.FLOAT, 8, 20), Nd4j.rand(DataType.FLOAT, 8, 20)); // Adam moments and a step count
        }
        return d.network();
    }

    private static byte[] ours(MultiLayerNetwork net) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelParts.network(net).write(out);
        return out.toByteArray();
    }

    private static byte[] dl4js(MultiLayerNetwork net, boolean withUpdater) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, out, withUpdater);
        return out.toByteArray();
    }

    /** Bit for bit: the same floats, the same optimizer state, the same step and epoch counts. */
    private static void assertSameState(MultiLayerNetwork expected, MultiLayerNetwork actual, boolean withUpdater) {
        assertArrayEquals(expected.params().data().asBytes(), actual.params().data().asBytes());
        if (withUpdater) {
            INDArray s = actual.getUpdater().getStateViewArray();
            assertArrayEquals(expected.getUpdater().getStateViewArray().data().asBytes(), s.data().asBytes());
        }
        assertEquals(expected.getLayerWiseConfigurations().getIterationCount(), actual.getLayerWiseConfigurations().getIterationCount());
        assertEquals(expected.getLayerWiseConfigurations().getEpochCount(), actual.getLayerWiseConfigurations().getEpochCount());
        assertEquals(expected.getLayerWiseConfigurations(), actual.getLayerWiseConfigurations());
    }

    @Test
    void aNetworkPartIsDl4jsModelZipUncompressedWithItsOptimizerStateAndStepCount() throws Exception {
        MultiLayerNetwork net = trainedDiscriminator();
        byte[] ours = ours(net);

        // Read back by our reader, and by DL4J's own: the same network, state and step count.
        MultiLayerNetwork back = ModelParts.network(Map.of("d.zip", ours), "d.zip");
        MultiLayerNetwork reference = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(ours), true);
        for (MultiLayerNetwork m : new MultiLayerNetwork[] {back, reference}) {
            assertSameState(net, m, true);
            assertEquals(3, m.getLayerWiseConfigurations().getIterationCount());
        }
        // The entries DL4J writes, in its order, each stored at about its raw size.
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(ours))) {
            StringBuilder names = new StringBuilder();
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                names.append(e.getName()).append(' ');
            }
            assertEquals("configuration.json coefficients.bin updaterState.bin ", names.toString());
        }
        assertTrue(ours.length > 4 * 3 * net.numParams(), "parameters and two moments, uncompressed: " + ours.length);
    }

    @Test
    void dl4jsOwnCompressedZipsReadBitExactWithAndWithoutTheUpdater() throws Exception {
        MultiLayerNetwork net = trainedDiscriminator();
        assertSameState(net, ModelParts.readNetwork(dl4js(net, true), true, "dl4j.zip"), true);
        MultiLayerNetwork noUpdater = ModelParts.readNetwork(dl4js(net, false), false, "dl4j.zip");
        assertSameState(net, noUpdater, false);
        // Asked not to, the reader leaves a stored updater state alone, as DL4J's does.
        MultiLayerNetwork skipped = ModelParts.readNetwork(dl4js(net, true), false, "dl4j.zip");
        assertSameState(net, skipped, false);
        MultiLayerNetwork dl4jSkipped = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(dl4js(net, true)), false);
        assertArrayEquals(dl4jSkipped.getUpdater().getStateViewArray().data().asBytes(), skipped.getUpdater().getStateViewArray().data().asBytes());
    }

    @Test
    void extraEntriesAreNeverDeserializedNorWrittenToTemporaryFiles() throws Exception {
        MultiLayerNetwork net = trainedDiscriminator();
        ByteArrayOutputStream object = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(object)) {
            oos.writeObject(new Gadget());
        }
        Map<String, byte[]> extra = new LinkedHashMap<>();
        extra.put("preprocessor.bin", object.toByteArray()); // what DL4J's reader hands to ObjectInputStream
        extra.put("normalizer.bin", object.toByteArray());
        extra.put("anything.ser", object.toByteArray());
        byte[] planted = withEntries(ours(net), extra);

        // The control: DL4J's reader does deserialize it, so this test would see the hole.
        ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(planted), true);
        assertTrue(DESERIALIZED.getAndSet(false), "DL4J's reader deserializes preprocessor.bin");

        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Set<Path> before = list(tmp);
        MultiLayerNetwork back = ModelParts.network(Map.of(ModelParts.DISCRIMINATOR, planted), ModelParts.DISCRIMINATOR);
        assertFalse(DESERIALIZED.get(), "our reader deserialized an extra entry");
        assertSameState(net, back, true);
        assertEquals(before, list(tmp), "our reader wrote to java.io.tmpdir");
    }

    @ParameterizedTest
    @MethodSource("activations")
    void aNetworkOfEveryActivationASpecCanNameReadsBack(String activation) throws Exception {
        // Our own activation classes (softplus) must pass the reader's allow-list: a checkpoint that
        // cannot be read back ends the run that wrote it at its first read.
        for (boolean batchNorm : new boolean[] {false, true}) {
            MultiLayerNetwork net = Networks.generator(NetworkSpec.mlp(activation, activation, 6), 4, 3, new Adam(1e-3), 5, DataType.FLOAT, batchNorm);
            MultiLayerNetwork back = ModelParts.network(Map.of("g.zip", ours(net)), "g.zip");
            assertSameState(net, back, false);
            INDArray z = Nd4j.rand(DataType.FLOAT, 5, 4);
            assertArrayEquals(net.output(z, false).data().asBytes(), back.output(z, false).data().asBytes(), activation);
        }
    }

    static java.util.List<String> activations() {
        return NetworkSpec.ACTIVATIONS;
    }

    @Test
    void aConfigurationNamingAClassOutsideDl4jIsRefusedBeforeTheClassIsLoaded() throws Exception {
        MultiLayerNetwork net = trainedDiscriminator();
        String json = net.getLayerWiseConfigurations().toJson();
        String evil = json.replaceFirst("org\\.nd4j\\.linalg\\.activations\\.impl\\.Activation\\w+", Matcher.quoteReplacement(Planted.class.getName()));
        assertTrue(evil.contains(Planted.class.getName()));

        // The control: handed to DL4J, the named class is loaded and initialised (then refused as not an activation).
        assertThrows(RuntimeException.class, () -> MultiLayerConfiguration.fromJson(evil));
        assertTrue(INITIALISED.getAndSet(false), "DL4J's Jackson initialises a class named in the configuration");

        byte[] zip = withConfiguration(ours(net), evil);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ModelParts.network(Map.of("g.zip", zip), "g.zip"));
        assertEquals("cannot read network g.zip from checkpoint: configuration.json names class '" + Planted.class.getName()
                + "', outside DL4J/ND4J's own packages and this project's layers and activations (org.deeplearning4j.*, org.nd4j.* (not org.nd4j.shade.*),"
                + " io.sparkgan.core.nn.FiniteSoftPlus, io.sparkgan.core.nn.MinibatchDiscriminationLayer); refusing to load it", e.getMessage());
        assertFalse(INITIALISED.get(), "our reader let the class be loaded");
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void malformedZipsAreRefusedWithOneLine() throws Exception {
        MultiLayerNetwork net = trainedDiscriminator();
        byte[] good = ours(net);
        // A second configuration after the first: readers disagree about which one counts.
        byte[] twice = withEntries(good, Map.of("configuration.json", "{}".getBytes(StandardCharsets.UTF_8)));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ModelParts.readNetwork(twice, true, "x.zip"));
        assertEquals("cannot read network x.zip: the zip holds 'configuration.json' twice", e.getMessage());

        byte[] noConfig = withEntries(new byte[0], Map.of("coefficients.bin", entries(good).get("coefficients.bin")));
        e = assertThrows(UncheckedIOException.class, () -> ModelParts.readNetwork(noConfig, true, "x.zip"));
        assertEquals("cannot read network x.zip: not a DL4J model zip: no configuration.json entry", e.getMessage());

        // Parameters of another network under this configuration.
        MultiLayerNetwork other = Gan.discriminator(new GanConfig().setSeed(3).setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 5)), 20, 0, DataType.FLOAT).network();
        byte[] mixed = withConfiguration(ours(other), net.getLayerWiseConfigurations().toJson());
        e = assertThrows(UncheckedIOException.class, () -> ModelParts.readNetwork(mixed, false, "x.zip"));
        assertTrue(e.getMessage().startsWith("cannot read network x.zip: coefficients.bin holds " + other.numParams() + " numbers but the configuration has "
                + net.numParams() + " parameters"), e.getMessage());

        byte[] truncated = withEntries(new byte[0], Map.of("configuration.json", entries(good).get("configuration.json"), "coefficients.bin", new byte[] {0, 4}));
        e = assertThrows(UncheckedIOException.class, () -> ModelParts.readNetwork(truncated, true, "x.zip"));
        assertTrue(e.getMessage().startsWith("cannot read network x.zip: coefficients.bin is not an ND4J array"), e.getMessage());

        e = assertThrows(UncheckedIOException.class, () -> ModelParts.readNetwork("not a zip".getBytes(StandardCharsets.UTF_8), true, "x.zip"));
        assertTrue(e.getMessage().startsWith("cannot read network x.zip: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    private static Set<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.collect(Collectors.toSet());
        }
    }

    /** The zip's entries (deflated as DL4J writes them), then {@code extra}. */
    static byte[] withEntries(byte[] zip, Map<String, byte[]> extra) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries(zip).entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
            }
            for (Map.Entry<String, byte[]> e : extra.entrySet()) {
                // ZipOutputStream refuses a repeated name: a repeat goes in under a placeholder of the same length, renamed below.
                boolean repeat = entries(zip).containsKey(e.getKey());
                z.putNextEntry(new ZipEntry(repeat ? placeholder(e.getKey()) : e.getKey()));
                z.write(e.getValue());
            }
        }
        byte[] bytes = out.toByteArray();
        for (String name : extra.keySet()) {
            replaceAll(bytes, placeholder(name), name);
        }
        return bytes;
    }

    private static String placeholder(String name) {
        return "#".repeat(name.length());
    }

    private static void replaceAll(byte[] bytes, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.US_ASCII);
        byte[] t = to.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + f.length <= bytes.length; i++) {
            for (int j = 0; j < f.length; j++) {
                if (bytes[i + j] != f[j]) {
                    continue outer;
                }
            }
            System.arraycopy(t, 0, bytes, i, t.length);
        }
    }

    /** The zip with its configuration replaced. */
    static byte[] withConfiguration(byte[] zip, String json) throws IOException {
        Map<String, byte[]> e = entries(zip);
        e.put("configuration.json", json.getBytes(StandardCharsets.UTF_8));
        return withEntries(new byte[0], e);
    }

    static Map<String, byte[]> entries(byte[] zip) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        if (zip.length == 0) {
            return m;
        }
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
                m.put(e.getName(), z.readAllBytes());
            }
        }
        return m;
    }
}
