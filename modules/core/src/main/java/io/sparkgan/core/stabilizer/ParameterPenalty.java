package io.sparkgan.core.stabilizer;

import io.sparkgan.core.nn.ExtraState;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A penalty on a network's parameters, added to the gradient of every update of that network
 * (generator steps on the MD-GAN driver, discriminator steps on the workers, both on FL-GAN workers
 * and in standalone runs), whose state is {@linkplain ExtraState extra state} attached to the
 * network: it moves with MD-GAN swaps, FL-GAN averages and checkpoints like the parameters do.
 * {@link io.sparkgan.core.Generator#step} and {@link io.sparkgan.core.Discriminator#step} apply
 * every penalty attached to their network.
 */
public interface ParameterPenalty extends ExtraState {

    /**
     * Adds d penalty / d θ into {@code gradient} (laid out as {@code net.params()}) and returns the
     * penalty's value, for the parameters as they are before the update.
     */
    double addGradient(MultiLayerNetwork net, INDArray gradient);

    /** Called after every update of {@code net}, with the new parameters. */
    void updated(MultiLayerNetwork net);

    /** Adds every penalty attached to {@code net} into {@code gradient}; returns their sum. */
    static double addAll(MultiLayerNetwork net, INDArray gradient) {
        double value = 0;
        for (ExtraState s : ExtraState.attached(net)) {
            if (s instanceof ParameterPenalty p) {
                value += p.addGradient(net, gradient);
            }
        }
        return value;
    }

    /** Tells every penalty attached to {@code net} that it was updated. */
    static void updatedAll(MultiLayerNetwork net) {
        for (ExtraState s : ExtraState.attached(net)) {
            if (s instanceof ParameterPenalty p) {
                p.updated(net);
            }
        }
    }
}
