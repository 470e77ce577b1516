package io.sparkgan.core.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Max pooling on the fast path of {@link Backprop} (DL4J's {@code SubsamplingLayer} with
 * {@code PoolingType.MAX}, NCHW, no padding, truncating): the forward pass keeps where each
 * maximum came from, so the backward pass is a scatter of the output gradient, not a second
 * search.
 *
 * <p>Why: DL4J's pooling layer, through libnd4j's {@code maxpool2d} and {@code maxpool2d_bp}, took
 * about a sixth of the evaluation classifier's training step once its convolutions were on the fast
 * path (docs/benchmarks.md), and its backward pass searches every window again. Ties go to the
 * first maximum in the window's row-major order; after a ReLU, ties are between zeros whose own
 * gradient is zero, so the choice does not change any parameter's gradient.
 */
final class Pooling {
    private Pooling() {}

    /** What the forward pass keeps: the flat input offset (within the batch) of each output's maximum. */
    record Kept(int[] argmax, long[] inputShape) {}

    static boolean handles(Layer layer) {
        if (layer.getClass() != org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer.class
                || !(layer.conf().getLayer() instanceof SubsamplingLayer c)) {
            return false;
        }
        ConvolutionMode mode = c.getConvolutionMode();
        return c.getPoolingType() == PoolingType.MAX && c.getKernelSize().length == 2 && c.getPadding()[0] == 0 && c.getPadding()[1] == 0
                && c.getDilation()[0] == 1 && c.getDilation()[1] == 1 && c.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) && c.getIDropout() == null;
    }

    /** The pooled output [b, C, H', W'] of {@code x} [b, C, H, W] and where each maximum came from. */
    static org.nd4j.common.primitives.Pair<INDArray, Kept> forward(Layer layer, INDArray x) {
        SubsamplingLayer c = (SubsamplingLayer) layer.conf().getLayer();
        int kh = c.getKernelSize()[0];
        int kw = c.getKernelSize()[1];
        int sh = c.getStride()[0];
        int sw = c.getStride()[1];
        INDArray in = OffHeap.contiguous(x);
        int b = (int) in.size(0);
        int ch = (int) in.size(1);
        int h = (int) in.size(2);
        int w = (int) in.size(3);
        int oh = (h - kh) / sh + 1;
        int ow = (w - kw) / sw + 1;
        int planes = b * ch;
        int[] argmax = new int[planes * oh * ow];
        INDArray out = Nd4j.createUninitialized(in.dataType(), b, ch, oh, ow);
        int[] dims = {h, w, kh, kw, sh, sw, oh, ow};
        // Plane by plane on heap copies, as Convolutions does; one loop per element type, so the JIT
        // compiles each without a type test in the window.
        if (in.dataType() == DataType.FLOAT) {
            FloatBuffer src = OffHeap.floats(in);
            FloatBuffer dst = OffHeap.floats(out);
            float[] plane = new float[h * w];
            float[] pooled = new float[oh * ow];
            for (int q = 0; q < planes; q++) {
                src.get(q * h * w, plane, 0, h * w);
                maxFloat(plane, pooled, argmax, q, dims);
                dst.put(q * oh * ow, pooled, 0, oh * ow);
            }
        } else {
            DoubleBuffer src = OffHeap.doubles(in);
            DoubleBuffer dst = OffHeap.doubles(out);
            double[] plane = new double[h * w];
            double[] pooled = new double[oh * ow];
            for (int q = 0; q < planes; q++) {
                src.get(q * h * w, plane, 0, h * w);
                maxDouble(plane, pooled, argmax, q, dims);
                dst.put(q * oh * ow, pooled, 0, oh * ow);
            }
        }
        return org.nd4j.common.primitives.Pair.of(out, new Kept(argmax, in.shape()));
    }

    /** One plane's maxima; dims = {h, w, kh, kw, sh, sw, oh, ow}. argmax holds offsets within the whole batch. */
    private static void maxFloat(float[] plane, float[] pooled, int[] argmax, int q, int[] dims) {
        int w = dims[1], kh = dims[2], kw = dims[3], sh = dims[4], sw = dims[5], oh = dims[6], ow = dims[7];
        int base = q * dims[0] * w;
        int outBase = q * oh * ow;
        if (kh == 2 && kw == 2 && sh == 2 && sw == 2) {
            // The common 2×2/2 window without data-dependent branches: on real activations the
            // comparisons are unpredictable, and mispredictions cost more than the arithmetic.
            for (int oy = 0; oy < oh; oy++) {
                int top = 2 * oy * w;
                for (int ox = 0; ox < ow; ox++) {
                    int a = top + 2 * ox;
                    float va = plane[a];
                    float vb = plane[a + 1];
                    float vc = plane[a + w];
                    float vd = plane[a + w + 1];
                    int i1 = vb > va ? a + 1 : a;
                    float m1 = Math.max(va, vb);
                    int i2 = vd > vc ? a + w + 1 : a + w;
                    float m2 = Math.max(vc, vd);
                    pooled[oy * ow + ox] = Math.max(m1, m2);
                    argmax[outBase + oy * ow + ox] = base + (m2 > m1 ? i2 : i1);
                }
            }
            return;
        }
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int corner = oy * sh * w + ox * sw;
                int best = corner;
                float max = plane[corner];
                for (int i = 0; i < kh; i++) {
                    int row = corner + i * w;
                    for (int j = 0; j < kw; j++) {
                        float v = plane[row + j];
                        if (v > max) {
                            max = v;
                            best = row + j;
                        }
                    }
                }
                pooled[oy * ow + ox] = max;
                argmax[outBase + oy * ow + ox] = base + best;
            }
        }
    }

    private static void maxDouble(double[] plane, double[] pooled, int[] argmax, int q, int[] dims) {
        int w = dims[1], kh = dims[2], kw = dims[3], sh = dims[4], sw = dims[5], oh = dims[6], ow = dims[7];
        int base = q * dims[0] * w;
        int outBase = q * oh * ow;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int corner = oy * sh * w + ox * sw;
                int best = corner;
                double max = plane[corner];
                for (int i = 0; i < kh; i++) {
                    int row = corner + i * w;
                    for (int j = 0; j < kw; j++) {
                        double v = plane[row + j];
                        if (v > max) {
                            max = v;
                            best = row + j;
                        }
                    }
                }
                pooled[oy * ow + ox] = max;
                argmax[outBase + oy * ow + ox] = base + best;
            }
        }
    }

    /** d loss / d input from {@code eps} = d loss / d output: each output's gradient to its maximum. */
    static INDArray backward(Kept kept, INDArray eps) {
        INDArray e = OffHeap.contiguous(eps);
        int[] argmax = kept.argmax();
        INDArray dx = Nd4j.createUninitialized(e.dataType(), kept.inputShape());
        int n = argmax.length;
        if (e.dataType() == DataType.FLOAT) {
            float[] g = new float[n];
            OffHeap.floats(e).get(0, g, 0, n);
            float[] out = new float[(int) dx.length()];
            for (int i = 0; i < n; i++) {
                out[argmax[i]] += g[i];
            }
            OffHeap.floats(dx).put(0, out, 0, out.length);
        } else {
            double[] g = new double[n];
            OffHeap.doubles(e).get(0, g, 0, n);
            double[] out = new double[(int) dx.length()];
            for (int i = 0; i < n; i++) {
                out[argmax[i]] += g[i];
            }
            OffHeap.doubles(dx).put(0, out, 0, out.length);
        }
        return dx;
    }
}
