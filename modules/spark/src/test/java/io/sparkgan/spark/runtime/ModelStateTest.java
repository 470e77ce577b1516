package io.sparkgan.spark.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.nn.ExtraState;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.SpectralNorm;
import io.sparkgan.spark.Payloads;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelStateTest {
    static GanConfig config() {
        return new GanConfig().setSeed(3).setBatchSize(8).setLatentDim(2)
                .setGenerator(NetworkSpec.mlp("tanh", "identity", 5)).setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 5));
    }

    /** A discriminator with Adam state: one step taken. */
    static MultiLayerNetwork trained(int worker) {
        Discriminator d = Gan.discriminator(config(), 2, worker, DataType.FLOAT);
        GanRandom r = new GanRandom(worker);
        d.step(Nd4j.rand(DataType.FLOAT, 8, 2), Nd4j.rand(DataType.FLOAT, 8, 2).addi(r.nextDouble()));
        return d.network();
    }

    @Test
    void aStateMovesIntoAnotherNetworkWholeAndItsSizeIsExact() throws IOException {
        MultiLayerNetwork from = trained(0);
        MultiLayerNetwork to = Gan.discriminator(config(), 2, 1, DataType.FLOAT).network();
        ModelState s = ModelState.of(from);
        byte[] bytes = Payloads.encode(s.bytes(), s::write);
        assertEquals(s.bytes(), bytes.length);
        assertEquals(ModelState.bytes(from.numParams(), 2 * from.numParams()), bytes.length, "counters, |θ| parameters, 2|θ| Adam moments, no extras");
        ModelState.read(Payloads.decode(bytes)).applyTo(to, "worker 1");
        assertEquals(from.params(), to.params());
        assertEquals(from.getUpdater().getStateViewArray(), to.getUpdater().getStateViewArray());
        assertEquals(1, to.getLayerWiseConfigurations().getIterationCount());
    }

    @Test
    void extraArraysTravelWithTheStateAndMustFitTheReceiver() throws IOException {
        Map<String, float[]> extras = new LinkedHashMap<>();
        extras.put("1/u", new float[] {1, 2, 3});
        extras.put("2/u", new float[] {4});
        ModelState s = new ModelState(7, 2, new float[] {0.5f}, new float[] {1, 2}, extras);
        byte[] bytes = Payloads.encode(s.bytes(), s::write);
        assertEquals(s.bytes(), bytes.length);
        ModelState back = ModelState.read(Payloads.decode(bytes));
        assertEquals(7, back.iterationCount());
        assertEquals(2, back.epochCount());
        assertArrayEquals(new float[] {1, 2, 3}, back.extras().get("1/u"));
        assertArrayEquals(new float[] {4}, back.extras().get("2/u"));
        // These networks have no layer with extra state: a state that carries some does not fit.
        MultiLayerNetwork net = Gan.discriminator(config(), 2, 0, DataType.FLOAT).network();
        ModelState whole = new ModelState(0, 0, ModelState.of(net).params(), ModelState.of(net).optimizer(), extras);
        Exception e = assertThrows(IllegalStateException.class, () -> whole.applyTo(net, "worker 3"));
        assertEquals("worker 3: extra state [1/u, 2/u] does not fit the network's []", e.getMessage());
    }

    @Test
    void aStateOfAnotherShapeIsRefusedNamingTheReceiver() {
        MultiLayerNetwork small = trained(0);
        GanConfig wide = config().setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 9));
        MultiLayerNetwork big = Gan.discriminator(wide, 2, 0, DataType.FLOAT).network();
        Exception e = assertThrows(IllegalStateException.class, () -> ModelState.of(small).applyTo(big, "worker 2"));
        assertEquals("worker 2 received " + small.numParams() + " parameters values but its network has " + big.numParams(), e.getMessage());
    }

    @Test
    void theSharedPartsAverageWeightedInDoubleAndANonFinitePartIsRejected() throws IOException {
        MultiLayerNetwork a = trained(0);
        MultiLayerNetwork b = trained(1);
        ModelState.Sum sum = new ModelState.Sum(a);
        assertTrue(sum.add(shared(a), 0.25, "worker 0"));
        assertTrue(sum.add(shared(b), 0.75, "worker 1"));
        MultiLayerNetwork avg = Gan.discriminator(config(), 2, 5, DataType.FLOAT).network();
        sum.applyTo(avg);
        for (int i = 0; i < a.numParams(); i++) {
            double expected = 0.25 * a.params().getFloat(i) + 0.75 * b.params().getFloat(i);
            assertEquals((float) expected, avg.params().getFloat(i), "parameter " + i);
        }
        b.params().putScalar(3, Float.NaN);
        assertFalse(new ModelState.Sum(a).add(shared(b), 0.5, "worker 1"), "a NaN parameter is not averaged in");
    }

    static GanConfig spectral() {
        GanConfig c = config();
        c.set(SpectralNorm.SETTING, true);
        return c;
    }

    /** A spectrally normalised discriminator after {@code steps} steps (each iterates u once). */
    static Discriminator spectral(int worker, int steps) {
        Discriminator d = Gan.discriminator(spectral(), 2, worker, DataType.FLOAT);
        GanRandom r = new GanRandom(worker);
        for (int i = 0; i < steps; i++) {
            d.step(Nd4j.rand(DataType.FLOAT, 8, 2), Nd4j.rand(DataType.FLOAT, 8, 2).addi(r.nextDouble()));
        }
        return d;
    }

    @Test
    void spectralNormVectorsTravelWithAStateAndFlGanAveragesThem() throws IOException {
        MultiLayerNetwork a = spectral(0, 3).network();
        Map<String, INDArray> ua = ExtraState.of(a);
        assertEquals(List.of("0/spectral-u", "1/spectral-u"), List.copyOf(ua.keySet()), "one u per dense layer");
        // A swap: the whole state, u included, into another worker's network.
        MultiLayerNetwork to = spectral(1, 1).network();
        assertNotEquals(ua, ExtraState.of(to));
        ModelState s = ModelState.of(a);
        byte[] bytes = Payloads.encode(s.bytes(), s::write);
        assertTrue(bytes.length > ModelState.bytes(a.numParams(), 2 * a.numParams()), "the u vectors are in the bytes");
        ModelState.read(Payloads.decode(bytes)).applyTo(to, "worker 1");
        assertEquals(ua, ExtraState.of(to), "u travelled");
        assertEquals(a.params(), to.params());

        // FL-GAN: u is part of the shared part and averaged with the parameters.
        MultiLayerNetwork b = spectral(2, 2).network();
        Map<String, INDArray> ub = ExtraState.of(b);
        ModelState.Sum sum = new ModelState.Sum(a);
        assertTrue(sum.add(shared(a), 0.25, "worker 0"));
        assertTrue(sum.add(shared(b), 0.75, "worker 1"));
        MultiLayerNetwork avg = spectral(5, 0).network();
        sum.applyTo(avg);
        ExtraState.of(avg).forEach((k, v) -> {
            for (int i = 0; i < v.length(); i++) {
                double expected = 0.25 * ua.get(k).getFloat(i) + 0.75 * ub.get(k).getFloat(i);
                assertEquals((float) expected, v.getFloat(i), 1e-7, k + "[" + i + "]");
            }
        });
        // A network without spectral normalisation does not take a state with u vectors.
        MultiLayerNetwork plain = Gan.discriminator(config(), 2, 0, DataType.FLOAT).network();
        Exception e = assertThrows(IllegalStateException.class, () -> ModelState.of(a).applyTo(plain, "worker 4"));
        assertEquals("worker 4: extra state [0/spectral-u, 1/spectral-u] does not fit the network's []", e.getMessage());
    }

    private static DataInputStream shared(MultiLayerNetwork net) {
        return Payloads.decode(Payloads.encode(ModelState.sharedBytes(net), out -> ModelState.writeShared(out, net)));
    }
}
