package io.sparkgan.core.aae;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A second optimizer state for a network trained on two losses in alternating phases: the
 * adversarial autoencoder's encoder, stepped on the reconstruction error and then, as the
 * adversarial network's generator, on the code discriminator's feedback (Makhzani et al. 2015, §2;
 * the paper's phases have their own SGD settings, as every implementation has its own optimizer
 * per phase). One shared Adam state let the reconstruction gradient, far larger on images, dominate
 * Adam's second moment and shrink every regularization step to nothing: on MNIST the codes then
 * never reached the prior (docs/results.md).
 *
 * <p>{@link #during} swaps this state (Adam's moments and step count) into the network's updater
 * for one step and back. The network's model zip keeps the other state, as for any network; this one
 * is checkpointed beside it ({@link #state}, {@link #restore}). It is optimizer state, not
 * {@link io.sparkgan.core.nn.ExtraState}: it stays with its worker as Adam's moments do.
 */
final class PhaseOptimizer {
    static final String STATE = "updater";
    static final String STEPS = "steps";

    private final INDArray state;
    private final INDArray steps;

    PhaseOptimizer(MultiLayerNetwork net) {
        INDArray view = view(net);
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            state = view == null ? Nd4j.zeros(net.params().dataType(), 1, 0) : Nd4j.zeros(view.dataType(), view.shape());
            steps = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 1);
        }
    }

    private static INDArray view(MultiLayerNetwork net) {
        INDArray v = ((BaseMultiLayerUpdater<?>) net.getUpdater()).getStateViewArray();
        return v == null || v.length() == 0 ? null : v;
    }

    /** Runs {@code step} (one optimizer step of {@code net}) with this state in the updater, then puts the other back. */
    void during(MultiLayerNetwork net, Runnable step) {
        swap(net);
        try {
            step.run();
        } finally {
            swap(net);
        }
    }

    private void swap(MultiLayerNetwork net) {
        INDArray view = view(net);
        if (view != null) {
            INDArray other = view.dup();
            view.assign(state);
            state.assign(other);
        }
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        int mine = (int) steps.getDouble(0);
        steps.putScalar(0, conf.getIterationCount());
        conf.setIterationCount(mine);
    }

    /** The state, as named arrays (live; a checkpoint copies them). */
    Map<String, INDArray> state() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(STATE, state);
        m.put(STEPS, steps);
        return m;
    }

    /** Overwrites the state with a checkpoint's ({@link #state}); {@code source} names it in errors. */
    void restore(Map<String, INDArray> saved, String source) {
        if (saved == null || !saved.keySet().equals(state().keySet()) || saved.get(STATE).length() != state.length()) {
            throw new IllegalStateException(source + " does not hold the encoder's regularization-phase optimizer state of " + state.length() + " values");
        }
        state.assign(saved.get(STATE).reshape(state.shape()));
        steps.assign(saved.get(STEPS));
    }
}
