package io.sparkgan.core.nn;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The matrix products {@link Backprop} performs for a pass through a network, read off the network
 * itself: what {@code sparkgan bench} times on their own to say which fraction of the machine's
 * GEMM speed an iteration keeps. Only the products the pass really computes are listed (no weight
 * gradients in a feedback pass, no input gradient of the first layer in a training step), so the
 * fraction is not flattered by work that is never done. Layers off the fast path (batch
 * normalisation, pooling) perform no GEMM of ours and are not listed.
 */
public final class FastPathGemms {
    private FastPathGemms() {}

    /** C[m×n] = A[m×k]·B[k×n]. */
    public record Product(String what, long m, long k, long n) {
        public double flops() {
            return 2.0 * m * k * n;
        }
    }

    /**
     * The products of a forward pass of {@code rows} samples through {@code net}, then (if asked) the
     * backward pass's parameter gradients and input gradients.
     *
     * @param oneRow one input row, to learn each layer's input shape
     */
    public static List<Product> pass(String name, MultiLayerNetwork net, INDArray oneRow, long rows, boolean paramGradients, boolean inputGradient) {
        Backprop.Forward f = IterationScope.run("fast-path-gemms", () -> Backprop.forward(net, oneRow));
        List<Product> out = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer layer = net.getLayer(i);
            String what = name + " layer " + i;
            boolean dx = inputGradient || i > 0;
            if (Backprop.isPlainDense(layer) && f.preActivations[i] != null) {
                INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
                long in = w.size(0);
                long outs = w.size(1);
                out.add(new Product(what + " dense fwd", rows, in, outs));
                if (paramGradients) {
                    out.add(new Product(what + " dense dW", in, rows, outs));
                }
                if (dx) {
                    out.add(new Product(what + " dense dx", rows, outs, in));
                }
            } else if (f.convolutions[i] != null) {
                Convolutions.Geometry g = f.convolutions[i].geometry();
                long channels = layer.getParam(org.deeplearning4j.nn.params.ConvolutionParamInitializer.WEIGHT_KEY).size(0);
                long cols = rows * g.positions();
                // The unfolded matrix is [b·P, patch]; see Convolutions.forward and backward.
                if (!Convolutions.isTransposed(layer)) {
                    out.add(new Product(what + " conv fwd", cols, g.patch(), channels));
                    if (paramGradients) {
                        out.add(new Product(what + " conv dW", channels, cols, g.patch()));
                    }
                    if (dx) {
                        out.add(new Product(what + " conv dx", cols, channels, g.patch()));
                    }
                } else {
                    out.add(new Product(what + " deconv fwd", cols, channels, g.patch()));
                    if (paramGradients) {
                        out.add(new Product(what + " deconv dW", channels, cols, g.patch()));
                    }
                    if (dx) {
                        out.add(new Product(what + " deconv dx", cols, g.patch(), channels));
                    }
                }
            }
        }
        return out;
    }
}
