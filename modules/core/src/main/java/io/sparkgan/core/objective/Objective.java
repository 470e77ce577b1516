package io.sparkgan.core.objective;

import java.io.Serializable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A GAN objective written on the discriminator's outputs (logits): the value of the discriminator
 * and generator losses and their gradients with respect to those outputs.
 *
 * <p>Objectives are small pure functions chosen by name ({@link Objectives#byName}), in the spirit
 * of Mimicry's losses: the trainer and every strategy only orchestrate. Gradients are those of the
 * batch <em>mean</em> of the loss, so they can be backpropagated as they are.
 */
public interface Objective extends Serializable {

    /** The name users pass on the command line. */
    String name();

    /** Number of discriminator outputs this objective reads (1 for a real/fake score). */
    default int discriminatorOutputs() {
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

    /** The unconditional form of {@link #discriminatorLoss(INDArray, int[], INDArray, int[])}. */
    default Loss discriminatorLoss(INDArray realOut, INDArray fakeOut) {
        return discriminatorLoss(realOut, null, fakeOut, null);
    }

    /** The unconditional form of {@link #generatorLoss(INDArray, int[])}. */
    default Loss generatorLoss(INDArray fakeOut) {
        return generatorLoss(fakeOut, null);
    }

    /**
     * A loss value and its gradients with respect to the discriminator outputs.
     *
     * @param value the batch-mean loss
     * @param realGrad d value / d realOut (null for a generator loss)
     * @param fakeGrad d value / d fakeOut
     */
    record Loss(double value, INDArray realGrad, INDArray fakeGrad) {}
}
