package io.sparkgan.core.aae;

import io.sparkgan.core.nn.ExtraState;
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
 * per phase). One shared Adam state would let the reconstruction gradient, hundreds of times larger
 * on images, dominate Adam's second moment and shrink every regularization step to nothing: on
 * MNIST the codes then never reached the prior.
 *
 * <p>{@link #during} swaps this state (Adam's moments and step count) into the network's updater
 * for one step and back. It is the network's {@link ExtraState}, so checkpoints and resumes keep it
 * with the network.
 */
final class PhaseOptimizer implements ExtraState {
    static final String STATE = "regularization-phase/updater";
    static final String STEPS = "regularization-phase/steps";

    private final INDArray state;
    private final INDArray steps;

    private PhaseOptimizer(MultiLayerNetwork net) {
        INDArray view = view(net);
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            state = view == null ? Nd4j.zeros(net.params().dataType(), 1, 0) : Nd4j.zeros(view.dataType(), view.shape());
            steps = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 1);
        }
    }

    /** The second state of {@code net}, attached on first use. */
    static PhaseOptimizer of(MultiLayerNetwork net) {
        PhaseOptimizer p = ExtraState.attached(net, PhaseOptimizer.class);
        if (p == null) {
            p = new PhaseOptimizer(net);
            ExtraState.attach(net, p);
        }
        return p;
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

    @Override
    public Map<String, INDArray> extraState() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(STATE, state);
        m.put(STEPS, steps);
        return m;
    }
}
