package io.sparkgan.core.stabilizer;

import io.sparkgan.core.config.Setting;
import io.sparkgan.core.nn.MinibatchDiscriminationLayer;

/**
 * Minibatch discrimination (Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016,
 * §3.2): every new discriminator gets a {@link MinibatchDiscriminationLayer} of B kernels of
 * dimension C between its last hidden layer and its output, so it judges a sample together with the
 * rest of its batch. The discriminator step then keeps real and generated batches in separate passes
 * ({@link io.sparkgan.core.Discriminator}); MD-GAN's feedback on a generated batch includes the
 * cross terms between its rows, since the batch is what the worker's discriminator judged.
 */
public final class MinibatchDiscrimination implements Stabilizer {
    private static final long serialVersionUID = 1L;

    public static final Setting<Integer> KERNELS = Setting.integer("minibatch-kernels", 100,
            "minibatch-discrimination: B, kernels of the layer (paper: 100).").positive().scope("minibatch-discrimination");
    public static final Setting<Integer> KERNEL_DIMS = Setting.integer("minibatch-kernel-dims", 5,
            "minibatch-discrimination: C, dimension of each kernel (paper: 5).").positive().scope("minibatch-discrimination");

    private final int kernels;
    private final int kernelDims;

    public MinibatchDiscrimination(int kernels, int kernelDims) {
        this.kernels = kernels;
        this.kernelDims = kernelDims;
    }

    @Override
    public String name() {
        return "minibatch-discrimination";
    }

    @Override
    public org.deeplearning4j.nn.conf.layers.Layer discriminatorLayerBeforeOutput() {
        return new MinibatchDiscriminationLayer(kernels, kernelDims);
    }
}
