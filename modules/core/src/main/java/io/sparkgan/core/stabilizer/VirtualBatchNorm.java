package io.sparkgan.core.stabilizer;

import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.config.Setting;
import io.sparkgan.core.nn.ExtraState;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Virtual batch normalisation of the generator (Salimans et al., "Improved Techniques for Training
 * GANs", NeurIPS 2016, §3.5). Batch normalisation makes a generated sample depend on the other
 * codes of its batch, which the paper found to cause strong intra-batch correlations; instead each
 * batch-normalisation layer of G normalises with the mean and variance of a <em>reference batch</em>
 * of m generator inputs {@code z_ref}, drawn once from the run seed (stream "reference-batch") and
 * fixed for the whole run. Every generator pass runs {@code [z_ref; z]} with the statistics taken
 * from the first m rows only, and returns the rows of z ({@link io.sparkgan.core.Generator}); the
 * reference batch passes through G at every step, and the gradient flows through its statistics
 * into the parameters ({@link io.sparkgan.core.nn.Backprop#forward(MultiLayerNetwork, INDArray, int)}).
 * A generated sample therefore depends on its own code and z_ref only, in training and in
 * sampling alike, so an exported generator samples exactly as training saw it.
 *
 * <p>The paper's VBN also mixes the sample itself into the statistics (weight 1/(m+1)); this is
 * the reference-only form (the "reference batch normalisation" of its code), which makes samples
 * strictly independent of each other and costs the same. The price of both is the one the paper
 * names: G's forward and backward passes carry m more rows, so it applies to the generator only.
 *
 * <p>An mlp generator has no batch normalisation; with this stabilizer it is built with a
 * {@code BatchNormalization} layer after each hidden dense layer ({@link #generatorBatchNorm}). The
 * dcgan generator keeps its layers, whose batch normalisation becomes virtual. The reference
 * batch (with one-hot classes for a conditional generator) is the generator's
 * {@linkplain ExtraState extra state}: checkpoints and exported models carry it; under MD-GAN it
 * lives on the driver with G, and every FL-GAN worker draws the same one (averaging identical
 * arrays leaves them as they are).
 *
 * <p>The running mean and variance DL4J's {@code BatchNormalization} layers keep are irrelevant
 * under virtual batch normalisation: they still move (towards the reference batch's statistics)
 * and are saved, but sampling ({@link io.sparkgan.core.Generator#sample}) never reads them, since it
 * runs the reference batch too instead of DL4J's inference mode.
 */
public final class VirtualBatchNorm implements Stabilizer {
    private static final long serialVersionUID = 1L;

    /**
     * m. 64 rows estimate a feature's mean to about σ/8 and its standard deviation to about 9 %,
     * at the cost of 64 more rows per generator pass: the DCGAN batch size, and in the range of
     * the paper's batches (64 to 100).
     */
    public static final Setting<Integer> REFERENCE_BATCH = Setting.integer("reference-batch", 64,
            "virtual-batch-norm: m, rows of the fixed reference batch whose statistics G's batch normalisation uses (at least 2).")
            .check((n, v) -> v >= 2 ? null : n + " must be at least 2 (a variance needs two rows), got " + v)
            .scope("virtual-batch-norm");

    /** The name of the reference batch among a generator's extra state and its exported sampling state. */
    public static final String REFERENCE_STATE = "reference-batch/z";

    private final int size;
    private final long seed;
    private final int latentDim;

    /**
     * @param size m, rows of the reference batch
     * @param seed the run seed, from which the reference batch is drawn
     * @param latentDim the generator's latent dimension (the classes, if any, follow in its input)
     */
    public VirtualBatchNorm(int size, long seed, int latentDim) {
        if (size < 2) {
            throw new IllegalArgumentException(REFERENCE_BATCH.name() + " must be at least 2 (a variance needs two rows), got " + size);
        }
        this.size = size;
        this.seed = seed;
        this.latentDim = latentDim;
    }

    /** Built from a run's settings. */
    static VirtualBatchNorm of(io.sparkgan.core.config.SettingValues c) {
        return new VirtualBatchNorm(c.get(REFERENCE_BATCH), c.get(GanConfig.SEED), c.get(GanConfig.LATENT_DIM));
    }

    @Override
    public String name() {
        return "virtual-batch-norm";
    }

    @Override
    public boolean generatorBatchNorm() {
        return true;
    }

    /**
     * Draws the reference batch: m codes from N(0, I) and, for a conditional generator (whose input
     * is wider than the latent code), a uniform class per row, one-hot, as {@link Generator#latent}
     * draws them.
     */
    @Override
    public void attachToGenerator(MultiLayerNetwork generator) {
        long in = ((FeedForwardLayer) generator.getLayerWiseConfigurations().getConf(0).getLayer()).getNIn();
        int classes = (int) in - latentDim;
        if (classes < 0) {
            throw new IllegalArgumentException("the generator takes " + in + " inputs, fewer than latent-dim " + latentDim);
        }
        DataType dtype = generator.params().dataType();
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            ExtraState.attach(generator, new Reference(Generator.latent(GanRandom.stream(seed, "reference-batch", 0), size, latentDim, classes, dtype)));
        }
    }

    /** The reference batch of generator {@code net} (rows of generator input), live; null when it has none. */
    public static INDArray reference(MultiLayerNetwork net) {
        Reference r = ExtraState.attached(net, Reference.class);
        return r == null ? null : r.z;
    }

    /** Attaches a copy of reference batch {@code z} to generator {@code net} (an exported or averaged copy of a trained one). */
    public static void attachReference(MultiLayerNetwork net, INDArray z) {
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            ExtraState.attach(net, new Reference(z.castTo(net.params().dataType()).dup('c')));
        }
    }

    /** The reference batch as extra state of a generator network. */
    static final class Reference implements ExtraState {
        static final String Z = REFERENCE_STATE;
        /** [m, latent + classes]. */
        private final INDArray z;

        Reference(INDArray z) {
            this.z = z;
        }

        @Override
        public Map<String, INDArray> extraState() {
            Map<String, INDArray> m = new LinkedHashMap<>();
            m.put(Z, z);
            return m;
        }
    }
}
