package io.sparkgan.core.stabilizer;

import io.sparkgan.core.objective.Objective;
import java.io.Serializable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A technique that makes GAN training better behaved without changing what the game is about, from
 * Salimans, Goodfellow, Zaremba, Cheung, Radford and Chen, "Improved Techniques for Training GANs",
 * NeurIPS 2016, §3: feature matching, minibatch discrimination, historical averaging, one-sided
 * label smoothing, virtual batch normalisation. Users choose them by name ({@link Stabilizers}),
 * any number at once, with any objective and under every strategy.
 *
 * <p>A stabilizer acts through the seams every strategy already shares, so it is written once: the
 * objective ({@link #apply}: the discriminator step and the feedback read it), the networks
 * (state {@linkplain #attachToGenerator attached} to them moves with MD-GAN swaps, FL-GAN averages
 * and checkpoints; a {@link ParameterPenalty} among that state is added to every update), and
 * the layers the generator is built with ({@link #generatorBatchNorm}).
 */
public interface Stabilizer extends Serializable {

    /** The name users pass in {@code --stabilizers}. */
    String name();

    /**
     * The objective with this stabilizer applied (feature matching replaces the generator loss, label
     * smoothing the discriminator's real target); by default the objective itself.
     *
     * @throws IllegalArgumentException with a one-line message when the stabilizer does not apply
     *     to this objective
     */
    default Objective apply(Objective objective) {
        return objective;
    }

    /**
     * Attaches this stabilizer's state to a generator network of the run, built or restored (a
     * restore then overwrites the state with the checkpointed one).
     */
    default void attachToGenerator(MultiLayerNetwork generator) {}

    /** As {@link #attachToGenerator}, for a discriminator network. */
    default void attachToDiscriminator(MultiLayerNetwork discriminator) {}

    /**
     * Whether a new generator is built with batch normalisation after each hidden layer (an mlp
     * generator has none otherwise; {@link io.sparkgan.core.nn.Networks#generator}): virtual batch
     * normalisation needs layers to act on. By default false. A restored generator keeps the layers
     * it was saved with.
     */
    default boolean generatorBatchNorm() {
        return false;
    }

    /**
     * A layer a new discriminator gets between its last hidden layer and its output layer
     * (minibatch discrimination's), or null (the default). A restored discriminator keeps the layers
     * it was saved with.
     */
    default org.deeplearning4j.nn.conf.layers.Layer discriminatorLayerBeforeOutput() {
        return null;
    }
}
