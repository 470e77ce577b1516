package io.sparkgan.core;

import io.sparkgan.core.nn.Backprop;
import io.sparkgan.core.nn.LearningRateDecay;
import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.stabilizer.ParameterPenalty;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A generator and the operation the MD-GAN server performs with it (Hardy et al., IPDPS 2019,
 * Algorithm 1, server side): given latent codes {@code z} and the feedback {@code F = dL/dG(z)}
 * collected from the discriminators, backpropagate {@code F} through the generator,
 * {@code Δw = F · ∂G(z)/∂w}, and take one optimizer step.
 *
 * <p>{@link #generate} runs the training-mode forward pass and keeps its activations, so a
 * following {@link #step} on the same {@code z} does not recompute it.
 */
public final class Generator {
    private final MultiLayerNetwork net;
    private final int latentDim;
    private final int classes;
    /** The rate of each step, or null for the configured constant one. */
    private final LearningRateDecay decay;
    /** The moving average of the parameters the steps keep, or null. */
    private final ParameterEma ema;
    /** The codes of the last training-mode forward pass, and that pass. */
    private INDArray forwardOf;
    private Backprop.Forward forward;

    public Generator(MultiLayerNetwork net, int latentDim) {
        this(net, latentDim, 0);
    }

    /**
     * @param classes 0 for an unconditional generator; otherwise its input is the latent code followed
     *     by a one-hot class of this many classes (Odena et al., ICML 2017)
     */
    public Generator(MultiLayerNetwork net, int latentDim, int classes) {
        this(net, latentDim, classes, null);
    }

    /** @param decay the learning rate of each step (null: the network's configured rate) */
    public Generator(MultiLayerNetwork net, int latentDim, int classes, LearningRateDecay decay) {
        this(net, latentDim, classes, decay, null);
    }

    /** @param ema the moving average of the parameters that {@link #step} keeps (null: none) */
    public Generator(MultiLayerNetwork net, int latentDim, int classes, LearningRateDecay decay, ParameterEma ema) {
        this.net = Backprop.prepare(net);
        this.decay = decay;
        this.ema = ema;
        this.latentDim = latentDim;
        this.classes = classes;
    }

    public MultiLayerNetwork network() {
        return net;
    }

    public int latentDim() {
        return latentDim;
    }

    /** Classes the generator is conditioned on (0: unconditional). */
    public int classes() {
        return classes;
    }

    public DataType dataType() {
        return net.params().dataType();
    }

    /**
     * {@code n} generator inputs drawn with {@code rng}: latent codes from N(0, I) and, for a
     * conditional generator, a class per row drawn uniformly and appended one-hot.
     */
    public INDArray latent(GanRandom rng, int n) {
        int[] labels = null;
        double[] z = gaussian(rng, n);
        if (classes > 0) {
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = rng.nextInt(classes);
            }
        }
        return input(z, labels, n);
    }

    /** {@code n} generator inputs with the given classes (e.g. one row of a sample grid per class). */
    public INDArray latent(GanRandom rng, int[] labels) {
        if (classes == 0) {
            throw new IllegalArgumentException("the generator is unconditional; it takes no classes");
        }
        return input(gaussian(rng, labels.length), labels, labels.length);
    }

    /** The classes encoded in generator inputs {@code z} (null for an unconditional generator). */
    public int[] labels(INDArray z) {
        if (classes == 0) {
            return null;
        }
        INDArray onehot = z.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(latentDim, latentDim + classes));
        return onehot.argMax(1).toIntVector();
    }

    private double[] gaussian(GanRandom rng, int n) {
        double[] z = new double[n * latentDim];
        for (int i = 0; i < z.length; i++) {
            z[i] = rng.nextGaussian();
        }
        return z;
    }

    private INDArray input(double[] z, int[] labels, int n) {
        int width = latentDim + classes;
        double[] in = new double[n * width];
        for (int i = 0; i < n; i++) {
            System.arraycopy(z, i * latentDim, in, i * width, latentDim);
            if (labels != null) {
                if (labels[i] < 0 || labels[i] >= classes) {
                    throw new IllegalArgumentException("class " + labels[i] + " is outside 0.." + (classes - 1));
                }
                in[i * width + latentDim + labels[i]] = 1;
            }
        }
        return Nd4j.create(in, new long[] {n, width}, dataType());
    }

    /** Generated samples G(z) in training mode (the samples the discriminators train on). */
    public INDArray generate(INDArray z) {
        forward = Backprop.forward(net, z);
        forwardOf = z;
        return forward.output();
    }

    /** Generated samples G(z) in inference mode (for evaluation and export). */
    public INDArray sample(INDArray z) {
        forwardOf = null;
        forward = null;
        return net.output(z, false);
    }

    /**
     * The parameter gradient of a loss whose gradient with respect to G(z) is {@code feedback}. The
     * returned array is a view of the network's gradient buffer; copy it to keep it.
     */
    public Gradient gradient(INDArray z, INDArray feedback) {
        if (forwardOf != z) {
            generate(z);
        }
        Backprop.Forward f = forward;
        forwardOf = null;
        forward = null;
        return Backprop.backward(f, feedback, true, false).getFirst();
    }

    /** One optimizer step of the generator from the feedback on G(z). */
    public void step(INDArray z, INDArray feedback) {
        Gradient g = gradient(z, feedback);
        // Penalties on the parameters themselves (historical averaging), attached to the network.
        ParameterPenalty.addAll(net, g.gradient());
        Backprop.apply(net, g, z.rows(), decay);
        ParameterPenalty.updatedAll(net);
        if (ema != null) {
            ema.update(net);
        }
    }

    /** The moving average of the parameters this generator keeps, or null. */
    public ParameterEma ema() {
        return ema;
    }

    /**
     * The generator to evaluate and export: with a {@linkplain ParameterEma moving average} of the
     * parameters, a copy holding the average (not trained further); otherwise this one.
     */
    public Generator averaged() {
        return ema == null ? this : new Generator(ema.averagedCopy(net), latentDim, classes, decay);
    }
}
