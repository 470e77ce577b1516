package io.sparkgan.core.nn;

import io.sparkgan.core.GanRandom;
import io.sparkgan.core.config.Setting;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gaussian noise on a discriminator's inputs in training (Salimans, Goodfellow, Zaremba, Cheung,
 * Radford and Chen, "Improved Techniques for Training GANs", NeurIPS 2016: the semi-supervised
 * MNIST discriminator adds N(0, 0.3²) to its input and N(0, 0.5²) to the output of every hidden
 * layer). It keeps a discriminator trained on 100 labels from memorising them, and the paper's
 * figures depend on it.
 *
 * <p>Where: {@link #INPUT} on the input of the first layer, {@link #HIDDEN} on the input of every
 * later dense layer (that is, on every hidden layer's output). Only training-mode passes
 * ({@link Backprop#forward}) draw noise; inference ({@code net.output}: evaluation, classification,
 * refinement's energies read through DL4J) sees none. The noise is added, so the backward pass is
 * unchanged except that each layer's weight gradient uses the input it really saw.
 *
 * <p>Determinism: pass k of a network draws from ND4J's generator seeded with (worker seed, k), and
 * k, the count of noisy passes so far, is this network's {@link ExtraState}: it moves with MD-GAN's
 * swaps, is averaged by FL-GAN (and rounded), and is checkpointed, so a resumed run draws what an
 * uninterrupted one draws.
 */
public final class GaussianNoise implements ExtraState {
    public static final Setting<Double> INPUT = Setting.number("discriminator-input-noise", 0.0,
            "Standard deviation of Gaussian noise added to D's input in training (Salimans et al. 2016 use 0.3 for semi-supervised MNIST).")
            .nonNegative("no noise");
    public static final Setting<Double> HIDDEN = Setting.number("discriminator-hidden-noise", 0.0,
            "Standard deviation of Gaussian noise added to every hidden layer's output of D in training (Salimans et al. 2016: 0.5).")
            .nonNegative("no noise");

    /** The settings, in order. */
    public static final List<Setting<?>> SETTINGS = List.of(INPUT, HIDDEN);

    /** Name of the pass count in the network's extra state. */
    public static final String KEY = "gaussian-noise/passes";

    private final double input;
    private final double hidden;
    private final long seed;
    private final boolean enabled;
    /** Inference in progress ({@link #quiet}): no draws. */
    private boolean quiet;
    /** Noisy passes so far, [1] in double (exact to 2^53). */
    private final INDArray passes;

    private GaussianNoise(double input, double hidden, long seed, boolean enabled) {
        this.input = input;
        this.hidden = hidden;
        this.seed = seed;
        this.enabled = enabled;
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            this.passes = Nd4j.zeros(DataType.DOUBLE, 1);
        }
    }

    /**
     * Attaches noise of standard deviations {@code input} and {@code hidden} to discriminator
     * {@code net}, drawn from {@code seed}; nothing when both are 0. {@code enabled} false keeps the
     * state (a reader of a checkpointed discriminator restores it) without ever drawing.
     */
    public static void attach(MultiLayerNetwork net, double input, double hidden, long seed, boolean enabled) {
        if (input > 0 || hidden > 0) {
            ExtraState.attach(net, new GaussianNoise(input, hidden, seed, enabled));
        }
    }

    @Override
    public Map<String, INDArray> extraState() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(KEY, passes);
        return m;
    }

    /** The noise of one training-mode pass of {@code net}, or null when it has none. */
    static Pass pass(MultiLayerNetwork net) {
        GaussianNoise g = ExtraState.attached(net, GaussianNoise.class);
        if (g == null || !g.enabled || g.quiet) {
            return null;
        }
        long k = Math.round(g.passes.getDouble(0));
        g.passes.putScalar(0, k + 1);
        return g.new Pass(GanRandom.derive(g.seed, "pass", k));
    }

    /** Runs {@code pass} on {@code net} without noise (inference on a discriminator that trains with it). */
    public static <T> T quiet(MultiLayerNetwork net, java.util.function.Supplier<T> pass) {
        GaussianNoise g = ExtraState.attached(net, GaussianNoise.class);
        if (g == null || g.quiet) {
            return pass.get();
        }
        g.quiet = true;
        try {
            return pass.get();
        } finally {
            g.quiet = false;
        }
    }

    /** One pass's draws, layer by layer in order. */
    final class Pass {
        private final org.nd4j.linalg.api.rng.Random rng;

        private Pass(long key) {
            this.rng = Nd4j.getRandomFactory().getNewRandomInstance(key);
        }

        /** Layer {@code i}'s input with its noise added (a new array), or {@code x} itself when the layer gets none. */
        INDArray apply(int i, Layer layer, INDArray x) {
            double sigma = i == 0 ? input : layer.conf().getLayer() instanceof DenseLayer ? hidden : 0;
            if (sigma == 0) {
                return x;
            }
            INDArray noise = Nd4j.createUninitialized(x.dataType(), x.shape());
            Nd4j.getExecutioner().exec(new GaussianDistribution(noise, 0, sigma), rng);
            return noise.addi(x);
        }
    }
}
