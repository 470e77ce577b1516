package io.sparkgan.core.nn;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two DL4J moves every GAN operation is made of: a training-mode forward pass that keeps each
 * layer's input, and a backward pass of an external gradient followed by one optimizer step.
 *
 * <p>The layers are driven one by one (preprocessor, then layer), as {@code MultiLayerNetwork} does
 * internally, rather than through {@code feedForward}/{@code backpropGradient}: those refuse to run
 * inside an outer workspace, and running the whole iteration inside one ({@link IterationScope}) is
 * what keeps memory reuse, and so speed, under control. Outside any workspace the same code allocates
 * plainly (tests, inference helpers).
 */
public final class Backprop {
    private Backprop() {}

    /**
     * Creates the gradient buffer and the optimizer state that DL4J would otherwise create lazily on
     * the first update, which would place them inside a temporary workspace. Call outside any
     * workspace, before training.
     */
    public static MultiLayerNetwork prepare(MultiLayerNetwork net) {
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (net.getFlattenedGradients() == null) {
                net.initGradientsView();
            }
            net.getUpdater(true);
        }
        return net;
    }

    /** Training-mode forward pass; each layer keeps its input for {@link #backward}. */
    public static INDArray forward(MultiLayerNetwork net, INDArray x) {
        LayerWorkspaceMgr mgr = workspaceMgr();
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        long batch = x.size(0);
        INDArray cur = x;
        for (int i = 0; i < net.getnLayers(); i++) {
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null) {
                cur = pre.preProcess(cur, (int) batch, mgr);
            }
            Layer layer = net.getLayer(i);
            layer.setInput(cur, mgr);
            cur = layer.activate(true, mgr);
        }
        net.setInput(x);
        return cur;
    }

    /**
     * Backpropagates {@code outputGrad} (d loss / d output of the last {@link #forward}).
     *
     * @return the parameter gradient (backed by the network's flattened gradient buffer) and
     *     d loss / d input
     */
    public static Pair<Gradient, INDArray> backward(MultiLayerNetwork net, INDArray outputGrad) {
        LayerWorkspaceMgr mgr = workspaceMgr();
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        long batch = outputGrad.size(0);
        Gradient gradient = new DefaultGradient(net.getFlattenedGradients());
        Deque<Object[]> entries = new ArrayDeque<>();
        INDArray eps = outputGrad;
        for (int i = net.getnLayers() - 1; i >= 0; i--) {
            Pair<Gradient, INDArray> p = net.getLayer(i).backpropGradient(eps, mgr);
            for (Map.Entry<String, INDArray> e : p.getFirst().gradientForVariable().entrySet()) {
                entries.addFirst(new Object[] {i + "_" + e.getKey(), e.getValue(), p.getFirst().flatteningOrderForVariable(e.getKey())});
            }
            eps = p.getSecond();
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null) {
                eps = pre.backprop(eps, (int) batch, mgr);
            }
        }
        // The updater walks gradients in layer order, as MultiLayerNetwork builds them.
        for (Object[] e : entries) {
            gradient.setGradientFor((String) e[0], (INDArray) e[1], (Character) e[2]);
        }
        return Pair.of(gradient, eps);
    }

    /**
     * One optimizer step with {@code gradient}, the gradient of the loss to minimise. The step count
     * lives in the network's configuration, so Adam's bias correction survives a checkpoint.
     */
    public static void apply(MultiLayerNetwork net, Gradient gradient, int batchSize) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        int step = conf.getIterationCount();
        net.getUpdater().update(net, gradient, step, conf.getEpochCount(), batchSize, workspaceMgr());
        // The updater turned the gradient (in place) into the parameter update.
        net.params().subi(gradient.gradient());
        conf.setIterationCount(step + 1);
    }

    /** Every array type in the active workspace (an {@link IterationScope}), or no workspaces at all. */
    static LayerWorkspaceMgr workspaceMgr() {
        MemoryWorkspace ws = Nd4j.getMemoryManager().getCurrentWorkspace();
        if (ws == null) {
            return LayerWorkspaceMgr.noWorkspaces();
        }
        LayerWorkspaceMgr.Builder b = LayerWorkspaceMgr.builder();
        for (ArrayType t : ArrayType.values()) {
            // The updater opens its working memory itself, so it needs a workspace that is not open yet.
            b.with(t, t == ArrayType.UPDATER_WORKING_MEM ? ws.getId() + "-updater" : ws.getId(), ws.getWorkspaceConfiguration());
        }
        return b.build();
    }
}
