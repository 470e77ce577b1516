package io.sparkgan.core.nn;

import io.sparkgan.core.config.Setting;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An exponential moving average of a network's parameters, θ̄ ← β·θ̄ + (1 − β)·θ after every update,
 * used in place of the trained parameters wherever the network is evaluated or exported (Yazıcı et
 * al., "The Unusual Effectiveness of Averaging in GAN Training", ICLR 2019).
 *
 * <p>Why: a GAN's generator does not settle at the end of training but circles around an
 * equilibrium; the average of its recent iterates sits closer to it. On grid25 the constant-step
 * generator oscillates around the modes (docs/results.md), and a decaying step slows learning as much
 * as it steadies it; the average keeps the step and removes the oscillation.
 *
 * <p>The average is the network's {@linkplain ExtraState extra state}: it is checkpointed beside the
 * network and averaged with it under FL-GAN (the mean of the workers' averages is the average of
 * their means, as both are linear). Only the generator carries one ({@link #SETTING}); its training
 * steps update it, and evaluation, the saved model, sampling and refinement use
 * {@link #averagedCopy}.
 */
public final class ParameterEma implements ExtraState {
    public static final Setting<Double> SETTING = Setting.number("generator-ema", 0.0,
            "beta of an exponential moving average of G's parameters, which evaluation and the saved model use (0: off; e.g. 0.99).")
            .inRange(0, 1);

    /** The average's name in the network's extra state. */
    static final String NAME = "ema/params";

    private final double beta;
    private final INDArray average;

    private ParameterEma(double beta, INDArray average) {
        this.beta = beta;
        this.average = average;
    }

    /**
     * Attaches an average starting at {@code net}'s current parameters (a restore overwrites it with
     * the checkpointed one). Nothing is attached for {@code beta} 0.
     */
    public static void attach(MultiLayerNetwork net, double beta) {
        if (beta == 0) {
            return;
        }
        INDArray average;
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            average = net.params().dup();
        }
        ExtraState.attach(net, new ParameterEma(beta, average));
    }

    /** The average attached to {@code net}, or null. */
    public static ParameterEma of(MultiLayerNetwork net) {
        return ExtraState.attached(net) instanceof ParameterEma e ? e : null;
    }

    @Override
    public Map<String, INDArray> extraState() {
        return Map.of(NAME, average);
    }

    /** After an update of {@code net}: θ̄ ← β·θ̄ + (1 − β)·θ. */
    public void update(MultiLayerNetwork net) {
        average.muli(beta).addi(net.params().mul(1 - beta));
    }

    /** A copy of {@code net} whose parameters are the average (without an average of its own). */
    public MultiLayerNetwork averagedCopy(MultiLayerNetwork net) {
        MultiLayerNetwork copy = net.clone();
        copy.setParams(average.dup());
        return copy;
    }
}
