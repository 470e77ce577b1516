package io.sparkgan.core;

import io.sparkgan.core.nn.Backprop;
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
    /** The codes of the last training-mode forward pass, and that pass. */
    private INDArray forwardOf;
    private Backprop.Forward forward;

    public Generator(MultiLayerNetwork net, int latentDim) {
        this.net = Backprop.prepare(net);
        this.latentDim = latentDim;
    }

    public MultiLayerNetwork network() {
        return net;
    }

    public int latentDim() {
        return latentDim;
    }

    public DataType dataType() {
        return net.params().dataType();
    }

    /** {@code n} latent codes drawn from N(0, I) with {@code rng}. */
    public INDArray latent(GanRandom rng, int n) {
        double[] z = new double[n * latentDim];
        for (int i = 0; i < z.length; i++) {
            z[i] = rng.nextGaussian();
        }
        return Nd4j.create(z, new long[] {n, latentDim}, dataType());
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
        Backprop.apply(net, gradient(z, feedback), z.rows());
    }
}
