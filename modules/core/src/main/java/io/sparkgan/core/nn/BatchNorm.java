package io.sparkgan.core.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalisation (Ioffe and Szegedy, "Batch Normalization: Accelerating Deep Network Training
 * by Reducing Internal Covariate Shift", ICML 2015) in training mode on the fast path of
 * {@link Backprop}, for DL4J's {@code BatchNormalization} layer on [b, F] or NCHW [b, C, H, W]
 * input: batch statistics per feature (per channel over b·H·W for images), normalisation, scale
 * and shift, and the backward pass
 * dx = (γ/σ)·(ε − mean(ε) − x̂·mean(ε·x̂)).
 *
 * <p>DL4J keeps the running mean and standard deviation as parameters updated through their
 * "gradient" by a no-op updater: mean ← mean − g_mean with g_mean = (1 − decay)·(mean − μ_batch),
 * and, with {@code useLogStd}, log10σ ← log10σ − g with g = log10σ − ½·log10(decay·σ² +
 * (1 − decay)·σ²_batch), the batch variance without ε (without {@code useLogStd}, the same
 * moving average on the variance). This class writes the same gradients, so checkpoints, inference and
 * DL4J's own updater see exactly what DL4J's layer would have produced; {@code BatchNormTest}
 * checks every output against the layer itself.
 *
 * <p>Virtual batch normalisation (Salimans et al., "Improved Techniques for Training GANs",
 * NeurIPS 2016, §3.5; {@link io.sparkgan.core.stabilizer.VirtualBatchNorm}) takes the statistics
 * from the first r rows only (the reference batch) and applies them to every row. The backward
 * pass then differentiates through those statistics, per feature with R the statistics rows and
 * the sums over all rows: dx_i = (γ/σ)·(ε_i − [i ∈ R]·(Σε/r + x̂_i·Σ(ε·x̂)/r)); with R every row
 * this is the formula above, computed by the same operations in the same order, so the plain pass
 * is bit for bit what it was. The running-statistics updates are then those of the reference
 * rows; nothing reads them under virtual batch normalisation.
 *
 * <p>Why: DL4J's layer took about 45 ms of the 330 ms dcgan-mnist iteration (two layers, forward
 * and backward, about 15 ND4J ops each with broadcasts; docs/benchmarks.md). Here each pass is a
 * few sweeps over heap copies of the activations, with sums in double.
 */
final class BatchNorm {
    private BatchNorm() {}

    /**
     * What the forward pass keeps: x̂ (same shape as the input), σ per feature, the moments of the
     * statistics rows, and how many leading rows those are (every row for plain batch normalisation).
     */
    record Kept(INDArray xHat, double[] std, double[] mean, double[] var, int features, int spatial, int statisticsRows) {}

    static boolean handles(Layer layer) {
        if (layer.getClass() != org.deeplearning4j.nn.layers.normalization.BatchNormalization.class
                || !(layer.conf().getLayer() instanceof BatchNormalization c)) {
            return false;
        }
        return !c.isLockGammaBeta() && c.getCnn2DFormat() == CNN2DFormat.NCHW && c.getIDropout() == null && c.isMinibatch();
    }

    /** Training-mode output of {@code x} ([b, F] or [b, C, H, W]) and what the backward pass needs. */
    static org.nd4j.common.primitives.Pair<INDArray, Kept> forward(Layer layer, INDArray x) {
        return forward(layer, x, (int) x.size(0));
    }

    /**
     * As {@link #forward(Layer, INDArray)}, normalising every row with the mean and variance of the
     * first {@code statisticsRows} rows only (virtual batch normalisation's reference batch).
     */
    static org.nd4j.common.primitives.Pair<INDArray, Kept> forward(Layer layer, INDArray x, int statisticsRows) {
        BatchNormalization c = (BatchNormalization) layer.conf().getLayer();
        INDArray in = OffHeap.contiguous(x);
        int b = (int) in.size(0);
        if (statisticsRows < 1 || statisticsRows > b) {
            throw new IllegalArgumentException("statistics rows " + statisticsRows + " are outside 1.." + b);
        }
        int r = statisticsRows;
        int f = (int) in.size(1);
        int spatial = (int) (in.length() / ((long) b * f));
        int n = (int) in.length();
        double[] gamma = layer.getParam(BatchNormalizationParamInitializer.GAMMA).toDoubleVector();
        double[] beta = layer.getParam(BatchNormalizationParamInitializer.BETA).toDoubleVector();
        double[] data = read(in);
        double[] mean = new double[f];
        double[] var = new double[f];
        double count = (double) r * spatial;
        // Two passes (mean, then squared deviations): exact enough in double for any scale of input.
        for (int s = 0; s < r; s++) {
            for (int j = 0; j < f; j++) {
                int at = (s * f + j) * spatial;
                double sum = 0;
                for (int k = 0; k < spatial; k++) {
                    sum += data[at + k];
                }
                mean[j] += sum;
            }
        }
        for (int j = 0; j < f; j++) {
            mean[j] /= count;
        }
        for (int s = 0; s < r; s++) {
            for (int j = 0; j < f; j++) {
                int at = (s * f + j) * spatial;
                double m = mean[j];
                double sum = 0;
                for (int k = 0; k < spatial; k++) {
                    double d = data[at + k] - m;
                    sum += d * d;
                }
                var[j] += sum;
            }
        }
        double[] std = new double[f];
        for (int j = 0; j < f; j++) {
            var[j] /= count;
            std[j] = Math.sqrt(var[j] + c.getEps());
        }
        double[] out = new double[n];
        for (int s = 0; s < b; s++) {
            for (int j = 0; j < f; j++) {
                int at = (s * f + j) * spatial;
                double m = mean[j];
                double inv = 1.0 / std[j];
                for (int k = 0; k < spatial; k++) {
                    data[at + k] = (data[at + k] - m) * inv; // x̂, in place
                    out[at + k] = gamma[j] * data[at + k] + beta[j];
                }
            }
        }
        INDArray xHat = Nd4j.createUninitialized(in.dataType(), in.shape());
        write(xHat, data);
        INDArray y = Nd4j.createUninitialized(in.dataType(), in.shape());
        write(y, out);
        return org.nd4j.common.primitives.Pair.of(y, new Kept(xHat, std, mean, var, f, spatial, r));
    }

    /**
     * d loss / d input from {@code eps}; with {@code gradients} (the layer's views by name), also
     * γ's and β's gradients and the running statistics' updates as DL4J's layer writes them.
     */
    static INDArray backward(Layer layer, Kept kept, INDArray eps, Map<String, INDArray> gradients, boolean inputGradient) {
        BatchNormalization c = (BatchNormalization) layer.conf().getLayer();
        INDArray e = OffHeap.contiguous(eps);
        int f = kept.features();
        int spatial = kept.spatial();
        int b = (int) (e.length() / ((long) f * spatial));
        double[] g = read(e);
        double[] xHat = read(kept.xHat());
        double[] sumEps = new double[f];
        double[] sumEpsXHat = new double[f];
        for (int s = 0; s < b; s++) {
            for (int j = 0; j < f; j++) {
                int at = (s * f + j) * spatial;
                double a = 0;
                double d = 0;
                for (int k = 0; k < spatial; k++) {
                    a += g[at + k];
                    d += g[at + k] * xHat[at + k];
                }
                sumEps[j] += a;
                sumEpsXHat[j] += d;
            }
        }
        if (gradients != null) {
            assign(gradients.get(BatchNormalizationParamInitializer.GAMMA), sumEpsXHat);
            assign(gradients.get(BatchNormalizationParamInitializer.BETA), sumEps);
            double decay = c.getDecay();
            double[] runningMean = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).toDoubleVector();
            double[] meanUpdate = new double[f];
            for (int j = 0; j < f; j++) {
                meanUpdate[j] = (runningMean[j] - kept.mean()[j]) * (1 - decay);
            }
            assign(gradients.get(BatchNormalizationParamInitializer.GLOBAL_MEAN), meanUpdate);
            double[] stdUpdate = new double[f];
            if (c.isUseLogStd()) {
                double[] log10std = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).toDoubleVector();
                for (int j = 0; j < f; j++) {
                    double oldVar = Math.pow(10, 2 * log10std[j]);
                    double newVar = decay * oldVar + (1 - decay) * kept.var()[j];
                    stdUpdate[j] = Math.log(oldVar / newVar) / (2 * Math.log(10));
                }
                assign(gradients.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD), stdUpdate);
            } else {
                double[] runningVar = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR).toDoubleVector();
                for (int j = 0; j < f; j++) {
                    stdUpdate[j] = (runningVar[j] - kept.var()[j]) * (1 - decay);
                }
                assign(gradients.get(BatchNormalizationParamInitializer.GLOBAL_VAR), stdUpdate);
            }
        }
        if (!inputGradient) {
            return null;
        }
        double[] gamma = layer.getParam(BatchNormalizationParamInitializer.GAMMA).toDoubleVector();
        int r = kept.statisticsRows();
        double count = (double) r * spatial;
        double[] dx = g; // in place: each entry is read once, just before it is written
        for (int s = 0; s < b; s++) {
            for (int j = 0; j < f; j++) {
                int at = (s * f + j) * spatial;
                double scale = gamma[j] / kept.std()[j];
                if (s >= r) {
                    // Not a statistics row: the mean and variance do not depend on it.
                    for (int k = 0; k < spatial; k++) {
                        dx[at + k] = scale * g[at + k];
                    }
                    continue;
                }
                double meanEps = sumEps[j] / count;
                double meanEpsXHat = sumEpsXHat[j] / count;
                for (int k = 0; k < spatial; k++) {
                    dx[at + k] = scale * (g[at + k] - meanEps - xHat[at + k] * meanEpsXHat);
                }
            }
        }
        INDArray out = Nd4j.createUninitialized(e.dataType(), e.shape());
        write(out, dx);
        return out;
    }

    private static void assign(INDArray view, double[] values) {
        view.assign(Nd4j.createFromArray(values).castTo(view.dataType()).reshape(view.shape()));
    }

    private static double[] read(INDArray a) {
        int n = (int) a.length();
        double[] out = new double[n];
        if (a.dataType() == DataType.FLOAT) {
            float[] tmp = new float[n];
            OffHeap.floats(a).get(0, tmp, 0, n);
            for (int i = 0; i < n; i++) {
                out[i] = tmp[i];
            }
        } else {
            OffHeap.doubles(a).get(0, out, 0, n);
        }
        return out;
    }

    private static void write(INDArray a, double[] values) {
        int n = values.length;
        if (a.dataType() == DataType.FLOAT) {
            float[] tmp = new float[n];
            for (int i = 0; i < n; i++) {
                tmp[i] = (float) values[i];
            }
            FloatBuffer out = OffHeap.floats(a);
            out.put(0, tmp, 0, n);
        } else {
            DoubleBuffer out = OffHeap.doubles(a);
            out.put(0, values, 0, n);
        }
    }
}
