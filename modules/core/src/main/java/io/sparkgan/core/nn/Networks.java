package io.sparkgan.core.nn;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Builds generator and discriminator networks from a {@link NetworkSpec}.
 *
 * <p>Both are plain DL4J {@link MultiLayerNetwork}s that end in a dense (or activation) layer rather
 * than an {@code OutputLayer}: the loss lives in an {@link io.sparkgan.core.objective.Objective},
 * and DL4J only backpropagates an external gradient through a network without an output layer.
 * Networks are built with {@code miniBatch(false)} so DL4J applies the gradient exactly as given: the
 * objectives already return gradients of batch means.
 */
public final class Networks {
    /** Side of the square images the dcgan layout produces and consumes. */
    public static final int DCGAN_SIDE = 28;

    private Networks() {}

    /** A generator mapping {@code latentDim}-dimensional codes to {@code dataDim}-dimensional samples. */
    public static MultiLayerNetwork generator(
            NetworkSpec spec, int latentDim, int dataDim, IUpdater updater, long seed, DataType dtype) {
        return generator(spec, latentDim, dataDim, updater, seed, dtype, false);
    }

    /**
     * As {@link #generator(NetworkSpec, int, int, IUpdater, long, DataType)}; with {@code batchNorm}
     * an mlp generator normalises each hidden layer (dense with identity, then DL4J's
     * {@code BatchNormalization}, then the activation as its own layer: plain DL4J layers, so model
     * zips stay standard), for {@linkplain io.sparkgan.core.stabilizer.VirtualBatchNorm virtual batch
     * normalisation} to act on. A dcgan generator has batch normalisation either way.
     */
    public static MultiLayerNetwork generator(
            NetworkSpec spec, int latentDim, int dataDim, IUpdater updater, long seed, DataType dtype, boolean batchNorm) {
        NeuralNetConfiguration.ListBuilder b = base(updater, seed, dtype).list();
        int[] w = spec.widths();
        if (spec.kind().equals("mlp")) {
            int in = latentDim;
            int i = 0;
            for (int width : w) {
                if (batchNorm) {
                    b.layer(i++, new DenseLayer.Builder().nIn(in).nOut(width).activation(new ActivationIdentity()).build());
                    b.layer(i++, new BatchNormalization.Builder().nOut(width).build());
                    b.layer(i++, new ActivationLayer.Builder().activation(activation(spec.activation())).build());
                } else {
                    b.layer(i++, new DenseLayer.Builder().nIn(in).nOut(width).activation(activation(spec.activation())).build());
                }
                in = width;
            }
            b.layer(i, new DenseLayer.Builder().nIn(in).nOut(dataDim).activation(activation(spec.outputActivation())).build());
            b.setInputType(InputType.feedForward(latentDim));
        } else {
            requireImage(dataDim);
            int c7 = w[0];
            int c14 = w[1];
            b.layer(0, new DenseLayer.Builder().nIn(latentDim).nOut(7 * 7 * c7).activation(new ActivationIdentity()).build());
            b.layer(1, new BatchNormalization.Builder().nOut(7 * 7 * c7).build());
            b.layer(2, new ActivationLayer.Builder().activation(new ActivationReLU()).build());
            b.layer(3, new Deconvolution2D.Builder(4, 4).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                    .nIn(c7).nOut(c14).activation(new ActivationIdentity()).build());
            b.layer(4, new BatchNormalization.Builder().nOut(c14).build());
            b.layer(5, new ActivationLayer.Builder().activation(new ActivationReLU()).build());
            b.layer(6, new Deconvolution2D.Builder(4, 4).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                    .nIn(c14).nOut(1).activation(new ActivationIdentity()).build());
            // Flatten back to [batch, 784] so generated images travel like any other sample vector.
            b.layer(7, new ActivationLayer.Builder().activation(activation(spec.outputActivation())).build());
            b.inputPreProcessor(3, new FeedForwardToCnnPreProcessor(7, 7, c7));
            b.inputPreProcessor(7, new CnnToFeedForwardPreProcessor(DCGAN_SIDE, DCGAN_SIDE, 1));
        }
        return init(b.build());
    }

    /** A discriminator mapping {@code dataDim}-dimensional samples to {@code outputs} logits. */
    public static MultiLayerNetwork discriminator(
            NetworkSpec spec, int dataDim, int outputs, IUpdater updater, long seed, DataType dtype) {
        return discriminator(spec, dataDim, outputs, updater, seed, dtype, null);
    }

    /**
     * As {@link #discriminator(NetworkSpec, int, int, IUpdater, long, DataType)}, with layer
     * {@code beforeOutput} (null: none) between the last hidden layer and the output layer
     * (minibatch discrimination's, say); its input width is inferred.
     */
    public static MultiLayerNetwork discriminator(
            NetworkSpec spec, int dataDim, int outputs, IUpdater updater, long seed, DataType dtype, org.deeplearning4j.nn.conf.layers.Layer beforeOutput) {
        NeuralNetConfiguration.ListBuilder b = base(updater, seed, dtype).list();
        int[] w = spec.widths();
        int i = 0;
        if (spec.kind().equals("mlp")) {
            int in = dataDim;
            for (int width : w) {
                b.layer(i++, new DenseLayer.Builder().nIn(in).nOut(width).activation(activation(spec.activation())).build());
                in = width;
            }
            b.setInputType(InputType.feedForward(dataDim));
        } else {
            requireImage(dataDim);
            b.layer(i++, new ConvolutionLayer.Builder(4, 4).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                    .nOut(w[0]).activation(activation(spec.activation())).build());
            b.layer(i++, new ConvolutionLayer.Builder(4, 4).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                    .nOut(w[1]).activation(activation(spec.activation())).build());
            b.setInputType(InputType.convolutionalFlat(DCGAN_SIDE, DCGAN_SIDE, 1));
        }
        if (beforeOutput != null) {
            b.layer(i++, beforeOutput);
        }
        // The output layer's input width is inferred from the layer before it (setInputType).
        b.layer(i, new DenseLayer.Builder().nOut(outputs).activation(new ActivationIdentity()).build());
        return init(b.build());
    }

    private static NeuralNetConfiguration.Builder base(IUpdater updater, long seed, DataType dtype) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dtype)
                .weightInit(WeightInit.XAVIER)
                .updater(updater)
                .miniBatch(false)
                // Workspaces would recycle the activations that a later backpropGradient needs.
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
    }

    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static void requireImage(int dataDim) {
        if (dataDim != DCGAN_SIDE * DCGAN_SIDE) {
            throw new IllegalArgumentException("the dcgan network needs 28x28x1 samples (dimension 784), got dimension " + dataDim);
        }
    }

    static IActivation activation(String name) {
        return switch (name) {
            case "relu" -> new ActivationReLU();
            case "leakyrelu" -> new ActivationLReLU(0.2);
            case "tanh" -> new ActivationTanH();
            case "sigmoid" -> new ActivationSigmoid();
            case "elu" -> new ActivationELU();
            case "softplus" -> new FiniteSoftPlus();
            case "identity" -> new ActivationIdentity();
            default -> throw new IllegalArgumentException("activation '" + name + "' is unknown; expected one of " + NetworkSpec.ACTIVATIONS);
        };
    }
}
