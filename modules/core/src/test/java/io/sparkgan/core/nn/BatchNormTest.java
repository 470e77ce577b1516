package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Batch normalisation on the fast path against DL4J's own layer: the training-mode output, the
 * input gradient, γ's and β's gradients, the running statistics' updates (the "gradients" DL4J's
 * no-op updater applies), and the parameters after a step through DL4J's updater, on feature
 * vectors and on NCHW images, with and without the log-σ parametrisation.
 */
class BatchNormTest {
    private static MultiLayerNetwork bn(DataType t, boolean image, boolean logStd) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(t).updater(new Adam(0.05))
                .miniBatch(false).list()
                .layer(new BatchNormalization.Builder().useLogStd(logStd).decay(0.8).build())
                .setInputType(image ? InputType.convolutional(5, 4, 3) : InputType.feedForward(7)).build());
        net.init();
        Backprop.prepare(net);
        // Non-trivial γ, β and running statistics, so every term of every formula matters.
        INDArray p = net.params();
        p.assign(gaussian(5, 1, (int) p.length(), 0.3).castTo(t).addi(1.0));
        return net;
    }

    @ParameterizedTest
    @CsvSource({"DOUBLE, false, true", "DOUBLE, true, true", "DOUBLE, true, false", "FLOAT, true, true"})
    void matchesDl4jsLayer(String type, boolean image, boolean logStd) {
        DataType t = DataType.valueOf(type);
        MultiLayerNetwork ours = bn(t, image, logStd);
        MultiLayerNetwork dl4j = bn(t, image, logStd);
        Layer layer = dl4j.getLayer(0);
        assertTrue(BatchNorm.handles(ours.getLayer(0)));
        INDArray x = gaussian(7, 6, image ? 60 : 7, 2.0).castTo(t).addi(0.5);
        if (image) {
            x = x.reshape('c', 6, 3, 5, 4);
        }
        double tol = t == DataType.DOUBLE ? 1e-10 : 2e-5;
        INDArray before = dl4j.params().dup();

        Backprop.Forward f = Backprop.forward(ours, x);
        assertNotNull(f.batchNorms[0], "the fast path was not taken");
        LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x.dup(), none);
        INDArray expected = layer.activate(true, none).dup();
        assertTrue(f.output().equalsWithEps(expected, tol), "forward differs from DL4J's layer");
        assertEquals(before, dl4j.params(), "DL4J's forward pass changed its parameters");
        assertEquals(before, ours.params(), "our forward pass changed the parameters");

        INDArray eps = gaussian(9, 1, (int) expected.length(), 1.0).castTo(t).reshape('c', expected.shape());
        Pair<Gradient, INDArray> g = Backprop.backward(f, eps, true, true);
        Pair<Gradient, INDArray> theirs = layer.backpropGradient(eps.dup(), none);
        assertTrue(g.getSecond().equalsWithEps(theirs.getSecond(), tol), "input gradient differs from DL4J's");
        for (String key : theirs.getFirst().gradientForVariable().keySet()) {
            INDArray mine = g.getFirst().getGradientFor("0_" + key);
            assertNotNull(mine, key);
            assertTrue(mine.reshape(mine.length()).equalsWithEps(theirs.getFirst().getGradientFor(key).reshape(mine.length()), tol),
                    key + " gradient differs from DL4J's: " + mine + " vs " + theirs.getFirst().getGradientFor(key));
        }
        // One step through DL4J's updater on each side: the running statistics move identically.
        Backprop.apply(ours, g.getFirst(), 6);
        dl4j.getUpdater().update(dl4j, new org.deeplearning4j.nn.gradient.DefaultGradient(dl4j.getFlattenedGradients()), 0, 0, 6, none);
        dl4j.params().subi(dl4j.getFlattenedGradients().reshape(dl4j.params().shape()));
        assertTrue(ours.params().equalsWithEps(dl4j.params(), tol * 10), "parameters after a step differ from DL4J's");
    }
}
