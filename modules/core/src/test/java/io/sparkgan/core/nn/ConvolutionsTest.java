package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The convolution fast path against DL4J's own layers (output, parameter and input gradients) for
 * every layout, stride and padding the project's networks use and a few it may, and whole dcgan
 * networks against finite differences, in double precision.
 */
class ConvolutionsTest {
    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** kind, in channels, out channels, input side h × w, kernel, stride, mode (Truncate with padding p). */
    static Stream<Arguments> layers() {
        return Stream.of(
                // The dcgan discriminator's two layers (4×4, stride 2, same): 28 -> 14 -> 7.
                Arguments.of("conv", 1, 3, 28, 28, 4, 4, 2, 2, "same", 0),
                Arguments.of("conv", 3, 4, 14, 14, 4, 4, 2, 2, "same", 0),
                // The evaluation classifier's LeNet convolutions (5×5, stride 1, no padding).
                Arguments.of("conv", 1, 2, 12, 12, 5, 5, 1, 1, "truncate", 0),
                Arguments.of("conv", 3, 2, 9, 7, 3, 3, 1, 1, "same", 0),
                Arguments.of("conv", 2, 3, 9, 8, 3, 3, 2, 2, "truncate", 1),
                Arguments.of("conv", 2, 2, 7, 9, 3, 2, 2, 1, "same", 0),
                // The dcgan generator's transposed convolutions (4×4, stride 2, same): 7 -> 14 -> 28.
                Arguments.of("deconv", 4, 3, 7, 7, 4, 4, 2, 2, "same", 0),
                Arguments.of("deconv", 3, 1, 14, 14, 4, 4, 2, 2, "same", 0),
                Arguments.of("deconv", 2, 3, 5, 6, 3, 3, 1, 1, "same", 0),
                Arguments.of("deconv", 3, 2, 5, 5, 3, 3, 2, 2, "truncate", 1),
                Arguments.of("deconv", 2, 2, 4, 5, 4, 4, 2, 2, "truncate", 1));
    }

    private static MultiLayerNetwork single(String kind, int in, int out, int h, int w, int kh, int kw, int sh, int sw, String mode, int pad, boolean leaky) {
        ConvolutionMode m = mode.equals("same") ? ConvolutionMode.Same : ConvolutionMode.Truncate;
        // 0.25: libnd4j's leaky ReLU takes its slope as a float, so 0.2 would differ from ours by 3e-9 relative.
        org.nd4j.linalg.activations.IActivation a = leaky ? new ActivationLReLU(0.25) : new ActivationIdentity();
        ConvolutionLayer layer = kind.equals("conv")
                ? new ConvolutionLayer.Builder(kh, kw).stride(sh, sw).padding(pad, pad).convolutionMode(m).nIn(in).nOut(out).activation(a).build()
                : new Deconvolution2D.Builder(kh, kw).stride(sh, sw).padding(pad, pad).convolutionMode(m).nIn(in).nOut(out).activation(a).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).miniBatch(false).list().layer(layer).setInputType(InputType.convolutional(h, w, in)).build());
        net.init();
        Backprop.prepare(net);
        net.params().assign(gaussian(7, 1, (int) net.numParams(), 0.5));
        return net;
    }

    private static INDArray image(long seed, int b, int c, int h, int w) {
        return gaussian(seed, b, c * h * w, 1.0).reshape('c', b, c, h, w);
    }

    @ParameterizedTest
    @MethodSource("layers")
    void matchesDl4jsLayer(String kind, int in, int out, int h, int w, int kh, int kw, int sh, int sw, String mode, int pad) {
        String what = kind + " " + in + "->" + out + " on " + h + "x" + w + ", kernel " + kh + "x" + kw + ", stride " + sh + "x" + sw + ", " + mode + " " + pad;
        MultiLayerNetwork net = single(kind, in, out, h, w, kh, kw, sh, sw, mode, pad, true);
        Layer layer = net.getLayer(0);
        assertTrue(Convolutions.handles(layer), what + ": not on the fast path");
        INDArray x = image(11, 3, in, h, w);

        Backprop.Forward f = Backprop.forward(net, x);
        assertNotNull(f.convolutions[0], what + ": the fast path was not taken");
        LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x.dup(), none);
        INDArray expected = layer.activate(true, none).dup();
        assertArrayEquals(expected.shape(), f.output().shape(), what + ": output shape");
        assertTrue(f.output().equalsWithEps(expected, 1e-10), what + ": forward differs from DL4J's layer");

        INDArray eps = gaussian(13, 1, (int) expected.length(), 1.0).reshape('c', expected.shape());
        Pair<Gradient, INDArray> ours = Backprop.backward(f, eps, true, true);
        INDArray ourParams = ours.getFirst().gradient().dup();
        INDArray ourInput = ours.getSecond().dup();
        Pair<Gradient, INDArray> theirs = layer.backpropGradient(eps.dup(), none);
        assertTrue(ourInput.equalsWithEps(theirs.getSecond(), 1e-10), what + ": input gradient differs from DL4J's");
        assertTrue(ourParams.ravel().equalsWithEps(net.getFlattenedGradients().ravel(), 1e-10), what + ": parameter gradient differs from DL4J's");
        assertEquals(theirs.getFirst().gradientForVariable().keySet().stream().map(k -> "0_" + k).toList(),
                ours.getFirst().gradientForVariable().keySet().stream().toList(), what + ": gradient entries and their order");
    }

    @ParameterizedTest
    @MethodSource("layers")
    void matchesFiniteDifferences(String kind, int in, int out, int h, int w, int kh, int kw, int sh, int sw, String mode, int pad) {
        MultiLayerNetwork net = single(kind, in, out, h, w, kh, kw, sh, sw, mode, pad, false);
        INDArray x = image(17, 2, in, h, w);
        Backprop.Forward f = Backprop.forward(net, x);
        INDArray weights = gaussian(19, 1, (int) f.output().length(), 1.0).reshape('c', f.output().shape());
        Pair<Gradient, INDArray> g = Backprop.backward(f, weights, true, true);
        INDArray params = g.getFirst().gradient().dup();
        INDArray input = g.getSecond().dup();
        java.util.function.Supplier<Double> loss = () -> Backprop.forward(net, x).output().mul(weights).sumNumber().doubleValue();
        double paramErr = scaledError(params, numericGradient(net.params(), loss));
        double inputErr = scaledError(input, numericGradient(x, loss));
        assertTrue(paramErr < 1e-7, kind + ": parameter gradient differs from finite differences by " + paramErr);
        assertTrue(inputErr < 1e-7, kind + ": input gradient differs from finite differences by " + inputErr);
    }

    /**
     * max |analytic − numeric| over max |numeric|: a linear layer's central differences are exact up
     * to rounding, which is large relative to an entry near zero but not to the gradient's scale.
     */
    private static double scaledError(INDArray analytic, double[] numeric) {
        double[] a = analytic.ravel().toDoubleVector();
        assertEquals(numeric.length, a.length);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - numeric[i]));
            scale = Math.max(scale, Math.abs(numeric[i]));
        }
        assertTrue(scale > 0, "the gradient is zero everywhere");
        return worst / scale;
    }

    @Test
    void onlyTheRequestedGradientsAreComputed() {
        MultiLayerNetwork net = single("conv", 2, 3, 8, 8, 3, 3, 2, 2, "same", 0, true);
        Backprop.Forward f = Backprop.forward(net, image(3, 2, 2, 8, 8));
        net.getFlattenedGradients().assign(7.0);
        Pair<Gradient, INDArray> g = Backprop.backward(f, Nd4j.ones(DataType.DOUBLE, f.output().shape()), false, true);
        assertNull(g.getFirst());
        assertNotNull(g.getSecond());
        assertEquals(7.0 * net.numParams(), net.getFlattenedGradients().sumNumber().doubleValue(), 0.0, "parameter gradients were written");
        assertNull(Backprop.backward(f, Nd4j.ones(DataType.DOUBLE, f.output().shape()), true, false).getSecond());
    }

    /**
     * The dcgan networks end to end: each convolution on the fast path, batch normalisation and the
     * activation layers through DL4J, the preprocessors between; every trainable parameter and the
     * input against finite differences of the training-mode forward pass.
     */
    @Test
    void dcganNetworksMatchFiniteDifferences() {
        MultiLayerNetwork d = Networks.discriminator(NetworkSpec.parse("dcgan:3,4:leakyrelu"), 784, 1, new Sgd(0.1), 3, DataType.DOUBLE);
        checkNetwork("discriminator", d, gaussian(5, 2, 784, 1.0));
        MultiLayerNetwork g = Networks.generator(NetworkSpec.parse("dcgan:4,3:relu:tanh"), 5, 784, new Sgd(0.1), 3, DataType.DOUBLE);
        checkNetwork("generator", g, gaussian(6, 3, 5, 1.0));
    }

    private static void checkNetwork(String what, MultiLayerNetwork net, INDArray x) {
        Backprop.prepare(net);
        int fast = 0;
        for (int i = 0; i < net.getnLayers(); i++) {
            fast += Convolutions.handles(net.getLayer(i)) ? 1 : 0;
        }
        assertEquals(2, fast, what + ": both convolutions on the fast path");
        Backprop.Forward f = Backprop.forward(net, x);
        INDArray weights = gaussian(8, 1, (int) f.output().length(), 1.0).reshape('c', f.output().shape());
        Pair<Gradient, INDArray> g = Backprop.backward(f, weights, true, true);
        INDArray input = g.getSecond().dup();
        double[] analytic = g.getFirst().gradient().dup().toDoubleVector();
        java.util.function.Supplier<Double> loss = () -> Backprop.forward(net, x).output().mul(weights).sumNumber().doubleValue();
        // Over the flattened parameters: a per-table view of an 'f'-ordered weight cannot be perturbed through a reshape.
        double[] numeric = numericGradient(net.params(), loss);
        int offset = 0;
        for (int i = 0; i < net.getnLayers(); i++) {
            for (Map.Entry<String, INDArray> p : net.getLayer(i).paramTable().entrySet()) {
                int n = (int) p.getValue().length();
                if (p.getKey().equals("mean") || p.getKey().equals("var") || p.getKey().equals("log10stdev")) {
                    // batch normalisation's running statistics: not trained by gradient, and unused in training mode
                    java.util.Arrays.fill(analytic, offset, offset + n, 0.0);
                    java.util.Arrays.fill(numeric, offset, offset + n, 0.0);
                }
                offset += n;
            }
        }
        assertEquals(net.numParams(), offset);
        double err = scaledError(Nd4j.createFromArray(analytic), numeric);
        assertTrue(err < 1e-7, what + ": parameter gradient differs from finite differences by " + err);
        double inputErr = scaledError(input, numericGradient(x, loss));
        assertTrue(inputErr < 1e-7, what + ": input gradient differs from finite differences by " + inputErr);
    }
}
