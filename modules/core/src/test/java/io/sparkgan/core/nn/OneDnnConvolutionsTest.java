package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The oneDNN route of the convolution fast path against the unfold plus GEMM (itself checked against
 * DL4J's layers and finite differences in double, {@code ConvolutionsTest}), in float, the only
 * precision oneDNN computes in: the output, every parameter gradient and the input gradient, for
 * the layouts, strides and paddings the route takes. The tests run on nd4j-native's generic oneDNN
 * build (the root pom's test argLine), so the route is really taken.
 */
class OneDnnConvolutionsTest {
    @AfterEach
    void routeOn() {
        Backprop.useOneDnn(true);
    }

    /** kind, in channels, out channels, input side, kernel, stride, mode (Truncate with padding p), bias. */
    static Stream<Arguments> layers() {
        return Stream.of(
                // The dcgan discriminator's second layer (4×4, stride 2, same) and generator's first transposed one.
                Arguments.of("conv", 32, 8, 14, 4, 2, "same", 0, true),
                Arguments.of("deconv", 32, 8, 7, 4, 2, "same", 0, true),
                Arguments.of("conv", 32, 6, 12, 5, 1, "truncate", 0, true),
                Arguments.of("conv", 32, 5, 9, 3, 2, "truncate", 1, false),
                Arguments.of("conv", 32, 4, 8, 3, 1, "same", 0, true),
                Arguments.of("deconv", 32, 3, 5, 3, 2, "truncate", 1, true),
                Arguments.of("deconv", 32, 4, 6, 3, 1, "same", 0, false));
    }

    private static MultiLayerNetwork single(String kind, int in, int out, int h, int k, int s, String mode, int pad, boolean bias) {
        ConvolutionMode m = mode.equals("same") ? ConvolutionMode.Same : ConvolutionMode.Truncate;
        ConvolutionLayer layer = kind.equals("conv")
                ? new ConvolutionLayer.Builder(k, k).stride(s, s).padding(pad, pad).convolutionMode(m).nIn(in).nOut(out)
                        .hasBias(bias).activation(new ActivationLReLU(0.25)).build()
                : new Deconvolution2D.Builder(k, k).stride(s, s).padding(pad, pad).convolutionMode(m).nIn(in).nOut(out)
                        .hasBias(bias).activation(new ActivationLReLU(0.25)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .updater(new Sgd(0.1)).miniBatch(false).list().layer(layer).setInputType(InputType.convolutional(h, h, in)).build());
        net.init();
        Backprop.prepare(net);
        net.params().assign(gaussian(7, 1, (int) net.numParams(), 0.5).castTo(DataType.FLOAT));
        return net;
    }

    private record Pass(INDArray output, INDArray params, INDArray input, boolean oneDnn) {}

    private static Pass pass(MultiLayerNetwork net, INDArray x, boolean oneDnn) {
        Backprop.useOneDnn(oneDnn);
        Backprop.Forward f = Backprop.forward(net, x);
        INDArray eps = gaussian(13, 1, (int) f.output().length(), 1.0).castTo(DataType.FLOAT).reshape('c', f.output().shape());
        Pair<Gradient, INDArray> g = Backprop.backward(f, eps, true, true);
        return new Pass(f.output().dup(), g.getFirst().gradient().dup(), g.getSecond().dup(), f.convolutions[0].oneDnn());
    }

    /** max |a − b| over max |b|: float sums over a few hundred products agree to a few 1e-7 of their scale. */
    private static double scaledError(INDArray a, INDArray b) {
        assertArrayEquals(b.shape(), a.shape());
        return a.sub(b).amaxNumber().doubleValue() / b.amaxNumber().doubleValue();
    }

    @Test
    void theTestsRunOnABuildWithOneDnn() {
        assertTrue(Backprop.oneDnnAvailable(), "the core tests load nd4j-native's -onednn build (root pom argLine): the route would go untested");
    }

    @ParameterizedTest
    @MethodSource("layers")
    void matchesTheUnfoldPlusGemm(String kind, int in, int out, int h, int k, int s, String mode, int pad, boolean bias) {
        String what = kind + " " + in + "->" + out + " on " + h + "x" + h + ", kernel " + k + ", stride " + s + ", " + mode + " " + pad + (bias ? "" : ", no bias");
        MultiLayerNetwork net = single(kind, in, out, h, k, s, mode, pad, bias);
        INDArray x = gaussian(11, 3, in * h * h, 1.0).castTo(DataType.FLOAT).reshape('c', 3, in, h, h);
        Pass unfold = pass(net, x, false);
        Pass oneDnn = pass(net, x, true);
        assertFalse(unfold.oneDnn(), what + ": the route was off");
        assertTrue(oneDnn.oneDnn(), what + ": oneDNN was not taken");
        assertTrue(scaledError(oneDnn.output(), unfold.output()) < 1e-5, what + ": output differs by " + scaledError(oneDnn.output(), unfold.output()));
        assertTrue(scaledError(oneDnn.params(), unfold.params()) < 1e-5, what + ": parameter gradient differs by " + scaledError(oneDnn.params(), unfold.params()));
        assertTrue(scaledError(oneDnn.input(), unfold.input()) < 1e-5, what + ": input gradient differs by " + scaledError(oneDnn.input(), unfold.input()));
        // Twice the same: oneDNN on one thread is deterministic, so runs stay reproducible.
        Pass again = pass(net, x, true);
        assertEquals(oneDnn.params(), again.params(), what + ": a second pass differs");
        assertEquals(oneDnn.output(), again.output(), what + ": a second forward pass differs");
    }

    @Test
    void staysOnTheUnfoldWhereOneDnnMeasuredSlowerOrCannot() {
        INDArray x1 = gaussian(3, 2, 28 * 28, 1.0).castTo(DataType.FLOAT).reshape('c', 2, 1, 28, 28);
        // One input channel (the dcgan discriminator's first layer): the unfold is small, oneDNN's reorders dominate.
        assertFalse(pass(single("conv", 1, 8, 28, 4, 2, "same", 0, true), x1, true).oneDnn(), "1 input channel");
        // The evaluation classifier's second layer (20 input channels) stays too, so its training is unchanged.
        INDArray x20 = gaussian(3, 2, 20 * 144, 1.0).castTo(DataType.FLOAT).reshape('c', 2, 20, 12, 12);
        assertFalse(pass(single("conv", 20, 6, 12, 5, 1, "truncate", 0, true), x20, true).oneDnn(), "the classifier's 20 input channels");
        // "Same" transposed convolution with asymmetric padding (k − s odd): libnd4j's deconv2d takes oneDNN only with explicit padding.
        INDArray x32 = gaussian(3, 2, 32 * 25, 1.0).castTo(DataType.FLOAT).reshape('c', 2, 32, 5, 5);
        assertFalse(pass(single("deconv", 32, 4, 5, 3, 2, "same", 0, true), x32, true).oneDnn(), "asymmetric same padding");
        // Double precision (every finite-difference test): oneDNN computes in float only.
        MultiLayerNetwork dbl = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nIn(32).nOut(2).build()).setInputType(InputType.convolutional(6, 6, 32)).build());
        dbl.init();
        Backprop.prepare(dbl);
        Backprop.useOneDnn(true);
        assertFalse(Backprop.forward(dbl, Nd4j.rand(DataType.DOUBLE, 2, 32, 6, 6)).convolutions[0].oneDnn(), "double precision");
    }

    @Test
    void theFeedbackPassTakesOnlyTheInputGradient() {
        // MD-GAN's feedback: D frozen, only d loss / d x; the route leaves it to one GEMM and the fold.
        MultiLayerNetwork net = single("conv", 32, 8, 14, 4, 2, "same", 0, true);
        INDArray x = gaussian(11, 2, 32 * 14 * 14, 1.0).castTo(DataType.FLOAT).reshape('c', 2, 32, 14, 14);
        Pass full = pass(net, x, true);
        Backprop.Forward f = Backprop.forward(net, x);
        INDArray eps = gaussian(13, 1, (int) f.output().length(), 1.0).castTo(DataType.FLOAT).reshape('c', f.output().shape());
        Pair<Gradient, INDArray> g = Backprop.backward(f, eps, false, true);
        assertNull(g.getFirst(), "no parameter gradients were asked for");
        assertTrue(scaledError(g.getSecond(), full.input()) < 1e-5, "input gradient without parameter gradients");
    }
}
