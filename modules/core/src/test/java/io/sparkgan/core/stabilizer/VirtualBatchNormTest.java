package io.sparkgan.core.stabilizer;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.nn.ExtraState;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.ParameterEma;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Virtual batch normalisation on whole generators, in double: the reference batch drawn from the
 * seed, the mlp generator gaining batch normalisation, {@link Generator#gradient} against finite
 * differences of a loss of the generated rows (through the reference batch's statistics), a sample
 * independent of the other samples of its batch, and a checkpointed, restored, averaged or exported
 * generator sampling exactly as the trained one.
 */
class VirtualBatchNormTest {
    private static final int M = 5;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static GanConfig config(String generator, String objective) {
        GanConfig c = new GanConfig();
        c.setSeed(4).setLatentDim(3).setObjective(objective).setGenerator(NetworkSpec.parse(generator));
        c.set(Stabilizers.SETTING, "virtual-batch-norm");
        c.set(VirtualBatchNorm.REFERENCE_BATCH, M);
        c.set(ParameterEma.SETTING, 0.0);
        c.validate();
        return c;
    }

    private static GanConfig mlp() {
        return config("mlp:4,3:tanh", "hinge");
    }

    /** A dcgan generator small enough for tests: 2 channels at 7x7, 2 at 14x14. */
    private static GanConfig dcgan() {
        return config("dcgan:2,2:relu:tanh", "hinge");
    }

    @Test
    void theMlpGeneratorGainsBatchNormalisationAndAReferenceBatchDrawnFromTheSeed() {
        Generator g = Gan.generator(mlp(), 2, DataType.DOUBLE);
        StringBuilder kinds = new StringBuilder();
        for (Layer l : g.network().getLayers()) {
            kinds.append(l.conf().getLayer().getClass().getSimpleName()).append(' ');
        }
        assertEquals("DenseLayer BatchNormalization ActivationLayer DenseLayer BatchNormalization ActivationLayer DenseLayer ", kinds.toString());
        INDArray ref = VirtualBatchNorm.reference(g.network());
        assertNotNull(ref);
        assertEquals(M, ref.rows());
        assertEquals(ref, Generator.latent(GanRandom.stream(4, "reference-batch", 0), M, 3, 0, DataType.DOUBLE));
        assertEquals(ref, VirtualBatchNorm.reference(Gan.generator(mlp(), 2, DataType.DOUBLE).network()), "the same seed, the same batch");
        assertTrue(ExtraState.of(g.network()).containsKey(VirtualBatchNorm.REFERENCE_STATE), "checkpoints and FL-GAN's averages carry it");
        // Without the stabilizer the mlp generator stays as it was.
        GanConfig plain = mlp();
        plain.set(Stabilizers.SETTING, "");
        assertEquals(3, Gan.generator(plain, 2, DataType.DOUBLE).network().getnLayers());
    }

    @Test
    void aConditionalGeneratorsReferenceBatchHasOneHotClasses() {
        GanConfig c = config("mlp:4:tanh", "acgan");
        c.setClasses(3);
        Generator g = Gan.generator(c, 2, DataType.DOUBLE);
        INDArray ref = VirtualBatchNorm.reference(g.network());
        assertEquals(3 + 3, ref.columns());
        INDArray onehot = ref.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 6));
        assertEquals(Nd4j.ones(DataType.DOUBLE, M), onehot.sum(1));
        assertEquals(M, onehot.eq(1.0).castTo(DataType.DOUBLE).sumNumber().intValue());
    }

    @Test
    void theGeneratorGradientIsTheGradientOfALossOfTheGeneratedRowsThroughTheReferenceStatistics() {
        Generator g = Gan.generator(mlp(), 2, DataType.DOUBLE);
        MultiLayerNetwork net = g.network();
        // Non-trivial γ and β, so every term matters.
        perturbBatchNorm(net, 6);
        INDArray z = gaussian(2, 4, 3, 1.0);
        INDArray w = gaussian(3, 4, 2, 1.0);
        g.generate(z);
        INDArray analytic = g.gradient(z, w).gradient().dup();
        double[] numeric = numericGradient(net.params(), () -> g.generate(z).mul(w).sumNumber().doubleValue());
        // BN's running statistics are not trained: their "gradient" is DL4J's moving-average update.
        INDArray trained = trainedMask(net);
        for (int i = 0; i < numeric.length; i++) {
            if (trained.getDouble(i) == 0) {
                assertEquals(0.0, numeric[i], 0.0, "the running statistics do not change the output");
                numeric[i] = 0;
            }
        }
        INDArray a = analytic.reshape(analytic.length()).mul(trained);
        assertTrue(relError(a, numeric) < 1e-6, "generator gradient differs from finite differences: " + relError(a, numeric));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mlp", "dcgan"})
    void aSampleDoesNotDependOnTheOtherSamplesOfItsBatch(String kind) {
        GanConfig c = kind.equals("mlp") ? mlp() : dcgan();
        int dim = kind.equals("mlp") ? 2 : 784;
        Generator g = Gan.generator(c, dim, DataType.DOUBLE);
        perturbBatchNorm(g.network(), 8);
        INDArray z = gaussian(2, 6, 3, 1.0);
        INDArray other = gaussian(3, 3, 3, 5.0).addi(2.0);
        other.getRow(1).assign(z.getRow(4));
        INDArray x = g.generate(z).dup();
        INDArray y = g.generate(other).dup();
        assertTrue(x.getRow(4).equalsWithEps(y.getRow(1), 1e-12), "generate: row 4 of one batch and row 1 of another from the same code");
        INDArray s = g.sample(z);
        INDArray t = g.sample(other);
        assertTrue(s.getRow(4).equalsWithEps(t.getRow(1), 1e-12), "sample");
        assertTrue(s.equalsWithEps(x, 1e-12), "sample and generate agree");
        assertTrue(g.sample(z.getRow(4).reshape(1, 3)).equalsWithEps(s.getRow(4).reshape(1, dim), 1e-12), "a batch of one");
        // Plain batch normalisation, by contrast, mixes the batch.
        INDArray plainX = io.sparkgan.core.nn.Backprop.forward(g.network(), z).output();
        INDArray plainY = io.sparkgan.core.nn.Backprop.forward(g.network(), other).output();
        assertTrue(!plainX.getRow(4).equalsWithEps(plainY.getRow(1), 1e-6), "the test would notice batch statistics");
    }

    @Test
    void samplingNeverReadsTheRunningStatistics() {
        Generator g = Gan.generator(mlp(), 2, DataType.DOUBLE);
        INDArray z = gaussian(2, 6, 3, 1.0);
        INDArray before = g.sample(z);
        for (Layer l : g.network().getLayers()) {
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                if (p.getKey().startsWith("global")) { // DL4J's running mean and variance (or log10 σ)
                    p.getValue().assign(p.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_MEAN) ? 123 : 3);
                }
            }
        }
        assertEquals(before, g.sample(z));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mlp", "dcgan"})
    void checkpointedRestoredAveragedAndExportedGeneratorsSampleAsTheTrainedOne(String kind) throws IOException {
        GanConfig c = kind.equals("mlp") ? mlp() : dcgan();
        c.set(ParameterEma.SETTING, 0.5);
        int dim = kind.equals("mlp") ? 2 : 784;
        Generator g = Gan.generator(c, dim, DataType.DOUBLE);
        GanRandom rng = GanRandom.stream(1, "test", 0);
        for (int step = 0; step < 3; step++) {
            INDArray z = g.latent(rng, 6);
            g.generate(z);
            g.step(z, gaussian(10 + step, 6, dim, 0.1));
        }
        INDArray z = g.latent(rng, 7);
        INDArray trained = g.sample(z);

        // Checkpoint and restore: the reference batch comes back from the checkpoint, not the seed.
        VirtualBatchNorm.reference(g.network()).addi(0.25); // as if the run had drawn another one
        INDArray moved = g.sample(z);
        assertNotEquals(trained, moved, "the reference batch is in effect");
        Map<String, byte[]> parts = write(g);
        Generator restored = Gan.restoredGenerator(c, ModelParts.network(parts, ModelParts.GENERATOR), parts);
        assertEquals(moved, restored.sample(z), "restored from a checkpoint");
        assertEquals(VirtualBatchNorm.reference(g.network()), VirtualBatchNorm.reference(restored.network()));

        // The average (what evaluation and export use) carries the same reference batch.
        Generator averaged = g.averaged();
        assertEquals(VirtualBatchNorm.reference(g.network()), VirtualBatchNorm.reference(averaged.network()));
        assertEquals(restored.averaged().sample(z), averaged.sample(z), "the restored average");

        // Exported as a plain DL4J model zip plus its sampling state.
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(averaged.network(), zip, false);
        MultiLayerNetwork read = ModelParts.readNetwork(zip.toByteArray(), false, "test");
        Generator exported = Gan.exportedGenerator(c, read, averaged.samplingState());
        assertEquals(averaged.sample(z), exported.sample(z), "exported");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Gan.exportedGenerator(c, ModelParts.readNetwork(zip.toByteArray(), false, "test"), Map.of()));
        assertEquals("the exported generator has no reference batch ('reference-batch/z') for virtual-batch-norm", e.getMessage());
    }

    @Test
    void aReferenceBatchBelowTwoRowsIsRefusedInOneLine() {
        GanConfig c = mlp();
        c.set(VirtualBatchNorm.REFERENCE_BATCH, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::validate);
        assertTrue(e.getMessage().contains("reference-batch must be at least 2 (a variance needs two rows), got 1"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    private static Map<String, byte[]> write(Generator g) throws IOException {
        Map<String, CheckpointStore.PartWriter> writers = new LinkedHashMap<>();
        Gan.putGenerator(writers, g);
        Map<String, byte[]> parts = new LinkedHashMap<>();
        for (Map.Entry<String, CheckpointStore.PartWriter> e : writers.entrySet()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            e.getValue().write(out);
            parts.put(e.getKey(), out.toByteArray());
        }
        return parts;
    }

    private static void perturbBatchNorm(MultiLayerNetwork net, long seed) {
        for (Layer l : net.getLayers()) {
            if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization) {
                INDArray gamma = l.getParam(BatchNormalizationParamInitializer.GAMMA);
                INDArray beta = l.getParam(BatchNormalizationParamInitializer.BETA);
                gamma.assign(gaussian(seed, 1, (int) gamma.length(), 0.3).addi(1.0).reshape(gamma.shape()));
                beta.assign(gaussian(seed + 1, 1, (int) beta.length(), 0.3).reshape(beta.shape()));
            }
        }
    }

    /** 1 for each trained parameter of {@code net}, 0 for batch normalisation's running statistics. */
    private static INDArray trainedMask(MultiLayerNetwork net) {
        INDArray mask = Nd4j.ones(DataType.DOUBLE, net.numParams());
        long offset = 0;
        for (Layer l : net.getLayers()) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                long n = e.getValue().length();
                if (e.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_MEAN) || e.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_VAR)
                        || e.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)) {
                    mask.get(NDArrayIndex.interval(offset, offset + n)).assign(0);
                }
                offset += n;
            }
        }
        return mask;
    }
}
