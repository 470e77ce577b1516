package io.sparkgan.core.aae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.nn.NetworkSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AaeStepTest {
    /** Four blobs in 3-D, sample i of class i % 4. */
    static float[][] blobs(int n) {
        GanRandom r = new GanRandom(4);
        float[][] x = new float[n][];
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            x[i] = new float[] {(float) ((c == 0 ? 2 : c == 1 ? -2 : 0) + 0.2 * r.nextGaussian()),
                    (float) ((c == 2 ? 2 : c == 3 ? -2 : 0) + 0.2 * r.nextGaussian()), (float) (0.2 * r.nextGaussian())};
        }
        return x;
    }

    static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
        }
        return y;
    }

    static GanConfig tiny(String prior) {
        GanConfig c = new GanConfig().setSeed(5).setIterations(1000).setBatchSize(32).setLatentDim(2).setObjective("nonsaturating")
                .setGenerator(NetworkSpec.mlp("relu", "identity", 32, 32)).setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 32, 32));
        c.set(AdversarialAutoencoder.AUTOENCODER, prior);
        c.set(AdversarialAutoencoder.ENCODER, NetworkSpec.mlp("leakyrelu", "identity", 32, 32));
        c.set(AdversarialAutoencoder.COMPONENTS, 4);
        c.set(io.sparkgan.core.nn.ParameterEma.SETTING, 0.0);
        return c;
    }

    private static void run(AaeStep s, int from, int to) {
        for (int i = from; i < to; i++) {
            s.run(i, i + 1, false);
        }
    }

    private static Map<String, byte[]> bytes(Map<String, CheckpointStore.PartWriter> parts) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        parts.forEach((k, v) -> out.put(k, v.toBytes()));
        return out;
    }

    private static INDArray params(MultiLayerNetwork n) {
        return n.params().dup();
    }

    @Test
    void aResumedRunContinuesBitForBit() {
        GanConfig c = tiny("labelled-mixture");
        AaeStep straight = new AaeStep(c, blobs(96), labels(96), DataType.FLOAT);
        run(straight, 0, 12);
        AaeStep first = new AaeStep(c, blobs(96), labels(96), DataType.FLOAT);
        run(first, 0, 7);
        Map<String, byte[]> parts = bytes(first.checkpoint());
        AaeStep resumed = new AaeStep(c, blobs(96), labels(96), DataType.FLOAT);
        resumed.restore(parts);
        run(resumed, 7, 12);
        AdversarialAutoencoder a = straight.autoencoder();
        AdversarialAutoencoder b = resumed.autoencoder();
        assertEquals(params(a.encoder().network()), params(b.encoder().network()), "encoder");
        assertEquals(params(a.decoder().network()), params(b.decoder().network()), "decoder");
        assertEquals(params(a.codeDiscriminator().network()), params(b.codeDiscriminator().network()), "code discriminator");
        assertEquals(straight.lastReconstruction(), resumed.lastReconstruction(), 0.0);
    }

    @Test
    void itLearnsToReconstructAndPushesTheCodesOfEachClassToItsComponent() {
        GanConfig c = tiny("labelled-mixture");
        float[][] x = blobs(256);
        int[] y = labels(256);
        AaeStep s = new AaeStep(c, x, y, DataType.FLOAT);
        INDArray data = Nd4j.create(x);
        double before = s.autoencoder().reconstructionError(data);
        run(s, 0, 1000);
        double after = s.autoencoder().reconstructionError(data);
        assertTrue(after < before / 5, "reconstruction error " + before + " -> " + after);
        INDArray codes = s.autoencoder().encode(data);
        MixturePrior prior = (MixturePrior) s.autoencoder().prior();
        int nearest = 0;
        for (int i = 0; i < 256; i++) {
            int best = -1;
            double bestD = Double.MAX_VALUE;
            for (int k = 0; k < 4; k++) {
                double[] m = prior.mean(k, 2);
                double d = Math.hypot(codes.getDouble(i, 0) - m[0], codes.getDouble(i, 1) - m[1]);
                if (d < bestD) {
                    bestD = d;
                    best = k;
                }
            }
            nearest += best == y[i] ? 1 : 0;
        }
        assertTrue(nearest > 0.8 * 256, nearest + " of 256 codes nearest their class's component");
    }

    /** A 2-D Gaussian embedded linearly in 3-D, shifted and stretched: a plain autoencoder's codes may take any such shape. */
    static float[][] plane(int n) {
        GanRandom r = new GanRandom(6);
        float[][] x = new float[n][];
        for (int i = 0; i < n; i++) {
            double u = r.nextGaussian();
            double v = r.nextGaussian();
            x[i] = new float[] {(float) (2 + 1.5 * u), (float) (0.5 * v - 1), (float) (0.5 * (u - v))};
        }
        return x;
    }

    @Test
    void withAGaussianPriorTheCodesSpreadLikeTheStandardNormal() {
        GanConfig c = tiny("gaussian");
        float[][] x = plane(512);
        AaeStep s = new AaeStep(c, x, null, DataType.FLOAT);
        // The initial encoder's codes have standard deviations of 0.29 and 0.19 here.
        run(s, 0, 600);
        INDArray codes = s.autoencoder().encode(Nd4j.create(x));
        for (int d = 0; d < 2; d++) {
            double mean = codes.getColumn(d).meanNumber().doubleValue();
            double sd = codes.getColumn(d).stdNumber().doubleValue();
            assertTrue(Math.abs(mean) < 0.25 && sd > 0.75 && sd < 1.3, "code coordinate " + d + ": mean " + mean + ", sd " + sd);
        }
    }
}
