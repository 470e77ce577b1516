package io.sparkgan.core.nn;

import io.sparkgan.core.GanRandom;
import io.sparkgan.core.config.Setting;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Spectral normalisation of a discriminator's weights (Miyato, Kataoka, Koyama and Yoshida,
 * "Spectral Normalization for Generative Adversarial Networks", ICLR 2018): every dense and
 * convolution weight W is used as W / σ(W), σ(W) its largest singular value, estimated by one power
 * iteration per discriminator update (the paper's Algorithm 1) from a vector u kept between updates.
 *
 * <p>The weight is seen as a matrix M of shape [out, in]: for a dense layer the transpose of DL4J's
 * [nIn, nOut] weight, for a convolution DL4J's [out, in, kh, kw] weight reshaped to [out, in·kh·kw]
 * (as in the paper, §2.1 and appendix). Biases are not normalised. Other layers (batch
 * normalisation, activations) have no weight matrix and are left alone.
 *
 * <p>The estimate is σ = ‖Mᵀû‖ with û = u/‖u‖: the paper's σ = ũᵀMṽ with ṽ = Mᵀũ/‖Mᵀũ‖ recomputed
 * from the kept vector. It is a function of M and u alone, so for u held fixed its gradient is exactly
 * ∂σ/∂M = û vᵀ (v = Mᵀû/σ), which is the paper's gradient (§2.2, u and v treated as constants); and
 * since u is normalised here, an average of u vectors (FL-GAN's averaging of the discriminator, which
 * averages this state with the parameters) is as good a starting point as any single one of them.
 * The training step runs {@link #powerIteration} (u ← M Mᵀu, normalised) and then the passes; the
 * feedback and inference passes do not iterate, they use the kept u.
 *
 * <p>How it runs on plain DL4J layers: {@link #normalise} overwrites each weight with W/σ (keeping
 * the raw W), every pass of the step runs as usual (objective, regularizers, with any layer type and
 * Backprop's fast path), {@link #restore} puts the raw W back, and {@link #mapGradient} turns the
 * gradient with respect to W/σ, G, into the gradient with respect to W:
 * dL/dM = (G − ⟨G, M/σ⟩ û vᵀ) / σ. The optimizer then updates the raw W.
 *
 * <p>The u vectors are this network's {@link ExtraState}, attached to the network object
 * ({@link ExtraState#attach}), so MD-GAN swaps, FL-GAN averaging and checkpoints move them with the
 * parameters. Keys: {@code <layer index>/spectral-u}.
 */
public final class SpectralNorm implements ExtraState {
    /** Whether the discriminator is spectrally normalised. */
    public static final Setting<Boolean> SETTING = Setting.bool("spectral-norm", false,
            "Spectral normalisation of D's dense and convolution weights, one power iteration per D step (Miyato et al., ICLR 2018).");

    /** Name of a layer's u vector in the network's extra state. */
    public static final String KEY = "spectral-u";

    /** The normalised layers. */
    private final WeightLayers weights;
    private final int[] layers;
    private final boolean[] dense;
    /** The kept vectors, [out, 1]. */
    private final INDArray[] u;
    /** Of the current normalised pass: û, v, the raw weights and σ. */
    private final INDArray[] uHat;
    private final INDArray[] v;
    private final INDArray[] raw;
    private final double[] sigma;
    private boolean normalised;

    private SpectralNorm(MultiLayerNetwork net, long seed) {
        weights = new WeightLayers(net);
        layers = weights.layers;
        dense = weights.dense;
        int n = weights.size();
        u = new INDArray[n];
        uHat = new INDArray[n];
        v = new INDArray[n];
        raw = new INDArray[n];
        sigma = new double[n];
        GanRandom rng = new GanRandom(seed);
        // The kept state outlives every iteration's workspace.
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            for (int j = 0; j < n; j++) {
                INDArray w = weight(net, j);
                long out = dense[j] ? w.size(1) : w.size(0);
                long in = w.length() / out;
                double[] init = new double[(int) out];
                double norm = 0;
                for (int k = 0; k < init.length; k++) {
                    init[k] = rng.nextGaussian();
                    norm += init[k] * init[k];
                }
                norm = Math.sqrt(norm);
                for (int k = 0; k < init.length; k++) {
                    init[k] /= norm;
                }
                u[j] = Nd4j.create(init, new long[] {out, 1}, w.dataType());
                uHat[j] = Nd4j.create(w.dataType(), out, 1);
                v[j] = Nd4j.create(w.dataType(), in, 1);
                raw[j] = w.dup();
            }
        }
    }

    /**
     * Spectrally normalises {@code net}'s dense and convolution layers from now on: creates the u
     * vectors (random unit vectors drawn from {@code seed}) and attaches them to the network.
     */
    public static SpectralNorm attach(MultiLayerNetwork net, long seed) {
        SpectralNorm sn = new SpectralNorm(net, seed);
        ExtraState.attach(net, sn);
        return sn;
    }

    /** The spectral normalisation attached to {@code net}, or null. */
    public static SpectralNorm of(MultiLayerNetwork net) {
        return ExtraState.attached(net, SpectralNorm.class);
    }

    @Override
    public Map<String, INDArray> extraState() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int j = 0; j < layers.length; j++) {
            out.put(layers[j] + "/" + KEY, u[j]);
        }
        return out;
    }

    /** Indices of the normalised layers. */
    public int[] layers() {
        return layers.clone();
    }

    /** One power iteration on every normalised weight: u ← M Mᵀu / ‖M Mᵀu‖ (Miyato et al., Algorithm 1). */
    public void powerIteration(MultiLayerNetwork net) {
        requireRaw();
        for (int j = 0; j < layers.length; j++) {
            INDArray w = weight(net, j);
            INDArray a = transposeTimes(w, j, u[j]);
            double an = a.norm2Number().doubleValue();
            if (!(an > 0)) {
                continue; // u orthogonal to the rows of M (or M zero): no direction to follow
            }
            INDArray b = times(w, j, a.divi(an));
            double bn = b.norm2Number().doubleValue();
            if (bn > 0) {
                u[j].assign(b.divi(bn));
            }
        }
    }

    /**
     * Overwrites every normalised weight W with W/σ(W), σ estimated from the kept u (no iteration),
     * keeping the raw weights for {@link #restore}. A layer whose estimate is zero is left as it is.
     */
    public void normalise(MultiLayerNetwork net) {
        requireRaw();
        for (int j = 0; j < layers.length; j++) {
            INDArray w = weight(net, j);
            raw[j].assign(w);
            double un = u[j].norm2Number().doubleValue();
            sigma[j] = 0;
            if (!(un > 0)) {
                continue;
            }
            uHat[j].assign(u[j]).divi(un);
            INDArray a = transposeTimes(w, j, uHat[j]);
            double s = a.norm2Number().doubleValue();
            if (!(s > 0) || !Double.isFinite(s)) {
                continue;
            }
            sigma[j] = s;
            v[j].assign(a.divi(s));
            w.divi(s);
        }
        normalised = true;
    }

    /** Puts back the raw weights that {@link #normalise} replaced. */
    public void restore(MultiLayerNetwork net) {
        if (!normalised) {
            throw new IllegalStateException("spectral normalisation: restore without normalise");
        }
        weights.restore(net, raw);
        normalised = false;
    }

    /**
     * Turns {@code gradient} (laid out as the network's flattened parameters), the gradient with
     * respect to the normalised weights of the last {@link #normalise}, into the gradient with respect
     * to the raw weights, in place: dL/dM = (G − ⟨G, M/σ⟩ û vᵀ) / σ. Call after {@link #restore}.
     */
    public void mapGradient(MultiLayerNetwork net, INDArray gradient) {
        requireRaw();
        for (int j = 0; j < layers.length; j++) {
            if (sigma[j] == 0) {
                continue;
            }
            INDArray g = weights.weightGradient(net, gradient, j);
            INDArray w = weight(net, j);
            double s = sigma[j];
            double inner = g.mul(w).sumNumber().doubleValue() / s;
            // û vᵀ in the weight's own layout.
            INDArray outer = dense[j] ? v[j].mmul(uHat[j].transpose()) : uHat[j].mmul(v[j].transpose()).reshape('c', w.shape());
            g.subi(outer.muli(inner)).divi(s);
        }
    }

    /** σ of layer {@code j} (of {@link #layers}) in the last {@link #normalise}; 0 if it was left alone. */
    public double sigma(int j) {
        return sigma[j];
    }

    private void requireRaw() {
        if (normalised) {
            throw new IllegalStateException("spectral normalisation: the weights are normalised (a pass inside a pass?)");
        }
    }

    private INDArray weight(MultiLayerNetwork net, int j) {
        return weights.weight(net, j);
    }

    /** Mᵀx for x [out, 1]: [in, 1]. */
    private INDArray transposeTimes(INDArray w, int j, INDArray x) {
        if (dense[j]) {
            return w.mmul(x); // M = Wᵀ
        }
        return matrix(w).transpose().mmul(x);
    }

    /** M y for y [in, 1]: [out, 1]. */
    private INDArray times(INDArray w, int j, INDArray y) {
        if (dense[j]) {
            return w.transpose().mmul(y);
        }
        return matrix(w).mmul(y);
    }

    private static INDArray matrix(INDArray convWeight) {
        return convWeight.reshape('c', convWeight.size(0), convWeight.length() / convWeight.size(0));
    }
}
