package io.sparkgan.core.nn;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The two DL4J moves every GAN operation is made of: a training-mode forward pass that keeps each
 * layer's input, and a backward pass of an external gradient followed by one optimizer step.
 *
 * <p>DL4J pitfall (design.md §3): {@code feedForward(x, true)} clears the layer inputs that
 * {@code backpropGradient} needs, so the input is set first and {@code feedForward(true, false)} is
 * used.
 */
public final class Backprop {
    private Backprop() {}

    /** Training-mode forward pass; the network keeps its activations for {@link #backward}. */
    public static INDArray forward(MultiLayerNetwork net, INDArray x) {
        net.setInput(x);
        List<INDArray> activations = net.feedForward(true, false);
        return activations.get(activations.size() - 1);
    }

    /**
     * Backpropagates {@code outputGrad} (d loss / d output of the last forward pass).
     *
     * @return the parameter gradient (a view of the network's flattened gradient) and d loss / d input
     */
    public static Pair<Gradient, INDArray> backward(MultiLayerNetwork net, INDArray outputGrad) {
        return net.backpropGradient(outputGrad, LayerWorkspaceMgr.noWorkspaces());
    }

    /**
     * One optimizer step with {@code gradient}, the gradient of the loss to minimise. The step count
     * lives in the network's configuration, so Adam's bias correction survives a checkpoint.
     */
    public static void apply(MultiLayerNetwork net, Gradient gradient, int batchSize) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        int step = conf.getIterationCount();
        net.getUpdater().update(net, gradient, step, conf.getEpochCount(), batchSize, LayerWorkspaceMgr.noWorkspaces());
        // The updater turned the gradient (in place) into the parameter update.
        net.params().subi(gradient.gradient());
        conf.setIterationCount(step + 1);
    }
}
