package io.sparkgan.core.objective;

import io.sparkgan.core.nn.Backprop;
import java.io.Serializable;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A GAN objective: the discriminator and generator losses and their gradients with respect to the
 * discriminator's outputs, plus the regularizers (gradient penalties) that come with it.
 *
 * <p>Objectives are small pure functions chosen by name ({@link Objectives}), in the spirit of
 * Mimicry's losses: one discriminator step ({@link io.sparkgan.core.Discriminator#step}) and one
 * feedback computation serve every strategy and only orchestrate. Gradients are those of the batch
 * <em>mean</em> of the loss, so they can be backpropagated as they are.
 *
 * <p>Most objectives read only D's outputs and implement the array methods; an objective that also
 * reads the samples or a hidden layer (EBGAN's reconstruction energy and pull-away term) overrides
 * the {@link Pass} methods.
 */
public interface Objective extends Serializable {

    /** The name users pass on the command line. */
    String name();

    /** Number of discriminator outputs this objective reads (1 for a real/fake score). */
    default int discriminatorOutputs(int dataDim) {
        return 1;
    }

    /**
     * Number of classes the generator is conditioned on (0: unconditional). A conditional objective
     * needs a label for every real and every generated sample.
     */
    default int classes() {
        return 0;
    }

    /**
     * Whether every discriminator step also reads a batch of labelled real samples (the
     * semi-supervised GAN): the real batch is then a labelled batch drawn from the shard's labelled
     * samples followed by an unlabelled batch whose rows are marked −1.
     */
    default boolean readsLabelledBatch() {
        return false;
    }

    /** The penalties added to the discriminator loss at every discriminator step (none by default). */
    default List<Regularizer> regularizers() {
        return List.of();
    }

    /**
     * Discriminator loss of one real and one generated batch.
     *
     * @param realOut discriminator outputs on real samples, [m, outputs]
     * @param realLabels the real samples' classes (null when the objective is unconditional)
     * @param fakeOut discriminator outputs on generated samples, [b, outputs]
     * @param fakeLabels the classes the generated samples were conditioned on (null likewise)
     */
    Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels);

    /** Generator loss of a generated batch; {@link Loss#realGrad()} is null. */
    Loss generatorLoss(INDArray fakeOut, int[] fakeLabels);

    /** The discriminator loss of two passes of D; by default that of their outputs. */
    default Loss discriminatorLoss(Pass real, Pass fake) {
        return discriminatorLoss(real.output(), real.labels(), fake.output(), fake.labels());
    }

    /** The generator loss of a pass of D over generated samples; by default that of its outputs. */
    default Loss generatorLoss(Pass fake) {
        return generatorLoss(fake.output(), fake.labels());
    }

    /**
     * Whether the generator loss reads a pass of D over real samples too (feature matching compares
     * D's features of real and generated batches). A worker then draws a real batch from its own
     * shard for the feedback, so real data never leaves it.
     */
    default boolean generatorReadsReal() {
        return false;
    }

    /**
     * The generator loss of a pass of D over generated samples, given a pass over real samples (null
     * unless {@link #generatorReadsReal()}); by default that of the generated pass alone.
     */
    default Loss generatorLoss(Pass fake, Pass real) {
        return generatorLoss(fake);
    }

    /**
     * Whether the discriminator's loss on a real sample is the logistic {@code −log σ(out[0])}
     * (softplus of minus the column-0 logit), so that a real target t below 1 (one-sided label
     * smoothing, Salimans et al. 2016, §3.4) is the loss {@code softplus(−l) + (1 − t)·l}.
     */
    default boolean logisticRealTerm() {
        return false;
    }

    /** The unconditional form of {@link #discriminatorLoss(INDArray, int[], INDArray, int[])}. */
    default Loss discriminatorLoss(INDArray realOut, INDArray fakeOut) {
        return discriminatorLoss(realOut, null, fakeOut, null);
    }

    /** The unconditional form of {@link #generatorLoss(INDArray, int[])}. */
    default Loss generatorLoss(INDArray fakeOut) {
        return generatorLoss(fakeOut, null);
    }

    /**
     * The energy the discriminator assigns to samples {@code x} from its outputs {@code out} on
     * them: low where the discriminator believes the data lies. Langevin refinement (Discriminator
     * Contrastive Divergence, Song and Ermon-style sampling with the critic's energy; Song et al.,
     * "Discriminator Contrastive Divergence", 2020) moves generated samples down this energy.
     *
     * <p>By default the energy is the critic's negative score: minus the logit in column 0, which is
     * the real/fake score of every current objective (for the non-saturating GAN, {@code -logit} is
     * {@code -log(D/(1-D))}, the negative log density ratio the discriminator estimates). An
     * objective whose discriminator scores differently overrides this (EBGAN: the reconstruction
     * error {@code ‖out − x‖²/d}, which also depends on {@code x} directly).
     *
     * @param out discriminator outputs on {@code x}, [n, outputs]
     * @param x the samples, [n, d]
     */
    default SampleEnergy energy(INDArray out, INDArray x) {
        long n = out.rows();
        double[] e = new double[(int) n];
        INDArray grad = Nd4j.zeros(out.dataType(), out.shape());
        for (int i = 0; i < n; i++) {
            e[i] = -out.getDouble(i, 0);
            grad.putScalar(i, 0, -1.0);
        }
        return new SampleEnergy(e, grad, null);
    }

    /**
     * Per-sample energies and the gradients of their sum.
     *
     * @param values E(x_i) for every row
     * @param outGrad d Σ_i E(x_i) / d out, same shape as the outputs
     * @param inputGrad d Σ_i E(x_i) / d x through {@code x} directly (not through the network), or
     *     null when the energy reads {@code x} only through the outputs
     */
    record SampleEnergy(double[] values, INDArray outGrad, INDArray inputGrad) {}

    /**
     * What an objective sees of one training-mode pass of D over a batch.
     *
     * @param input the samples, [n, d]
     * @param output D's outputs, [n, outputs]
     * @param labels the samples' classes (null when unconditional)
     * @param forward the pass itself, for {@link Backprop.Forward#layerOutput hidden layers} (rows
     *     {@code offset .. offset + n} of it when D ran on several batches at once)
     * @param codes the samples' InfoGAN codes ({@link io.sparkgan.core.Batch#codes()}; null when none)
     */
    record Pass(INDArray input, INDArray output, int[] labels, Backprop.Forward forward, long offset, INDArray codes) {
        public Pass(INDArray input, INDArray output, int[] labels, Backprop.Forward forward, long offset) {
            this(input, output, labels, forward, offset, null);
        }

        /** The output of D's layer {@code i} for this batch's rows. */
        public INDArray layerOutput(int i) {
            INDArray all = forward.layerOutput(i);
            return offset == 0 && all.rows() == input.rows() ? all
                    : all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + input.rows()), org.nd4j.linalg.indexing.NDArrayIndex.all());
        }
    }

    /**
     * A loss value and its gradients: with respect to the discriminator outputs and, for objectives
     * that read them, to the generated samples directly and to a hidden layer's output on them.
     *
     * @param value the batch-mean loss
     * @param realGrad d value / d realOut (null for a generator loss)
     * @param fakeGrad d value / d fakeOut
     * @param fakeInputGrad d value / d fake samples where the loss reads them directly (null: it does not)
     * @param hiddenLayer the layer whose output on the fake samples the loss reads (-1: none)
     * @param fakeHiddenGrad d value / d that layer's output on the fake samples (null when none)
     */
    record Loss(double value, INDArray realGrad, INDArray fakeGrad, INDArray fakeInputGrad, int hiddenLayer, INDArray fakeHiddenGrad) {
        public Loss(double value, INDArray realGrad, INDArray fakeGrad) {
            this(value, realGrad, fakeGrad, null, -1, null);
        }
    }
}
