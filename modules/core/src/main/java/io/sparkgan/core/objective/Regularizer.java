package io.sparkgan.core.objective;

import io.sparkgan.core.Batch;
import io.sparkgan.core.GanRandom;
import java.io.Serializable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A term added to the discriminator loss at every discriminator step, a function of D, the real
 * batch and the generated batch (a gradient penalty, say). It plugs into the one discriminator step
 * ({@link io.sparkgan.core.Discriminator#step}) that standalone runs, MD-GAN workers and FL-GAN
 * workers all call, so a regularizer is written once for every strategy.
 */
public interface Regularizer extends Serializable {

    /** A short name for logs. */
    String name();

    /**
     * Adds the gradient of this term with respect to D's parameters into {@code gradient} (laid out
     * as {@code d.params()}) and returns the term's value. May run passes of D, whose gradient buffer
     * it may overwrite: the caller keeps its own gradient elsewhere.
     *
     * @param rng this step's random stream (interpolation weights, say), fixed by the discriminator's
     *     seed and update count so that a resumed or moved discriminator draws the same numbers
     */
    double addGradient(MultiLayerNetwork d, Batch real, Batch fake, INDArray gradient, GanRandom rng);
}
