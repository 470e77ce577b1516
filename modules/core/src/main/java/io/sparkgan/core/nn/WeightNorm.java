package io.sparkgan.core.nn;

import io.sparkgan.core.config.Setting;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Weight normalisation of a discriminator's layers (Salimans and Kingma, "Weight Normalization: A
 * Simple Reparameterization to Accelerate Training of Deep Neural Networks", NeurIPS 2016), as the
 * semi-supervised GAN's discriminator uses it (Salimans et al., "Improved Techniques for Training
 * GANs", 2016, §5 and its code): each unit's weight vector is {@code w = g · v/‖v‖}, the direction
 * v and the scale g learned separately.
 *
 * <p>How it runs on plain DL4J layers, as {@link SpectralNorm} does: the network's weight slots hold
 * v; {@link #normalise} overwrites them with {@code g · v/‖v‖} for a pass (keeping v),
 * {@link #restore} puts v back, and {@link #mapGradient} turns the gradient G with respect to the
 * used weights into the one with respect to v, {@code (g/‖v‖)·(G − (G·v̂) v̂)}, keeping
 * {@code dL/dg = G·v̂} for {@link #step}, which takes the scales' Adam step with the network's own
 * Adam settings and rate. A unit is a column of a dense layer's [nIn, nOut] weight, an output channel
 * of a convolution's [out, in, kh, kw] weight. The scales start at ‖v‖, so a freshly normalised
 * network computes what it computed before (the paper's data-dependent initialisation is not done).
 *
 * <p>The scales and their Adam moments are this network's {@link ExtraState}: MD-GAN swaps, FL-GAN
 * averaging and checkpoints move them with the parameters. Keys {@code <layer>/weight-norm-g},
 * {@code .../weight-norm-m}, {@code .../weight-norm-v}.
 */
public final class WeightNorm implements ExtraState {
    public static final Setting<Boolean> SETTING = Setting.bool("weight-norm", false,
            "Weight normalisation of D's dense and convolution layers, w = g v/|v| per unit (Salimans and Kingma 2016; the semi-supervised GAN's D).");

    /** The normalised layers. */
    private final WeightLayers weights;
    private final int[] layers;
    private final boolean[] dense;
    /** Per normalised layer: the scales g, their Adam moments, [units] each (the network's data type). */
    private final INDArray[] g;
    private final INDArray[] m;
    private final INDArray[] v;
    /** Of the current normalised pass: the raw directions, their norms and dL/dg of the last mapped gradient. */
    private final INDArray[] raw;
    private final double[][] norms;
    private final double[][] scaleGrad;
    private boolean normalised;

    private WeightNorm(MultiLayerNetwork net) {
        weights = new WeightLayers(net);
        layers = weights.layers;
        dense = weights.dense;
        int n = weights.size();
        g = new INDArray[n];
        m = new INDArray[n];
        v = new INDArray[n];
        raw = new INDArray[n];
        norms = new double[n][];
        scaleGrad = new double[n][];
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            for (int j = 0; j < n; j++) {
                INDArray w = weight(net, j);
                INDArray units = units(w, j);
                double[] start = units.norm2(0).castTo(DataType.DOUBLE).toDoubleVector();
                g[j] = Nd4j.create(start, new long[] {start.length}, w.dataType());
                m[j] = Nd4j.zeros(w.dataType(), start.length);
                v[j] = Nd4j.zeros(w.dataType(), start.length);
                raw[j] = w.dup();
            }
        }
    }

    /** Weight-normalises {@code net}'s dense and convolution layers from now on, its scales starting at the weights' norms. */
    public static WeightNorm attach(MultiLayerNetwork net) {
        WeightNorm wn = new WeightNorm(net);
        ExtraState.attach(net, wn);
        return wn;
    }

    /** The weight normalisation attached to {@code net}, or null. */
    public static WeightNorm of(MultiLayerNetwork net) {
        return ExtraState.attached(net, WeightNorm.class);
    }

    @Override
    public Map<String, INDArray> extraState() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int j = 0; j < layers.length; j++) {
            out.put(layers[j] + "/weight-norm-g", g[j]);
            out.put(layers[j] + "/weight-norm-m", m[j]);
            out.put(layers[j] + "/weight-norm-v", v[j]);
        }
        return out;
    }

    /** The scales of normalised layer {@code j} (live). */
    public INDArray scales(int j) {
        return g[j];
    }

    /** dL/dg of normalised layer {@code j} from the last {@link #mapGradient} (null after {@link #step}); for tests. */
    double[] scaleGradient(int j) {
        return scaleGrad[j];
    }

    /** Overwrites every normalised weight v with g·v/‖v‖, keeping v for {@link #restore}. A zero direction is left as it is. */
    public void normalise(MultiLayerNetwork net) {
        if (normalised) {
            throw new IllegalStateException("weight normalisation: the weights are normalised (a pass inside a pass?)");
        }
        for (int j = 0; j < layers.length; j++) {
            INDArray w = weight(net, j);
            raw[j].assign(w);
            INDArray units = units(w, j);
            norms[j] = units.norm2(0).castTo(DataType.DOUBLE).toDoubleVector();
            double[] scale = g[j].castTo(DataType.DOUBLE).toDoubleVector();
            for (int k = 0; k < scale.length; k++) {
                scale[k] = norms[j][k] > 0 ? scale[k] / norms[j][k] : 1;
            }
            units.muliRowVector(Nd4j.create(scale, new long[] {1, scale.length}, w.dataType()));
        }
        normalised = true;
    }

    /** Puts back the directions that {@link #normalise} replaced. */
    public void restore(MultiLayerNetwork net) {
        if (!normalised) {
            throw new IllegalStateException("weight normalisation: restore without normalise");
        }
        weights.restore(net, raw);
        normalised = false;
    }

    /**
     * Turns {@code gradient} (the network's flattened layout), with respect to the weights of the last
     * {@link #normalise}, into the gradient with respect to the directions v, in place, and keeps
     * dL/dg for {@link #step}. Call after {@link #restore}.
     */
    public void mapGradient(MultiLayerNetwork net, INDArray gradient) {
        for (int j = 0; j < layers.length; j++) {
            INDArray gw = units(weights.weightGradient(net, gradient, j), j);
            INDArray dir = units(weight(net, j), j);
            double[] n = norms[j];
            double[] scale = g[j].castTo(DataType.DOUBLE).toDoubleVector();
            // dL/dg_k = G_k·v_k/‖v_k‖, in double.
            double[] dg = gw.castTo(DataType.DOUBLE).mul(dir.castTo(DataType.DOUBLE)).sum(0).toDoubleVector();
            double[] along = new double[n.length];
            double[] factor = new double[n.length];
            for (int k = 0; k < n.length; k++) {
                if (n[k] > 0) {
                    dg[k] /= n[k];
                    along[k] = dg[k] / n[k];
                    factor[k] = scale[k] / n[k];
                } else {
                    dg[k] = 0;
                    factor[k] = 1;
                }
            }
            scaleGrad[j] = dg;
            DataType t = gw.dataType();
            // dL/dv_k = (g_k/‖v_k‖)·(G_k − (dL/dg_k/‖v_k‖)·v_k).
            gw.subi(dir.mulRowVector(Nd4j.create(along, new long[] {1, n.length}, t))).muliRowVector(Nd4j.create(factor, new long[] {1, n.length}, t));
        }
    }

    /**
     * The scales' Adam step (Kingma and Ba 2015, as {@link FusedAdam} takes it) on the dL/dg of the last
     * {@link #mapGradient}, with {@code net}'s Adam settings at its update {@code iteration} (0-based,
     * the one just taken), at the rate that update used.
     */
    public void step(MultiLayerNetwork net, int iteration) {
        if (!(net.getLayer(layers.length == 0 ? 0 : layers[0]).conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer base)
                || !(base.getIUpdater() instanceof Adam adam)) {
            throw new IllegalStateException("weight normalisation steps its scales with the network's Adam; the network has no Adam updater");
        }
        int t = iteration + 1;
        double b1 = adam.getBeta1();
        double b2 = adam.getBeta2();
        double eps = adam.getEpsilon();
        double lr = adam.getLearningRate(iteration, net.getLayerWiseConfigurations().getEpochCount());
        double step = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
        for (int j = 0; j < layers.length; j++) {
            double[] dg = scaleGrad[j];
            if (dg == null) {
                continue;
            }
            double[] gs = g[j].castTo(DataType.DOUBLE).toDoubleVector();
            double[] ms = m[j].castTo(DataType.DOUBLE).toDoubleVector();
            double[] vs = v[j].castTo(DataType.DOUBLE).toDoubleVector();
            for (int k = 0; k < gs.length; k++) {
                ms[k] = b1 * ms[k] + (1 - b1) * dg[k];
                vs[k] = b2 * vs[k] + (1 - b2) * dg[k] * dg[k];
                gs[k] -= step * ms[k] / (Math.sqrt(vs[k]) + eps);
            }
            g[j].assign(Nd4j.create(gs, new long[] {gs.length}, DataType.DOUBLE));
            m[j].assign(Nd4j.create(ms, new long[] {ms.length}, DataType.DOUBLE));
            v[j].assign(Nd4j.create(vs, new long[] {vs.length}, DataType.DOUBLE));
            scaleGrad[j] = null;
        }
    }

    private INDArray weight(MultiLayerNetwork net, int j) {
        return weights.weight(net, j);
    }

    /** The weight as a matrix whose columns are the units (a view): a dense weight itself, a convolution's transposed [out, rest]. */
    private INDArray units(INDArray w, int j) {
        if (dense[j]) {
            return w;
        }
        return w.reshape('c', w.size(0), w.length() / w.size(0)).transpose();
    }
}
