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
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two moves every GAN operation is made of: a training-mode forward pass that keeps what the
 * backward pass needs, and a backward pass of an external gradient (followed, for a step, by one
 * optimizer update).
 *
 * <p>The layers are driven one by one (preprocessor, then layer), as {@code MultiLayerNetwork} does
 * internally, for two reasons. DL4J's {@code feedForward}/{@code backpropGradient} refuse to run
 * inside an outer workspace, and running the whole iteration inside one ({@link IterationScope}) is
 * what keeps memory reuse under control. And plain dense layers take a fast path: DL4J's dense
 * backward pass recomputes the pre-activation (one more GEMM), and always computes weight gradients,
 * which a feedback pass throws away; here the forward pass keeps the pre-activation, and the
 * backward pass computes only what is asked for. Its activations are {@link DenseActivations},
 * which avoid DL4J's slow element-wise kernels; activation layers use the same kernels.
 * Convolutions and transposed convolutions take {@link Convolutions}, which keeps the unfolded
 * input for the weight gradient; max pooling {@link Pooling}, which keeps where each maximum came
 * from; batch normalisation {@link BatchNorm}. Any other layer uses DL4J's own implementation.
 * Outside any workspace the same code allocates plainly.
 */
public final class Backprop {
    /**
     * Whether convolutions, pooling and batch normalisation take {@link Convolutions}, {@link Pooling}
     * and {@link BatchNorm}; off only to measure DL4J's own layers against them.
     */
    private static volatile boolean layerFastPath = true;

    private Backprop() {}

    /**
     * Routes convolutions, pooling and batch normalisation through the fast path ({@code true}, the
     * default) or DL4J's own layers, for {@code sparkgan bench} to time both in one run. Affects
     * passes started afterwards.
     */
    public static void useLayerFastPath(boolean on) {
        layerFastPath = on;
    }

    /**
     * Routes the convolutions that measured faster there through libnd4j's oneDNN kernels
     * ({@code true}, the default, where the native build has oneDNN) or keeps every convolution on
     * the unfold plus GEMM, for {@code sparkgan bench} to time both in one run. Affects passes
     * started afterwards.
     */
    public static void useOneDnn(boolean on) {
        OneDnnConvolutions.use(on);
    }

    /** Whether the loaded ND4J build has oneDNN, so that {@link #useOneDnn} has an effect. */
    public static boolean oneDnnAvailable() {
        return OneDnnConvolutions.AVAILABLE;
    }

    /**
     * What a forward pass leaves for the backward pass: each layer's input (after its
     * preprocessor) and, for fast-path dense layers, the pre-activation and the activation.
     */
    public static final class Forward {
        final MultiLayerNetwork net;
        final INDArray[] inputs;
        final INDArray[] preActivations;
        final INDArray[] activations;
        final Convolutions.Kept[] convolutions;
        final Pooling.Kept[] pooled;
        final BatchNorm.Kept[] batchNorms;
        final MinibatchDiscriminationLayer.Kept[] minibatch;
        final INDArray output;

        Forward(MultiLayerNetwork net, INDArray[] inputs, INDArray[] preActivations, INDArray[] activations,
                Convolutions.Kept[] convolutions, Pooling.Kept[] pooled, BatchNorm.Kept[] batchNorms,
                MinibatchDiscriminationLayer.Kept[] minibatch, INDArray output) {
            this.minibatch = minibatch;
            this.net = net;
            this.inputs = inputs;
            this.preActivations = preActivations;
            this.activations = activations;
            this.convolutions = convolutions;
            this.pooled = pooled;
            this.batchNorms = batchNorms;
            this.output = output;
        }

        public INDArray output() {
            return output;
        }

        public MultiLayerNetwork network() {
            return net;
        }

        /** The last layer's pre-activation (logits before a softmax), if it is on the fast path; else null. */
        public INDArray lastPreActivation() {
            return preActivations[preActivations.length - 1];
        }

        /**
         * The output of layer {@code i} (after its activation): what an objective reads when it works
         * on a hidden layer (EBGAN's codes, feature matching). Available for fast-path dense layers
         * and for any layer whose successor has no preprocessor.
         */
        public INDArray layerOutput(int i) {
            if (activations[i] != null) {
                return activations[i];
            }
            if (i + 1 < inputs.length && net.getLayerWiseConfigurations().getInputPreProcess(i + 1) == null) {
                return inputs[i + 1];
            }
            if (i == inputs.length - 1) {
                return output;
            }
            throw new IllegalArgumentException("the output of layer " + i + " is not kept by the forward pass");
        }
    }

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

    /**
     * True for a dense layer the fast path handles exactly: bias, no dropout, weight noise or layer
     * norm. An {@code OutputLayer} counts as one (its forward pass is the same); its loss is the
     * caller's, as for every network here ({@link #backwardFromPreActivation}).
     */
    static boolean isPlainDense(Layer layer) {
        if (layer instanceof org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer) {
            org.deeplearning4j.nn.conf.layers.DenseLayer c = (org.deeplearning4j.nn.conf.layers.DenseLayer) layer.conf().getLayer();
            return c.hasBias() && !c.hasLayerNorm() && c.getIDropout() == null && c.getWeightNoise() == null;
        }
        if (layer.getClass() == org.deeplearning4j.nn.layers.OutputLayer.class) {
            org.deeplearning4j.nn.conf.layers.OutputLayer c = (org.deeplearning4j.nn.conf.layers.OutputLayer) layer.conf().getLayer();
            return c.hasBias() && c.getIDropout() == null && c.getWeightNoise() == null;
        }
        return false;
    }

    /** An {@code ActivationLayer} without dropout. */
    static boolean isPlainActivationLayer(Layer layer) {
        return layer.getClass() == org.deeplearning4j.nn.layers.ActivationLayer.class
                && ((org.deeplearning4j.nn.conf.layers.ActivationLayer) layer.conf().getLayer()).getIDropout() == null;
    }

    private static IActivation activation(Layer layer) {
        return ((org.deeplearning4j.nn.conf.layers.BaseLayer) layer.conf().getLayer()).getActivationFn();
    }

    /** Training-mode forward pass. */
    public static Forward forward(MultiLayerNetwork net, INDArray x) {
        return forward(net, x, (int) x.size(0));
    }

    /**
     * Training-mode forward pass in which every batch-normalisation layer normalises all rows with
     * the mean and variance of the first {@code statisticsRows} rows of its input (virtual batch
     * normalisation: the rows of a reference batch, then the rows to generate;
     * {@link io.sparkgan.core.stabilizer.VirtualBatchNorm}). The backward pass differentiates
     * through those statistics ({@link BatchNorm}). With every row, exactly {@link #forward(MultiLayerNetwork, INDArray)}.
     *
     * @throws IllegalArgumentException when {@code statisticsRows} is outside 1..rows of {@code x}
     * @throws IllegalStateException when fewer rows than all are asked for and a batch-normalisation
     *     layer is one {@link BatchNorm} does not handle (DL4J's own layer has no such mode)
     */
    public static Forward forward(MultiLayerNetwork net, INDArray x, int statisticsRows) {
        if (statisticsRows < 1 || statisticsRows > x.size(0)) {
            throw new IllegalArgumentException("statistics rows " + statisticsRows + " are outside 1.." + x.size(0));
        }
        boolean virtual = statisticsRows < x.size(0);
        LayerWorkspaceMgr mgr = workspaceMgr();
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        int n = net.getnLayers();
        INDArray[] inputs = new INDArray[n];
        INDArray[] pre = new INDArray[n];
        INDArray[] act = new INDArray[n];
        Convolutions.Kept[] conv = new Convolutions.Kept[n];
        Pooling.Kept[] pooled = new Pooling.Kept[n];
        BatchNorm.Kept[] norms = new BatchNorm.Kept[n];
        MinibatchDiscriminationLayer.Kept[] minibatch = new MinibatchDiscriminationLayer.Kept[n];
        long batch = x.size(0);
        INDArray cur = x;
        GaussianNoise.Pass noise = GaussianNoise.pass(net);
        for (int i = 0; i < n; i++) {
            InputPreProcessor p = conf.getInputPreProcess(i);
            if (p != null) {
                cur = p.preProcess(cur, (int) batch, mgr);
            }
            Layer layer = net.getLayer(i);
            if (noise != null) {
                cur = noise.apply(i, layer, cur);
            }
            inputs[i] = cur;
            if (isPlainDense(layer)) {
                INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
                INDArray z = Nd4j.createUninitialized(w.dataType(), batch, w.size(1));
                Gemm.gemm(cur, w, z, false, false, 1.0, 0.0);
                z.addiRowVector(layer.getParam(DefaultParamInitializer.BIAS_KEY));
                pre[i] = z;
                act[i] = DenseActivations.forward(activation(layer), z);
                cur = act[i];
            } else if (layerFastPath && cur.rank() == 4 && Convolutions.handles(layer)) {
                conv[i] = Convolutions.forward(layer, cur);
                pre[i] = conv[i].preActivation();
                act[i] = DenseActivations.forward(activation(layer), pre[i]);
                cur = act[i];
            } else if (layerFastPath && cur.rank() == 4 && Pooling.handles(layer)) {
                Pair<INDArray, Pooling.Kept> max = Pooling.forward(layer, cur);
                pooled[i] = max.getSecond();
                act[i] = max.getFirst();
                cur = act[i];
            } else if (isPlainActivationLayer(layer)) {
                // An activation on its own: the same kernels as a dense layer's, input kept as the pre-activation.
                pre[i] = cur;
                act[i] = DenseActivations.forward(((org.deeplearning4j.nn.conf.layers.ActivationLayer) layer.conf().getLayer()).getActivationFn(), cur);
                cur = act[i];
            } else if ((layerFastPath || virtual) && (cur.rank() == 2 || cur.rank() == 4) && BatchNorm.handles(layer)) {
                // Virtual batch normalisation exists only here, so it takes this path even when DL4J's layers are being timed.
                Pair<INDArray, BatchNorm.Kept> normed = virtual ? BatchNorm.forward(layer, cur, statisticsRows) : BatchNorm.forward(layer, cur);
                norms[i] = normed.getSecond();
                act[i] = normed.getFirst();
                cur = act[i];
            } else if (cur.rank() == 2 && MinibatchDiscriminationLayer.handles(layer)) {
                Pair<INDArray, MinibatchDiscriminationLayer.Kept> mb = MinibatchDiscriminationLayer.forward(layer, cur);
                minibatch[i] = mb.getSecond();
                act[i] = mb.getFirst();
                cur = act[i];
            } else {
                if (virtual && layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                    throw new IllegalStateException("virtual batch normalisation cannot take layer " + i
                            + ": only a batch normalisation with trainable gamma and beta, NCHW and no dropout can use reference statistics");
                }
                layer.setInput(cur, mgr);
                cur = layer.activate(true, mgr);
            }
        }
        // The output is the caller's to change (noise added to generated samples, say); the backward
        // pass of tanh and sigmoid reads the kept activation, so the caller gets a copy.
        return new Forward(net, inputs, pre, act, conv, pooled, norms, minibatch, act[n - 1] != null ? cur.dup() : cur);
    }

    /**
     * Backpropagates {@code outputGrad} (d loss / d output of {@code f}).
     *
     * @param paramGradients compute parameter gradients (into the network's flattened gradient buffer)
     * @param inputGradient compute d loss / d input
     * @return the parameter gradient (null unless asked for) and d loss / d input (null unless asked for)
     */
    public static Pair<Gradient, INDArray> backward(Forward f, INDArray outputGrad, boolean paramGradients, boolean inputGradient) {
        return backward(f, outputGrad, -1, null, paramGradients, inputGradient);
    }

    /**
     * As {@link #backward(Forward, INDArray, boolean, boolean)}, for a loss that also depends on the
     * output of layer {@code hiddenLayer} ({@link Forward#layerOutput}): {@code layerGrad} is added
     * to the gradient flowing into that layer's output.
     */
    public static Pair<Gradient, INDArray> backward(Forward f, INDArray outputGrad, int hiddenLayer, INDArray layerGrad,
            boolean paramGradients, boolean inputGradient) {
        return backward(f, outputGrad, false, hiddenLayer, layerGrad, paramGradients, inputGradient);
    }

    /**
     * As {@link #backward(Forward, INDArray, boolean, boolean)}, from d loss / d pre-activation of the
     * last layer (a fast-path dense or convolution layer), skipping its activation: for a softmax
     * with cross-entropy, (p − y)/b stays finite where d loss / d p = −y/(p·b) would not once p
     * underflows.
     */
    public static Pair<Gradient, INDArray> backwardFromPreActivation(Forward f, INDArray preActivationGrad, boolean paramGradients, boolean inputGradient) {
        int last = f.net.getnLayers() - 1;
        if (f.preActivations[last] == null) {
            throw new IllegalArgumentException("the last layer (" + f.net.getLayer(last).getClass().getSimpleName() + ") is not on the fast path");
        }
        return backward(f, preActivationGrad, true, -1, null, paramGradients, inputGradient);
    }

    private static Pair<Gradient, INDArray> backward(Forward f, INDArray outputGrad, boolean fromPreActivation, int hiddenLayer, INDArray layerGrad,
            boolean paramGradients, boolean inputGradient) {
        MultiLayerNetwork net = f.net;
        LayerWorkspaceMgr mgr = workspaceMgr();
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        long batch = outputGrad.size(0);
        Deque<Object[]> entries = new ArrayDeque<>();
        INDArray eps = outputGrad;
        // Bias gradients as a GEMM with a row of ones: about 3x faster than ND4J's column sum.
        INDArray ones = paramGradients ? Nd4j.ones(outputGrad.dataType(), 1, batch) : null;
        for (int i = net.getnLayers() - 1; i >= 0; i--) {
            Layer layer = net.getLayer(i);
            boolean needEps = i > 0 || inputGradient;
            if (i == hiddenLayer && layerGrad != null) {
                eps = eps.add(layerGrad);
            }
            boolean skipActivation = fromPreActivation && i == net.getnLayers() - 1;
            if (f.convolutions[i] != null) {
                INDArray delta = skipActivation ? eps : DenseActivations.backward(activation(layer), f.preActivations[i], f.activations[i], eps);
                Map<String, INDArray> g = paramGradients ? gradientViews(layer) : null;
                eps = Convolutions.backward(layer, f.convolutions[i], delta, g, needEps);
                if (g != null) {
                    addLayerGradients(entries, i, g);
                }
            } else if (f.preActivations[i] != null && isPlainActivationLayer(layer)) {
                IActivation a = ((org.deeplearning4j.nn.conf.layers.ActivationLayer) layer.conf().getLayer()).getActivationFn();
                eps = skipActivation ? eps : DenseActivations.backward(a, f.preActivations[i], f.activations[i], eps);
            } else if (f.batchNorms[i] != null) {
                Map<String, INDArray> g = paramGradients ? gradientViews(layer) : null;
                eps = BatchNorm.backward(layer, f.batchNorms[i], eps, g, needEps);
                if (g != null) {
                    addLayerGradients(entries, i, g);
                }
            } else if (f.minibatch[i] != null) {
                Map<String, INDArray> g = paramGradients ? gradientViews(layer) : null;
                eps = MinibatchDiscriminationLayer.backward(layer, f.minibatch[i], eps, g, needEps);
                if (g != null) {
                    addLayerGradients(entries, i, g);
                }
            } else if (f.pooled[i] != null) {
                eps = needEps ? Pooling.backward(f.pooled[i], eps) : null;
            } else if (f.preActivations[i] != null) {
                INDArray delta = skipActivation ? eps : DenseActivations.backward(activation(layer), f.preActivations[i], f.activations[i], eps);
                INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
                if (paramGradients) {
                    Map<String, INDArray> g = DefaultParamInitializer.getInstance().getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
                    INDArray dw = g.get(DefaultParamInitializer.WEIGHT_KEY);
                    INDArray db = g.get(DefaultParamInitializer.BIAS_KEY);
                    Gemm.gemm(f.inputs[i], delta, dw, true, false, 1.0, 0.0);
                    Gemm.gemm(ones, delta, db.reshape(1, db.length()), false, false, 1.0, 0.0);
                    entries.addFirst(new Object[] {i + "_" + DefaultParamInitializer.BIAS_KEY, db});
                    entries.addFirst(new Object[] {i + "_" + DefaultParamInitializer.WEIGHT_KEY, dw});
                }
                if (needEps) {
                    INDArray next = Nd4j.createUninitialized(w.dataType(), batch, w.size(0));
                    Gemm.gemm(delta, w, next, false, true, 1.0, 0.0);
                    eps = next;
                }
            } else {
                // DL4J's own layers backpropagate from the input they last saw: give them this pass's,
                // since another pass may have run since (a real and a generated batch in turn). Not to
                // a layer with dropout, which keeps its dropped-out input, not this one.
                if (layer.conf().getLayer().getIDropout() == null) {
                    layer.setInput(f.inputs[i], mgr);
                }
                // DL4J computes parameter gradients here whether or not they are wanted.
                Pair<Gradient, INDArray> p = layer.backpropGradient(eps, mgr);
                addLayerGradients(entries, i, p.getFirst().gradientForVariable());
                eps = p.getSecond();
            }
            InputPreProcessor p = conf.getInputPreProcess(i);
            if (p != null && needEps) {
                eps = p.backprop(eps, (int) batch, mgr);
            }
        }
        Gradient gradient = null;
        if (paramGradients) {
            // The updater walks gradients in layer order, as MultiLayerNetwork builds them.
            gradient = new DefaultGradient(net.getFlattenedGradients());
            for (Object[] e : entries) {
                gradient.setGradientFor((String) e[0], (INDArray) e[1]);
            }
        }
        return Pair.of(gradient, inputGradient ? eps : null);
    }

    /** The layer's gradient views by parameter name, in DL4J's order, within the network's flattened gradient. */
    private static Map<String, INDArray> gradientViews(Layer layer) {
        return layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
    }

    /** Puts layer {@code i}'s gradients in front of the later layers', keeping the layer's own order. */
    private static void addLayerGradients(Deque<Object[]> entries, int i, Map<String, INDArray> layerGradients) {
        Deque<Object[]> layerEntries = new ArrayDeque<>();
        for (Map.Entry<String, INDArray> e : layerGradients.entrySet()) {
            layerEntries.addLast(new Object[] {i + "_" + e.getKey(), e.getValue()});
        }
        while (!layerEntries.isEmpty()) {
            entries.addFirst(layerEntries.removeLast());
        }
    }

    /**
     * One optimizer step with {@code gradient}, the gradient of the loss to minimise. The step count
     * lives in the network's configuration, so Adam's bias correction survives a checkpoint. A plain
     * Adam over the whole network takes {@link FusedAdam}; any other updater, DL4J's. Afterwards the
     * gradient's values are unspecified (DL4J's updater turns them into the update).
     */
    public static void apply(MultiLayerNetwork net, Gradient gradient, int batchSize) {
        apply(net, gradient, batchSize, null);
    }

    /** As {@link #apply(MultiLayerNetwork, Gradient, int)} at the rate {@code decay} gives this update (null: the configured rate). */
    public static void apply(MultiLayerNetwork net, Gradient gradient, int batchSize, LearningRateDecay decay) {
        if (decay != null) {
            decay.setFor(net);
        }
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        int step = conf.getIterationCount();
        if (!FusedAdam.step(net, gradient.gradient(), step, conf.getEpochCount(), batchSize)) {
            net.getUpdater().update(net, gradient, step, conf.getEpochCount(), batchSize, workspaceMgr());
            // The updater turned the gradient (in place) into the parameter update.
            net.params().subi(gradient.gradient());
        }
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
