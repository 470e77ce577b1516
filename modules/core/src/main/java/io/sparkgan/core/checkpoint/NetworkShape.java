package io.sparkgan.core.checkpoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Whether a restored network can stand in for the one a configuration builds. A restored network
 * is used as it is (its own layer configuration comes with it), so a checkpoint of another run
 * (other widths, another data dimension, another objective's discriminator head) would otherwise
 * be trained on silently or fail deep inside ND4J.
 */
public final class NetworkShape {
    private NetworkShape() {}

    /**
     * The widths through the network, e.g. {@code 4-16-16-2}: the first layer's input, then every
     * layer's output (channels for convolutions; layers without weights are left out).
     */
    public static String describe(MultiLayerNetwork net) {
        List<String> widths = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer l = net.getLayerWiseConfigurations().getConf(i).getLayer();
            if (l instanceof FeedForwardLayer f && net.getLayer(i).numParams() > 0) {
                if (widths.isEmpty()) {
                    widths.add(String.valueOf(f.getNIn()));
                }
                widths.add(String.valueOf(f.getNOut()));
            }
        }
        return String.join("-", widths);
    }

    /**
     * Empty when {@code found} has exactly the parameter shapes of {@code expected}; otherwise what
     * differs, e.g. {@code its generator is 6-16-2 but this configuration builds 4-16-2}.
     *
     * @param role what the network is, e.g. "generator"
     */
    public static Optional<String> mismatch(String role, MultiLayerNetwork expected, MultiLayerNetwork found) {
        Map<String, INDArray> want = expected.paramTable();
        Map<String, INDArray> got = found.paramTable();
        boolean same = want.keySet().equals(got.keySet());
        for (String k : want.keySet()) {
            same = same && Arrays.equals(want.get(k).shape(), got.get(k).shape());
        }
        if (same) {
            return Optional.empty();
        }
        String a = describe(found);
        String b = describe(expected);
        return Optional.of(a.equals(b)
                ? "its " + role + "'s layers differ from the ones this configuration builds (" + b + ", parameters " + shapes(want) + " against " + shapes(got) + ")"
                : "its " + role + " is " + a + " but this configuration builds " + b);
    }

    private static String shapes(Map<String, INDArray> params) {
        List<String> out = new ArrayList<>();
        params.forEach((k, v) -> out.add(k + Arrays.toString(v.shape())));
        return String.join(" ", out);
    }
}
