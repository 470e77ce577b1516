package io.sparkgan.core;

import io.sparkgan.core.nn.Backprop;
import io.sparkgan.core.nn.LearningRateDecay;
import io.sparkgan.core.nn.ParameterEma;
import io.sparkgan.core.stabilizer.ParameterPenalty;
import io.sparkgan.core.stabilizer.VirtualBatchNorm;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A generator and the operation the MD-GAN server performs with it (Hardy et al., IPDPS 2019,
 * Algorithm 1, server side): given latent codes {@code z} and the feedback {@code F = dL/dG(z)}
 * collected from the discriminators, backpropagate {@code F} through the generator,
 * {@code Δw = F · ∂G(z)/∂w}, and take one optimizer step.
 *
 * <p>{@link #generate} runs the training-mode forward pass and keeps its activations, so a
 * following {@link #step} on the same {@code z} does not recompute it.
 *
 * <p>With {@linkplain VirtualBatchNorm virtual batch normalisation} (a reference batch attached to
 * the network) every pass, {@link #sample} included, runs the reference batch's rows first and
 * normalises with their statistics; callers see only the rows of their own codes.
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
    /** Rows of the reference batch in front of {@link #forwardOf}'s in that pass (0: plain batch statistics). */
    private int forwardReferenceRows;
    /** Codes per pass of {@link #sample} under virtual batch normalisation, which keeps every activation. */
    private static final int SAMPLE_CHUNK = 512;
    /** Where {@link #latent(GanRandom, int)} draws codes from: N(0, I), or an adversarial autoencoder's prior. */
    private LatentPrior prior = LatentPrior.GAUSSIAN;
    /** InfoGAN's structured codes, after the noise and the class in the input; null when none. */
    private io.sparkgan.core.info.InfoCodes info;

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
     * {@code n} generator inputs drawn with {@code rng}: latent codes from N(0, I) (or the
     * {@linkplain #prior() prior} set) and, for a conditional generator, a class per row drawn
     * uniformly and appended one-hot.
     */
    public INDArray latent(GanRandom rng, int n) {
        if (prior != LatentPrior.GAUSSIAN) {
            return Nd4j.create(prior.draw(rng, n, latentDim, null), new long[] {n, latentDim}, dataType());
        }
        if (info != null) {
            return draw(rng, n, 0).z();
        }
        return latent(rng, n, latentDim, classes, dataType());
    }

    /**
     * The inputs of a generated batch and what travels with it: its classes (conditional
     * generator) and its InfoGAN codes. At training iteration {@code iteration} (1-based) the
     * codes may come in InfoGAN-CR's pairs, whose rows share the noise and the class too
     * ({@link io.sparkgan.core.info.InfoCodes#draw}); without codes this is {@link #latent(GanRandom, int)}.
     */
    public Drawn draw(GanRandom rng, int n, int iteration) {
        if (info == null) {
            INDArray z = latent(rng, n);
            return new Drawn(z, labels(z), null);
        }
        double[] z = gaussian(rng, n, latentDim);
        int[] labels = null;
        if (classes > 0) {
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = rng.nextInt(classes);
            }
        }
        io.sparkgan.core.info.InfoCodes.Draw d = info.draw(rng, n, iteration);
        if (d.paired()) {
            for (int i = 0; i + 1 < n; i += 2) {
                System.arraycopy(z, i * latentDim, z, (i + 1) * latentDim, latentDim);
                if (labels != null) {
                    labels[i + 1] = labels[i];
                }
            }
        }
        INDArray input = input(z, labels, n, latentDim, classes, d.inputs(), info.inputWidth(), dataType());
        return new Drawn(input, labels, Nd4j.create(d.codes(), new long[] {n, info.codeColumns()}, 'c').castTo(dataType()));
    }

    /**
     * Generator inputs {@code z} and what a generated batch carries beside the samples.
     *
     * @param labels the classes (null: unconditional)
     * @param codes the InfoGAN code rows (null: none)
     */
    public record Drawn(INDArray z, int[] labels, INDArray codes) {
        /** The generated batch of samples {@code x} = G(z). */
        public Batch batch(INDArray x) {
            return new Batch(x, labels, codes);
        }
    }

    /** InfoGAN's codes in this generator's input, or null. */
    public io.sparkgan.core.info.InfoCodes info() {
        return info;
    }

    /** Makes the input end with InfoGAN codes {@code codes} (null: none). */
    public Generator withInfo(io.sparkgan.core.info.InfoCodes codes) {
        if (codes != null && prior != LatentPrior.GAUSSIAN) {
            throw new IllegalArgumentException("InfoGAN codes need a generator drawing from N(0, I)");
        }
        this.info = codes;
        return this;
    }

    /**
     * Inputs whose noise and class come from {@code base} and whose InfoGAN codes are
     * {@code codeRows} ([n][factors], categories as indices): a latent traversal.
     */
    public INDArray withCodes(INDArray base, double[][] codeRows) {
        if (info == null) {
            throw new IllegalArgumentException("the generator has no InfoGAN codes");
        }
        int n = codeRows.length;
        double[] flat = new double[n * info.factors()];
        for (int i = 0; i < n; i++) {
            System.arraycopy(codeRows[i], 0, flat, i * info.factors(), info.factors());
        }
        INDArray z = base.dup('c');
        INDArray in = Nd4j.create(info.inputs(flat, n), new long[] {n, info.inputWidth()}, 'c').castTo(z.dataType());
        z.get(NDArrayIndex.all(), NDArrayIndex.interval(latentDim + classes, latentDim + classes + info.inputWidth())).assign(in);
        return z;
    }

    /** The distribution {@link #latent(GanRandom, int)} draws codes from. */
    public LatentPrior prior() {
        return prior;
    }

    /**
     * Makes {@link #latent(GanRandom, int)} draw codes from {@code p}: an adversarial autoencoder's
     * decoder samples from the prior its codes were pushed to. Only for an unconditional generator.
     */
    public Generator withPrior(LatentPrior p) {
        if (classes > 0 && p != LatentPrior.GAUSSIAN) {
            throw new IllegalArgumentException("a conditional generator draws its codes from N(0, I)");
        }
        this.prior = p;
        return this;
    }

    /**
     * {@code n} inputs of a generator with this latent dimension and class count, drawn as
     * {@link #latent(GanRandom, int)} draws them (virtual batch normalisation's reference batch).
     */
    public static INDArray latent(GanRandom rng, int n, int latentDim, int classes, DataType dtype) {
        int[] labels = null;
        double[] z = gaussian(rng, n, latentDim);
        if (classes > 0) {
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = rng.nextInt(classes);
            }
        }
        return input(z, labels, n, latentDim, classes, dtype);
    }

    /** {@code n} generator inputs with the given classes (e.g. one row of a sample grid per class). */
    public INDArray latent(GanRandom rng, int[] labels) {
        if (classes == 0) {
            throw new IllegalArgumentException("the generator is unconditional; it takes no classes");
        }
        double[] z = gaussian(rng, labels.length, latentDim);
        if (info != null) {
            return input(z, labels, labels.length, latentDim, classes, info.draw(rng, labels.length, 0).inputs(), info.inputWidth(), dataType());
        }
        return input(z, labels, labels.length, latentDim, classes, dataType());
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

    private static double[] gaussian(GanRandom rng, int n, int latentDim) {
        return LatentPrior.GAUSSIAN.draw(rng, n, latentDim, null);
    }

    private static INDArray input(double[] z, int[] labels, int n, int latentDim, int classes, DataType dtype) {
        return input(z, labels, n, latentDim, classes, null, 0, dtype);
    }

    /** Rows of [z, one-hot label, {@code info} row] ({@code info}: {@code infoWidth} columns per row, or null). */
    private static INDArray input(double[] z, int[] labels, int n, int latentDim, int classes, double[] info, int infoWidth, DataType dtype) {
        int width = latentDim + classes + infoWidth;
        double[] in = new double[n * width];
        for (int i = 0; i < n; i++) {
            System.arraycopy(z, i * latentDim, in, i * width, latentDim);
            if (info != null) {
                System.arraycopy(info, i * infoWidth, in, i * width + latentDim + classes, infoWidth);
            }
            if (labels != null) {
                if (labels[i] < 0 || labels[i] >= classes) {
                    throw new IllegalArgumentException("class " + labels[i] + " is outside 0.." + (classes - 1));
                }
                in[i * width + latentDim + labels[i]] = 1;
            }
        }
        return Nd4j.create(in, new long[] {n, width}, dtype);
    }

    /** Generated samples G(z) in training mode (the samples the discriminators train on). */
    public INDArray generate(INDArray z) {
        INDArray reference = VirtualBatchNorm.reference(net);
        if (reference == null) {
            forward = Backprop.forward(net, z);
            forwardReferenceRows = 0;
            forwardOf = z;
            return forward.output();
        }
        int m = (int) reference.rows();
        forward = Backprop.forward(net, Nd4j.concat(0, reference.castTo(z.dataType()), z), m);
        forwardReferenceRows = m;
        forwardOf = z;
        return ownRows(forward.output(), m);
    }

    /**
     * Drops the training-mode pass {@link #generate} keeps for the next {@link #step} on the same
     * {@code z}: its arrays live in the iteration's workspace, so a step in a later workspace must
     * run its own forward pass (MD-GAN's autoencoder workers encode and step in two exchanges).
     */
    public void forgetForward() {
        forwardOf = null;
        forward = null;
    }

    /**
     * Generated samples G(z) in inference mode (for evaluation and export). Under virtual batch
     * normalisation this is the training-mode pass with the reference batch in front (in chunks of
     * codes, each sample depending on its own code and the reference batch only); batch
     * normalisation's running statistics are never read then.
     */
    public INDArray sample(INDArray z) {
        forwardOf = null;
        forward = null;
        INDArray reference = VirtualBatchNorm.reference(net);
        if (reference == null) {
            return net.output(z, false);
        }
        int m = (int) reference.rows();
        INDArray ref = reference.castTo(z.dataType());
        long n = z.rows();
        INDArray out = null;
        for (long from = 0; from < n; from += SAMPLE_CHUNK) {
            long to = Math.min(n, from + SAMPLE_CHUNK);
            INDArray chunk = z.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            INDArray x = ownRows(Backprop.forward(net, Nd4j.concat(0, ref, chunk), m).output(), m);
            if (from == 0 && to == n) {
                return x;
            }
            if (out == null) {
                out = Nd4j.createUninitialized(x.dataType(), n, x.columns());
            }
            out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(x);
        }
        return out;
    }

    /** The rows of {@code output} after the first {@code m} (the reference batch's), as a new array. */
    private static INDArray ownRows(INDArray output, int m) {
        return output.get(NDArrayIndex.interval(m, output.rows()), NDArrayIndex.all()).dup('c');
    }

    /**
     * The parameter gradient of a loss whose gradient with respect to G(z) is {@code feedback}. The
     * returned array is a view of the network's gradient buffer; copy it to keep it.
     */
    public Gradient gradient(INDArray z, INDArray feedback) {
        return backward(z, feedback, false).getFirst();
    }

    private org.nd4j.common.primitives.Pair<Gradient, INDArray> backward(INDArray z, INDArray feedback, boolean inputGradient) {
        if (forwardOf != z) {
            generate(z);
        }
        Backprop.Forward f = forward;
        int m = forwardReferenceRows;
        forwardOf = null;
        forward = null;
        if (m > 0) {
            // The loss reads only the rows of z; the reference rows' gradient comes from the statistics alone.
            feedback = Nd4j.concat(0, Nd4j.zeros(feedback.dataType(), m, feedback.columns()), feedback);
        }
        return Backprop.backward(f, feedback, true, inputGradient);
    }

    /** One optimizer step of the generator from the feedback on G(z). */
    public void step(INDArray z, INDArray feedback) {
        apply(gradient(z, feedback), (int) z.rows());
    }

    /**
     * As {@link #step}, also returning the gradient of the same loss with respect to the codes
     * {@code z} (taken before the step): what an adversarial autoencoder's encoder, whose output the
     * codes are, receives from its decoder's reconstruction loss.
     */
    public INDArray stepWithInputGradient(INDArray z, INDArray feedback) {
        org.nd4j.common.primitives.Pair<Gradient, INDArray> p = backward(z, feedback, true);
        INDArray dz = p.getSecond().dup();
        apply(p.getFirst(), (int) z.rows());
        return dz;
    }

    private void apply(Gradient g, int rows) {
        // Penalties on the parameters themselves (historical averaging), attached to the network.
        ParameterPenalty.addAll(net, g.gradient());
        Backprop.apply(net, g, rows, decay);
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
        if (ema == null) {
            return this;
        }
        MultiLayerNetwork copy = ema.averagedCopy(net);
        INDArray reference = VirtualBatchNorm.reference(net);
        if (reference != null) {
            // The copy samples with the same reference batch as the trained generator.
            VirtualBatchNorm.attachReference(copy, reference);
        }
        return new Generator(copy, latentDim, classes, decay).withPrior(prior).withInfo(info);
    }

    /**
     * What sampling needs besides the network (virtual batch normalisation's reference batch), as
     * named arrays: what an exported generator carries beside its model zip, read back by
     * {@link Gan#exportedGenerator}. Empty when sampling needs only the network.
     */
    public java.util.Map<String, INDArray> samplingState() {
        INDArray reference = VirtualBatchNorm.reference(net);
        return reference == null ? java.util.Map.of() : java.util.Map.of(VirtualBatchNorm.REFERENCE_STATE, reference);
    }
}
