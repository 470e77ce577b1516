package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Max pooling on the fast path against DL4J's {@code SubsamplingLayer} (output and input gradient)
 * and against finite differences, for the 2×2/2 window the classifier uses (its branch-free loop),
 * overlapping windows and sides that do not divide, in float and double.
 */
class PoolingTest {
    private static MultiLayerNetwork pool(DataType t, int c, int h, int w, int k, int s) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(t).updater(new Sgd(0.1)).list()
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(k, k).stride(s, s).build())
                .setInputType(InputType.convolutional(h, w, c)).build());
        net.init();
        return net;
    }

    @ParameterizedTest
    @CsvSource({"FLOAT, 3, 24, 24, 2, 2", "DOUBLE, 2, 8, 8, 2, 2", "DOUBLE, 2, 9, 7, 2, 2", "DOUBLE, 2, 9, 9, 3, 2", "FLOAT, 3, 7, 6, 3, 1"})
    void matchesDl4jAndFiniteDifferences(String type, int c, int h, int w, int k, int s) {
        DataType t = DataType.valueOf(type);
        MultiLayerNetwork net = pool(t, c, h, w, k, s);
        Layer layer = net.getLayer(0);
        assertTrue(Pooling.handles(layer));
        INDArray x = gaussian(21, 3, c * h * w, 1.0).castTo(t).reshape('c', 3, c, h, w);
        Backprop.Forward f = Backprop.forward(net, x);
        assertNotNull(f.pooled[0], "the fast path was not taken");
        LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x.dup(), none);
        INDArray expected = layer.activate(true, none).dup();
        assertArrayEquals(expected.shape(), f.output().shape());
        assertTrue(f.output().equalsWithEps(expected, 0.0), "forward differs from DL4J's");

        INDArray eps = gaussian(23, 1, (int) expected.length(), 1.0).castTo(t).reshape('c', expected.shape());
        INDArray ours = Backprop.backward(f, eps, false, true).getSecond().dup();
        Pair<Gradient, INDArray> theirs = layer.backpropGradient(eps.dup(), none);
        assertTrue(ours.equalsWithEps(theirs.getSecond(), 1e-6), "input gradient differs from DL4J's");
        if (t == DataType.DOUBLE) {
            double[] numeric = numericGradient(x, () -> Backprop.forward(net, x).output().mul(eps).sumNumber().doubleValue());
            assertTrue(Nd4j.createFromArray(numeric).reshape(ours.shape()).equalsWithEps(ours, 1e-6), "input gradient differs from finite differences");
        }
    }
}
