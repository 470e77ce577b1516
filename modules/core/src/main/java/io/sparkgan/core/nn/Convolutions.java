package io.sparkgan.core.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * computed once per geometry (a few thousand ints), sample by sample on the heap, each sample's
 * block written with one bulk copy into the off-heap buffer the GEMM reads; the forward pass keeps
 * it, so the weight gradient needs no second unfold. The
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
        /** Columns of the unfolded matrix [b·P, patch]: one per (channel, kernel row, kernel column). */
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

    /**
     * Where each unfolded entry reads the image, position-major (entry p·patch + r: position p, patch
     * row r): an offset within one image, or -1 for padding.
     */
    private static final Map<Geometry, int[]> INDEX = new ConcurrentHashMap<>();

    static int[] index(Geometry g) {
        return INDEX.computeIfAbsent(g, Convolutions::buildIndex);
    }

    private static int[] buildIndex(Geometry g) {
        int positions = g.positions();
        int patch = g.patch();
        int[] idx = new int[patch * positions];
        int r = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++, r++) {
                    for (int oy = 0; oy < g.outH(); oy++) {
                        int iy = oy * g.sh() - g.ph() + i;
                        for (int ox = 0; ox < g.outW(); ox++) {
                            int ix = ox * g.sw() - g.pw() + j;
                            boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                            idx[(oy * g.outW() + ox) * patch + r] = inside ? (c * g.height() + iy) * g.width() + ix : -1;
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

    /**
     * What the forward pass of one layer keeps: its pre-activation and the matrix its weight gradient
     * needs (the unfolded input, or with {@code oneDnn} the input itself).
     */
    record Kept(INDArray preActivation, INDArray operand, Geometry geometry, boolean oneDnn) {}

    /**
     * Forward pass of a convolution or transposed convolution on {@code x} [b, C, H, W]; the
     * pre-activation (before the layer's activation) is [b, C', H', W'].
     */
    static Kept forward(Layer layer, INDArray x) {
        long b = x.size(0);
        INDArray input = OffHeap.contiguous(x);
        Geometry g = geometry(layer, input.size(2), input.size(3));
        INDArray w = layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray bias = hasBias(layer) ? layer.getParam(ConvolutionParamInitializer.BIAS_KEY) : null;
        int patch = g.patch();
        int positions = g.positions();
        if (OneDnnConvolutions.applies(layer, input) && !isTransposed(layer)) {
            return new Kept(OneDnnConvolutions.forward(layer, input, g), input, g, true);
        }
        if (!isTransposed(layer)) {
            int outC = (int) w.size(0);
            INDArray col = unfold(input, g, b);
            INDArray zr = Nd4j.createUninitialized(x.dataType(), b * positions, outC);
            Gemm.gemm(col, w.reshape('c', outC, patch), zr, false, true, 1.0, 0.0);
            if (bias != null) {
                zr.addiRowVector(bias.reshape(1, outC));
            }
            INDArray z = channelMajor(zr, b, outC, positions).reshape('c', b, outC, g.outH(), g.outW());
            return new Kept(z, col, g, false);
        }
        int inC = (int) w.size(0);
        INDArray xr = positionMajor(input, b, inC, positions);
        INDArray col = Nd4j.createUninitialized(x.dataType(), b * positions, patch);
        Gemm.gemm(xr, w.reshape('c', inC, patch), col, false, false, 1.0, 0.0);
        INDArray z = fold(col, g, b);
        if (bias != null) {
            Nd4j.getExecutioner().exec(new BroadcastAddOp(z, bias.reshape(bias.length()), z, 1));
        }
        if (OneDnnConvolutions.applies(layer, input)) {
            return new Kept(z, input, g, true);
        }
        return new Kept(z, xr, g, false);
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
        INDArray d = OffHeap.contiguous(delta);
        if (kept.oneDnn() && gradients != null) {
            INDArray dx = OneDnnConvolutions.backward(layer, kept.operand(), d, gradients, g);
            return inputGradient ? dx : null;
        }
        // Without parameter gradients (MD-GAN's feedback pass) only the input gradient is needed: one
        // GEMM and the fold, which needs nothing from the forward pass, whichever way it went.
        if (!isTransposed(layer)) {
            int outC = (int) w.size(0);
            INDArray dr = positionMajor(d, b, outC, positions);
            if (gradients != null) {
                weightGradient(gradients, dr, kept.operand(), outC, patch);
                INDArray db = gradients.get(ConvolutionParamInitializer.BIAS_KEY);
                if (db != null) {
                    // Column sums as a product with a row of ones: several times faster than ND4J's reduction.
                    INDArray ones = Nd4j.ones(dr.dataType(), 1, b * positions);
                    INDArray sums = Nd4j.createUninitialized(dr.dataType(), 1, outC);
                    Gemm.gemm(ones, dr, sums, false, false, 1.0, 0.0);
                    db.assign(sums.reshape(db.shape()));
                }
            }
            if (!inputGradient) {
                return null;
            }
            INDArray dcol = Nd4j.createUninitialized(delta.dataType(), b * positions, patch);
            Gemm.gemm(dr, w.reshape('c', outC, patch), dcol, false, false, 1.0, 0.0);
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
        INDArray dxr = Nd4j.createUninitialized(delta.dataType(), b * positions, inC);
        Gemm.gemm(dcol, w.reshape('c', inC, patch), dxr, false, true, 1.0, 0.0);
        return channelMajor(dxr, b, inC, positions).reshape('c', b, inC, g.outH(), g.outW());
    }

    /** dW = aᵀ · c (a: [b·P, rows], c: [b·P, patch]) into the layer's weight-gradient view, reshaped as [rows, patch]. */
    private static void weightGradient(Map<String, INDArray> gradients, INDArray a, INDArray c, int rows, int patch) {
        INDArray view = gradients.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray target = view.reshape('c', rows, patch);
        if (target.data().addressPointer().address() == view.data().addressPointer().address() && Gemm.layout(target) != 0) {
            Gemm.gemm(a, c, target, true, false, 1.0, 0.0);
        } else {
            // A reshape that had to copy: compute, then write into the view.
            INDArray dw = Nd4j.createUninitialized(view.dataType(), rows, patch);
            Gemm.gemm(a, c, dw, true, false, 1.0, 0.0);
            view.assign(dw.reshape('c', view.shape()));
        }
    }

    private static boolean hasBias(Layer layer) {
        return ((ConvolutionLayer) layer.conf().getLayer()).hasBias();
    }

    /** [b, C, P] (NCHW) as [b·P, C] (NHWC): one row per sample and position. */
    static INDArray positionMajor(INDArray x, long b, int c, int positions) {
        return x.reshape('c', b, c, positions).permute(0, 2, 1).dup('c').reshape('c', b * positions, c);
    }

    /** [b·P, C] back to [b, C, P] (NCHW). */
    static INDArray channelMajor(INDArray xr, long b, int c, int positions) {
        return xr.reshape('c', b, positions, c).permute(0, 2, 1).dup('c');
    }

    /** Per-thread heap scratch: one image and one sample's unfolded block, grown as needed. */
    private static final ThreadLocal<Object[]> SCRATCH = ThreadLocal.withInitial(() -> new Object[4]);

    private static float[] floatScratch(int slot, int size) {
        Object[] s = SCRATCH.get();
        if (!(s[slot] instanceof float[] a) || a.length < size) {
            s[slot] = new float[size];
        }
        return (float[]) s[slot];
    }

    private static double[] doubleScratch(int slot, int size) {
        Object[] s = SCRATCH.get();
        if (!(s[slot + 2] instanceof double[] a) || a.length < size) {
            s[slot + 2] = new double[size];
        }
        return (double[]) s[slot + 2];
    }

    /**
     * im2col: the image batch [b, C, H, W] as [b·P, patch], row n·P + p holding sample n's window at
     * p. Position-major, so each sample's rows are one contiguous block: sample by sample on heap
     * copies (an off-heap buffer's per-element accessors cost several times a heap array's), one
     * bulk read of the image, the gather, one bulk write.
     */
    static INDArray unfold(INDArray image, Geometry g, long b) {
        int[] idx = index(g);
        int patch = g.patch();
        int positions = g.positions();
        int size = g.imageSize();
        long cols = b * positions;
        int blockSize = patch * positions;
        INDArray col = Nd4j.createUninitialized(image.dataType(), cols, patch);
        if (image.dataType() == DataType.FLOAT) {
            FloatBuffer in = OffHeap.floats(image);
            FloatBuffer out = OffHeap.floats(col);
            float[] img = floatScratch(0, size);
            float[] block = floatScratch(1, patch * positions);
            for (int n = 0; n < b; n++) {
                in.get(n * size, img, 0, size);
                for (int e = 0; e < blockSize; e++) {
                    int i = idx[e];
                    block[e] = i < 0 ? 0f : img[i];
                }
                out.put(n * blockSize, block, 0, blockSize);
            }
        } else {
            DoubleBuffer in = OffHeap.doubles(image);
            DoubleBuffer out = OffHeap.doubles(col);
            double[] img = doubleScratch(0, size);
            double[] block = doubleScratch(1, patch * positions);
            for (int n = 0; n < b; n++) {
                in.get(n * size, img, 0, size);
                for (int e = 0; e < blockSize; e++) {
                    int i = idx[e];
                    block[e] = i < 0 ? 0.0 : img[i];
                }
                out.put(n * blockSize, block, 0, blockSize);
            }
        }
        return col;
    }

    /** col2im, the adjoint of {@link #unfold}: sums [b·P, patch] back into an image batch [b, C, H, W]. */
    static INDArray fold(INDArray col, Geometry g, long b) {
        int[] idx = index(g);
        int patch = g.patch();
        int positions = g.positions();
        int size = g.imageSize();
        int blockSize = patch * positions;
        INDArray image = Nd4j.createUninitialized(col.dataType(), b, g.channels(), g.height(), g.width());
        if (col.dataType() == DataType.FLOAT) {
            FloatBuffer in = OffHeap.floats(col);
            FloatBuffer out = OffHeap.floats(image);
            float[] img = floatScratch(0, size);
            float[] block = floatScratch(1, patch * positions);
            for (int n = 0; n < b; n++) {
                in.get(n * blockSize, block, 0, blockSize);
                java.util.Arrays.fill(img, 0, size, 0f);
                for (int e = 0; e < blockSize; e++) {
                    int i = idx[e];
                    if (i >= 0) {
                        img[i] += block[e];
                    }
                }
                out.put(n * size, img, 0, size);
            }
        } else {
            DoubleBuffer in = OffHeap.doubles(col);
            DoubleBuffer out = OffHeap.doubles(image);
            double[] img = doubleScratch(0, size);
            double[] block = doubleScratch(1, patch * positions);
            for (int n = 0; n < b; n++) {
                in.get(n * blockSize, block, 0, blockSize);
                java.util.Arrays.fill(img, 0, size, 0.0);
                for (int e = 0; e < blockSize; e++) {
                    int i = idx[e];
                    if (i >= 0) {
                        img[i] += block[e];
                    }
                }
                out.put(n * size, img, 0, size);
            }
        }
        return image;
    }
}
