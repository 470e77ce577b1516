package io.sparkgan.core.nn;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Convolutions through libnd4j's {@code conv2d} and {@code conv2d_bp} ops where ND4J's native build
 * carries oneDNN (Intel's Deep Neural Network Library, the direct convolution kernels PyTorch also
 * uses on CPUs; nd4j-native's {@code -onednn} builds link it in), for the layers where they measured
 * faster than {@link Convolutions}' unfold plus GEMM.
 *
 * <p>Why only some layers (docs/benchmarks.md, "Convolutions through oneDNN"): oneDNN's direct
 * kernels win on layers with many input channels, where the unfolded matrix is large (the DCGAN
 * discriminator's 64→128 layer: its [b·49, 1024] unfold is 40 MB at b = 200), and lose on a first
 * layer with one input channel, where the unfold is small and libnd4j's reorders into oneDNN's
 * blocked layouts dominate. A transposed convolution's forward pass stays on {@link Convolutions}
 * (oneDNN's measured slower on the generator's shapes); its backward pass, where the parameter
 * gradients are needed, goes through {@code deconv2d_bp}, which takes oneDNN with explicit padding
 * only, so only where "same" padding is symmetric. MD-GAN's feedback pass (input gradients only)
 * stays on one GEMM and the fold: {@code conv2d_bp} always computes the weight gradient too, and
 * measured slower. Double precision always stays there too: oneDNN computes in float only, and the
 * finite-difference tests run in double.
 *
 * <p>The choice depends on the layer's shape and the native build only, never on timings, so the
 * same build, seed and configuration give the same result.
 */
final class OneDnnConvolutions {
    /**
     * Input channels from which a convolution goes through oneDNN. The DCGAN layers (64 and 128 input
     * channels) gain most; the evaluation classifier's second layer (20) gained about 6 % of its
     * training step in one measurement and nothing measurable in another, and is left on the unfold so that the classifier every published MNIST and Fashion-MNIST
     * score was measured with trains and scores bit for bit as before (docs/benchmarks.md).
     */
    static final int MIN_INPUT_CHANNELS = 32;

    /** Whether the loaded libnd4j was built with oneDNN (its build information says so). */
    static final boolean AVAILABLE = detect();

    private static volatile boolean enabled = true;

    private OneDnnConvolutions() {}

    private static boolean detect() {
        try {
            Nd4j.getBackend();
            return NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Turns the route off or on (for {@code sparkgan bench} to time both in one run); affects passes started afterwards. */
    static void use(boolean on) {
        enabled = on;
    }

    /** Whether {@code layer}'s passes on {@code x} go through oneDNN. */
    static boolean applies(Layer layer, INDArray x) {
        if (!(enabled && AVAILABLE && x.dataType() == DataType.FLOAT && x.size(1) >= MIN_INPUT_CHANNELS)) {
            return false;
        }
        if (!Convolutions.isTransposed(layer)) {
            return true;
        }
        ConvolutionLayer c = (ConvolutionLayer) layer.conf().getLayer();
        return (c.getConvolutionMode() != ConvolutionMode.Same
                || ((c.getKernelSize()[0] - c.getStride()[0]) % 2 == 0 && (c.getKernelSize()[1] - c.getStride()[1]) % 2 == 0));
    }

    /** libnd4j's integer arguments: kernel, stride, padding, dilation, same mode, NCHW, weights [oC, iC, kH, kW] (DL4J's layout). */
    private static int[] arguments(Layer layer, Convolutions.Geometry g) {
        ConvolutionLayer c = (ConvolutionLayer) layer.conf().getLayer();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] p = c.getPadding();
        boolean same = c.getConvolutionMode() == ConvolutionMode.Same;
        if (Convolutions.isTransposed(layer)) {
            // deconv2d takes oneDNN only with explicit padding; "same" is symmetric here (applies), so the geometry's padding is it.
            return new int[] {k[0], k[1], s[0], s[1], g.ph(), g.pw(), 1, 1, 0, 0, 1};
        }
        return new int[] {k[0], k[1], s[0], s[1], same ? 0 : p[0], same ? 0 : p[1], 1, 1, same ? 1 : 0, 0, 1};
    }

    private static String op(Layer layer) {
        return Convolutions.isTransposed(layer) ? "deconv2d" : "conv2d";
    }

    private static INDArray bias(Layer layer, long outC) {
        return ((ConvolutionLayer) layer.conf().getLayer()).hasBias()
                ? layer.getParam(ConvolutionParamInitializer.BIAS_KEY).reshape(outC)
                : null;
    }

    /** The pre-activation [b, C', H', W'] of {@code layer} on the contiguous input {@code x}. */
    static INDArray forward(Layer layer, INDArray x, Convolutions.Geometry g) {
        INDArray w = layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        boolean transposed = Convolutions.isTransposed(layer);
        long outC = transposed ? w.size(1) : w.size(0);
        INDArray z = transposed ? Nd4j.createUninitialized(x.dataType(), x.size(0), outC, g.height(), g.width())
                : Nd4j.createUninitialized(x.dataType(), x.size(0), outC, g.outH(), g.outW());
        INDArray bias = bias(layer, outC);
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder(op(layer)).addIntegerArguments(arguments(layer, g)).addOutputs(z);
        op = bias == null ? op.addInputs(x, w) : op.addInputs(x, w, bias);
        Nd4j.exec(op.build());
        return z;
    }

    /**
     * Weight and bias gradients into the layer's gradient views, and the input gradient, from
     * {@code delta} = d loss / d pre-activation; {@code x} is the input the forward pass kept.
     */
    static INDArray backward(Layer layer, INDArray x, INDArray delta, Map<String, INDArray> gradients, Convolutions.Geometry g) {
        INDArray w = layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        long outC = Convolutions.isTransposed(layer) ? w.size(1) : w.size(0);
        INDArray bias = bias(layer, outC);
        INDArray dx = Nd4j.createUninitialized(x.dataType(), x.shape());
        // The op writes the parameter gradients straight into DL4J's views when they are plain
        // row-major blocks of the flattened gradient (they are for every layer built here); a view
        // of another layout gets a temporary and a copy. Without views (the feedback pass never
        // comes here, but a caller may) the op still needs somewhere to put them.
        INDArray dwView = gradients == null ? null : gradients.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray dw = writable(dwView, w.dataType(), w.shape());
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder(op(layer) + "_bp").addIntegerArguments(arguments(layer, g));
        INDArray dbView = null;
        INDArray dbInView = null;
        INDArray db = null;
        if (bias == null) {
            op.addInputs(x, w, delta).addOutputs(dx, dw);
        } else {
            dbView = gradients == null ? null : gradients.get(ConvolutionParamInitializer.BIAS_KEY);
            // A row-major view with default strides reshapes to a view of the same memory; anything else could copy.
            dbInView = dbView != null && plain(dbView) ? dbView.reshape(outC) : null;
            db = writable(dbInView, bias.dataType(), outC);
            op.addInputs(x, w, bias, delta).addOutputs(dx, dw, db);
        }
        Nd4j.exec(op.build());
        if (dwView != null && dw != dwView) {
            dwView.assign(dw);
        }
        if (dbView != null && db != dbInView) {
            dbView.assign(db.reshape(dbView.shape()));
        }
        return dx;
    }

    /** {@code view} itself if the op can write into it (plain, of this type and shape), else a new array of {@code shape}. */
    private static INDArray writable(INDArray view, DataType type, long... shape) {
        if (view != null && view.dataType() == type && java.util.Arrays.equals(view.shape(), shape) && plain(view)) {
            return view;
        }
        return Nd4j.createUninitialized(type, shape);
    }

    /** Row-major with default strides: an op writes it as one block, and a reshape of it is a view. */
    private static boolean plain(INDArray view) {
        return view.ordering() == 'c' && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(view);
    }
}
