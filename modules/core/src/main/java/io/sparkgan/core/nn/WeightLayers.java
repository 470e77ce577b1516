package io.sparkgan.core.nn;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The layers a reparameterisation of D's weights acts on ({@link SpectralNorm}, {@link WeightNorm}):
 * every dense and convolution layer, with its weight (a live view of the network's parameters) and
 * the slice of a flattened gradient that holds that weight's gradient. Biases and other layers
 * (batch normalisation, activations) are left alone.
 */
final class WeightLayers {
    /** Indices of the layers in the network. */
    final int[] layers;
    /** Whether each is dense (weight [nIn, nOut]) rather than a convolution ([out, in, kh, kw]). */
    final boolean[] dense;
    /** Offset of each layer's parameters in the flattened parameters. */
    private final long[] offsets;

    WeightLayers(MultiLayerNetwork net) {
        List<Integer> found = new ArrayList<>();
        Layer[] all = net.getLayers();
        for (int i = 0; i < all.length; i++) {
            Class<?> c = all[i].conf().getLayer().getClass();
            if (c == DenseLayer.class || c == ConvolutionLayer.class) {
                found.add(i);
            }
        }
        int n = found.size();
        layers = found.stream().mapToInt(Integer::intValue).toArray();
        dense = new boolean[n];
        offsets = new long[n];
        for (int j = 0; j < n; j++) {
            int l = layers[j];
            dense[j] = all[l].conf().getLayer().getClass() == DenseLayer.class;
            long off = 0;
            for (int i = 0; i < l; i++) {
                off += all[i].numParams();
            }
            offsets[j] = off;
        }
    }

    int size() {
        return layers.length;
    }

    /** Layer {@code j}'s weight, live. */
    INDArray weight(MultiLayerNetwork net, int j) {
        return net.getLayer(layers[j]).getParam(DefaultParamInitializer.WEIGHT_KEY);
    }

    /** Layer {@code j}'s weight gradient within {@code gradient} (laid out as the flattened parameters), a view in the weight's shape. */
    INDArray weightGradient(MultiLayerNetwork net, INDArray gradient, int j) {
        Layer layer = net.getLayer(layers[j]);
        INDArray flat = gradient.reshape(1, gradient.length());
        INDArray slice = flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(offsets[j], offsets[j] + layer.numParams()));
        return layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(), slice).get(DefaultParamInitializer.WEIGHT_KEY);
    }

    /** Puts {@code raw} (one array per layer, kept by the caller) back into the weights. */
    void restore(MultiLayerNetwork net, INDArray[] raw) {
        for (int j = 0; j < layers.length; j++) {
            weight(net, j).assign(raw[j]);
        }
    }
}
