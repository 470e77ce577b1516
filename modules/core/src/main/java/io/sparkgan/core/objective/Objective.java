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
     * Discriminator loss of one real and one generated batch.
     *
     * @param realOut discriminator outputs on real samples, [m, outputs]
     * @param fakeOut discriminator outputs on generated samples, [b, outputs]
     */
    Loss discriminatorLoss(INDArray realOut, INDArray fakeOut);

    /** Generator loss of a generated batch; {@link Loss#realGrad()} is null. */
    Loss generatorLoss(INDArray fakeOut);

    /**
     * A loss value and its gradients with respect to the discriminator outputs.
     *
     * @param value the batch-mean loss
     * @param realGrad d value / d realOut (null for a generator loss)
     * @param fakeGrad d value / d fakeOut
     */
    record Loss(double value, INDArray realGrad, INDArray fakeGrad) {}
}
