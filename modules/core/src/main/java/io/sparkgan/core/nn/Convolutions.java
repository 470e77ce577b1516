package io.sparkgan.core.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The convolution fast path of {@link Backprop}: 2-D convolutions and transposed convolutions
 * (DL4J's {@code ConvolutionLayer} and {@code Deconvolution2D}, NCHW, any stride, "same" or
 * explicit padding, no dilation) as an unfold of the image into a buffer plus one GEMM per layer
 * and batch (Chellapilla, Puri and Simard, "High Performance Convolutional Neural Networks for
 * Document Processing", 2006), forward and backward, with input gradients.
 *
 * <p>Why this method: DL4J's convolution spends most of its time in libnd4j's {@code im2col}, not
 * in the GEMM (64 % against 5 % of the evaluation classifier's step, docs/benchmarks.md), and its
 * backward pass unfolds the input a second time. Here the unfold is a gather through an index map
 * computed once per geometry (a few thousand ints), written straight into the off-heap buffer the
 * GEMM reads, and the forward pass keeps it, so the weight gradient needs no second unfold. The
 * GEMMs go to OpenBLAS directly ({@link Gemm}). A transposed convolution is the adjoint of a
 * convolution, so it uses the same unfold with the roles of the two passes exchanged: its forward
 * pass is a GEMM followed by the fold (col2im), its backward pass an unfold of the output gradient
 * followed by GEMMs.
 *
 * <p>Weights, gradients and their flattened layout are DL4J's own views, so saved models and
 * checkpoints keep DL4J's format; {@code ConvolutionsTest} checks every supported layout, stride
 * and padding against DL4J's layers and against finite differences.
 */
final class Convolutions {
    private Convolutions() {}

    /**
     * A convolution's geometry seen from its image side: an image of {@code channels × height ×
     * width} read through {@code kh × kw} windows at {@code outH × outW} positions. For a
     * convolution the image is its input; for a transposed convolution, its output.
     */
    record Geometry(int channels, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int outH, int outW) {
        /** Rows of the unfolded matrix: one per (channel, kernel row, kernel column). */
        int patch() {
            return channels * kh * kw;
        }

        int positions() {
            return outH * outW;
        }

        int imageSize() {
            return channels * height * width;
        }
    }

    /** Where each unfolded entry (row r, position p) reads the image: offset within one image, or -1 for padding. */
    private static final Map<Geometry, int[]> INDEX = new ConcurrentHashMap<>();

    static int[] index(Geometry g) {
        return INDEX.computeIfAbsent(g, Convolutions::buildIndex);
    }

    private static int[] buildIndex(Geometry g) {
        int positions = g.positions();
        int[] idx = new int[g.patch() * positions];
        int r = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++, r++) {
                    for (int oy = 0; oy < g.outH(); oy++) {
                        int iy = oy * g.sh() - g.ph() + i;
                        for (int ox = 0; ox < g.outW(); ox++) {
                            int ix = ox * g.sw() - g.pw() + j;
                            boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                            idx[r * positions + oy * g.outW() + ox] = inside ? (c * g.height() + iy) * g.width() + ix : -1;
                        }
                    }
                }
            }
        }
        return idx;
    }

    /** True for the layers this path computes exactly as DL4J does. */
    static boolean handles(Layer layer) {
        if (!(layer.conf().getLayer() instanceof ConvolutionLayer c)) {
            return false;
        }
        boolean plainType = layer.getClass() == org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class
                || layer.getClass() == org.deeplearning4j.nn.layers.convolution.Deconvolution2DLayer.class;
        ConvolutionMode mode = c.getConvolutionMode();
        return plainType && c.getKernelSize().length == 2 && c.getDilation()[0] == 1 && c.getDilation()[1] == 1
                && c.getCnn2dDataFormat() == CNN2DFormat.NCHW && c.getIDropout() == null && c.getWeightNoise() == null
                && (mode == ConvolutionMode.Same || mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict);
    }

    static boolean isTransposed(Layer layer) {
        return layer.conf().getLayer() instanceof Deconvolution2D;
    }

    /** The geometry of {@code layer} on inputs of {@code inH × inW}. */
    static Geometry geometry(Layer layer, long inH, long inW) {
        ConvolutionLayer c = (ConvolutionLayer) layer.conf().getLayer();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] p = c.getPadding();
        boolean same = c.getConvolutionMode() == ConvolutionMode.Same;
        int h = (int) inH;
        int w = (int) inW;
        if (isTransposed(layer)) {
            // The image side is the output; the windows sit at the input's positions.
            int outH = same ? h * s[0] : s[0] * (h - 1) + k[0] - 2 * p[0];
            int outW = same ? w * s[1] : s[1] * (w - 1) + k[1] - 2 * p[1];
            int ph = same ? Math.max(0, ((h - 1) * s[0] + k[0] - outH) / 2) : p[0];
            int pw = same ? Math.max(0, ((w - 1) * s[1] + k[1] - outW) / 2) : p[1];
            return new Geometry((int) c.getNOut(), outH, outW, k[0], k[1], s[0], s[1], ph, pw, h, w);
        }
        int outH = same ? (h + s[0] - 1) / s[0] : (h + 2 * p[0] - k[0]) / s[0] + 1;
        int outW = same ? (w + s[1] - 1) / s[1] : (w + 2 * p[1] - k[1]) / s[1] + 1;
        if (c.getConvolutionMode() == ConvolutionMode.Strict && ((h + 2 * p[0] - k[0]) % s[0] != 0 || (w + 2 * p[1] - k[1]) % s[1] != 0)) {
            throw new IllegalArgumentException("convolution in Strict mode does not fit an input of " + h + "x" + w);
        }
        // DL4J's "same" padding: the floor of half the total at the top and left, the rest at the bottom and right.
        int ph = same ? Math.max(0, ((outH - 1) * s[0] + k[0] - h) / 2) : p[0];
        int pw = same ? Math.max(0, ((outW - 1) * s[1] + k[1] - w) / 2) : p[1];
        return new Geometry((int) c.getNIn(), h, w, k[0], k[1], s[0], s[1], ph, pw, outH, outW);
    }

    /** What the forward pass of one layer keeps: its pre-activation and the matrix its weight gradient needs. */
    record Kept(INDArray preActivation, INDArray operand, Geometry geometry) {}

    /**
     * Forward pass of a convolution or transposed convolution on {@code x} [b, C, H, W]; the
     * pre-activation (before the layer's activation) is [b, C', H', W'].
     */
    static Kept forward(Layer layer, INDArray x) {
        long b = x.size(0);
        INDArray input = contiguous(x);
        Geometry g = geometry(layer, input.size(2), input.size(3));
        INDArray w = layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray bias = hasBias(layer) ? layer.getParam(ConvolutionParamInitializer.BIAS_KEY) : null;
        int patch = g.patch();
        int positions = g.positions();
        if (!isTransposed(layer)) {
            int outC = (int) w.size(0);
            INDArray col = unfold(input, g, b);
            INDArray zt = Nd4j.createUninitialized(x.dataType(), outC, b * positions);
            Gemm.gemm(w.reshape('c', outC, patch), col, zt, false, false, 1.0, 0.0);
            if (bias != null) {
                zt.addiColumnVector(bias.reshape(outC, 1));
            }
            INDArray z = channelsSecond(zt, b, outC, positions).reshape('c', b, outC, g.outH(), g.outW());
            return new Kept(z, col, g);
        }
        int inC = (int) w.size(0);
        INDArray xt = channelsFirst(input, b, inC, positions);
        INDArray col = Nd4j.createUninitialized(x.dataType(), patch, b * positions);
        Gemm.gemm(w.reshape('c', inC, patch), xt, col, true, false, 1.0, 0.0);
        INDArray z = fold(col, g, b);
        if (bias != null) {
            Nd4j.getExecutioner().exec(new BroadcastAddOp(z, bias.reshape(bias.length()), z, 1));
        }
        return new Kept(z, xt, g);
    }

    /**
     * Backward pass from {@code delta} = d loss / d pre-activation [b, C', H', W'].
     *
     * @param gradients the layer's gradient views by parameter name (DL4J's flattened layout), or null to skip them
     * @param inputGradient whether to compute d loss / d input
     * @return d loss / d input [b, C, H, W], or null
     */
    static INDArray backward(Layer layer, Kept kept, INDArray delta, Map<String, INDArray> gradients, boolean inputGradient) {
        Geometry g = kept.geometry();
        INDArray w = layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        long b = delta.size(0);
        int patch = g.patch();
        int positions = g.positions();
        INDArray d = contiguous(delta);
        if (!isTransposed(layer)) {
            int outC = (int) w.size(0);
            INDArray dt = channelsFirst(d, b, outC, positions);
            if (gradients != null) {
                weightGradient(gradients, dt, kept.operand(), outC, patch);
                INDArray db = gradients.get(ConvolutionParamInitializer.BIAS_KEY);
                if (db != null) {
                    db.assign(dt.sum(1).reshape(db.shape()));
                }
            }
            if (!inputGradient) {
                return null;
            }
            INDArray dcol = Nd4j.createUninitialized(delta.dataType(), patch, b * positions);
            Gemm.gemm(w.reshape('c', outC, patch), dt, dcol, true, false, 1.0, 0.0);
            return fold(dcol, g, b);
        }
        int inC = (int) w.size(0);
        INDArray dcol = unfold(d, g, b);
        if (gradients != null) {
            weightGradient(gradients, kept.operand(), dcol, inC, patch);
            INDArray db = gradients.get(ConvolutionParamInitializer.BIAS_KEY);
            if (db != null) {
                db.assign(d.sum(0, 2, 3).reshape(db.shape()));
            }
        }
        if (!inputGradient) {
            return null;
        }
        INDArray dxt = Nd4j.createUninitialized(delta.dataType(), inC, b * positions);
        Gemm.gemm(w.reshape('c', inC, patch), dcol, dxt, false, false, 1.0, 0.0);
        return channelsSecond(dxt, b, inC, positions).reshape('c', b, inC, g.outH(), g.outW());
    }

    /** dW = a · bᵀ into the layer's weight-gradient view (reshaped as [rows, patch]). */
    private static void weightGradient(Map<String, INDArray> gradients, INDArray a, INDArray bt, int rows, int patch) {
        INDArray view = gradients.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray target = view.reshape('c', rows, patch);
        if (target.data().addressPointer().address() == view.data().addressPointer().address() && Gemm.layout(target) != 0) {
            Gemm.gemm(a, bt, target, false, true, 1.0, 0.0);
        } else {
            // A reshape that had to copy: compute, then write into the view.
            INDArray dw = Nd4j.createUninitialized(view.dataType(), rows, patch);
            Gemm.gemm(a, bt, dw, false, true, 1.0, 0.0);
            view.assign(dw.reshape('c', view.shape()));
        }
    }

    private static boolean hasBias(Layer layer) {
        return ((ConvolutionLayer) layer.conf().getLayer()).hasBias();
    }

    private static INDArray contiguous(INDArray x) {
        return x.ordering() == 'c' && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(x) ? x : x.dup('c');
    }

    /** [b, C, P] (NCHW) as [C, b·P]: channel-major, one row per channel. */
    static INDArray channelsFirst(INDArray x, long b, int c, int positions) {
        return x.reshape('c', b, c, positions).permute(1, 0, 2).dup('c').reshape('c', c, b * positions);
    }

    /** [C, b·P] back to [b, C, P] (NCHW). */
    static INDArray channelsSecond(INDArray xt, long b, int c, int positions) {
        return xt.reshape('c', c, b, positions).permute(1, 0, 2).dup('c');
    }

    /** im2col: the image batch [b, C, H, W] as [patch, b·P], column n·P + p holding sample n's window at p. */
    static INDArray unfold(INDArray image, Geometry g, long b) {
        int[] idx = index(g);
        int patch = g.patch();
        int positions = g.positions();
        int size = g.imageSize();
        long cols = b * positions;
        INDArray col = Nd4j.createUninitialized(image.dataType(), patch, cols);
        if (image.dataType() == DataType.FLOAT) {
            FloatBuffer in = floats(image);
            FloatBuffer out = floats(col);
            // Sample-major, so one image (up to a few hundred kB) stays in cache while its rows are written.
            for (int n = 0; n < b; n++) {
                int base = n * size;
                for (int r = 0; r < patch; r++) {
                    int o = (int) (r * cols) + n * positions;
                    int ir = r * positions;
                    for (int p = 0; p < positions; p++) {
                        int i = idx[ir + p];
                        out.put(o + p, i < 0 ? 0f : in.get(base + i));
                    }
                }
            }
        } else {
            DoubleBuffer in = doubles(image);
            DoubleBuffer out = doubles(col);
            for (int n = 0; n < b; n++) {
                int base = n * size;
                for (int r = 0; r < patch; r++) {
                    int o = (int) (r * cols) + n * positions;
                    int ir = r * positions;
                    for (int p = 0; p < positions; p++) {
                        int i = idx[ir + p];
                        out.put(o + p, i < 0 ? 0.0 : in.get(base + i));
                    }
                }
            }
        }
        return col;
    }

    /** col2im, the adjoint of {@link #unfold}: sums [patch, b·P] back into an image batch [b, C, H, W]. */
    static INDArray fold(INDArray col, Geometry g, long b) {
        int[] idx = index(g);
        int patch = g.patch();
        int positions = g.positions();
        int size = g.imageSize();
        long cols = b * positions;
        INDArray image = Nd4j.zeros(col.dataType(), b, g.channels(), g.height(), g.width());
        if (col.dataType() == DataType.FLOAT) {
            FloatBuffer in = floats(col);
            FloatBuffer out = floats(image);
            for (int n = 0; n < b; n++) {
                int base = n * size;
                for (int r = 0; r < patch; r++) {
                    int o = (int) (r * cols) + n * positions;
                    int ir = r * positions;
                    for (int p = 0; p < positions; p++) {
                        int i = idx[ir + p];
                        if (i >= 0) {
                            out.put(base + i, out.get(base + i) + in.get(o + p));
                        }
                    }
                }
            }
        } else {
            DoubleBuffer in = doubles(col);
            DoubleBuffer out = doubles(image);
            for (int n = 0; n < b; n++) {
                int base = n * size;
                for (int r = 0; r < patch; r++) {
                    int o = (int) (r * cols) + n * positions;
                    int ir = r * positions;
                    for (int p = 0; p < positions; p++) {
                        int i = idx[ir + p];
                        if (i >= 0) {
                            out.put(base + i, out.get(base + i) + in.get(o + p));
                        }
                    }
                }
            }
        }
        return image;
    }

    /** The array's elements (it must be contiguous), read and written in place off-heap. */
    private static FloatBuffer floats(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }

    private static DoubleBuffer doubles(INDArray a) {
        return new DoublePointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }
}
