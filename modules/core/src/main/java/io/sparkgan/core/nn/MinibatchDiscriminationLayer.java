package io.sparkgan.core.nn;

import java.util.Map;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInitUtil;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Minibatch discrimination (Salimans, Goodfellow, Zaremba, Cheung, Radford and Chen, "Improved
 * Techniques for Training GANs", NeurIPS 2016, §3.2): a discriminator layer that sees the whole
 * batch, so that a generator collapsing onto a few points is caught by the lack of variety within
 * its batches. For features f(x_i) ∈ R^A (this layer's input) and a trained tensor T ∈ R^{A×B×C},
 * M_i = f(x_i)·T ∈ R^{B×C}, c_b(x_i, x_j) = exp(−‖M_{i,b} − M_{j,b}‖_{L1}) and
 * o(x_i)_b = Σ_j c_b(x_i, x_j); the output is [f(x_i), o(x_i)], of width A + B.
 *
 * <p>The sum runs over every j of the batch, i included (as the paper writes it: the self term is
 * exp(0) = 1 for every row, a constant that shifts o by 1 and carries no gradient).
 *
 * <p>Why a DL4J layer defined in SameDiff: the layer couples the rows of a batch, which no built-in
 * layer does; defined in SameDiff it needs no implementation class of ours for DL4J's inference
 * ({@code net.output}), and it is a plain configuration class in the model zip (on the checkpoint
 * reader's allow-list by its exact name). Because it couples rows, a discriminator with this layer runs
 * its real and generated batches through separate passes ({@link #coupled}).
 */
public final class MinibatchDiscriminationLayer extends SameDiffLayer {
    private static final long serialVersionUID = 1L;
    static final String T = "T";

    @JsonProperty
    private long nIn;
    @JsonProperty
    private int kernels;
    @JsonProperty
    private int kernelDims;

    /** For Jackson. */
    private MinibatchDiscriminationLayer() {}

    /**
     * @param kernels B, the number of kernels (features o(x) adds)
     * @param kernelDims C, the dimension of each kernel's projection
     */
    public MinibatchDiscriminationLayer(int kernels, int kernelDims) {
        if (kernels <= 0 || kernelDims <= 0) {
            throw new IllegalArgumentException("minibatch discrimination needs positive kernels and kernel dimensions, got " + kernels + " and " + kernelDims);
        }
        this.kernels = kernels;
        this.kernelDims = kernelDims;
    }

    /** Whether {@code net} has a layer that couples the rows of a batch (this one). */
    public static boolean coupled(MultiLayerNetwork net) {
        for (int i = 0; i < net.getnLayers(); i++) {
            if (net.getLayerWiseConfigurations().getConf(i).getLayer() instanceof MinibatchDiscriminationLayer) {
                return true;
            }
        }
        return false;
    }

    /**
     * What the fast forward pass keeps for the backward pass: the input f [n, A], M = f·T [n, B·C]
     * (row-major) and the similarities e_ij of every pair j &lt; i, per kernel (at index
     * ((i(i−1)/2 + j)·B + b), so the backward pass does not recompute the n²·B·C distances.
     */
    record Kept(INDArray input, double[] m, double[] e, int n, int a) {}

    /** Whether {@code layer} is one of these (Backprop then runs it in Java). */
    static boolean handles(org.deeplearning4j.nn.api.Layer layer) {
        return layer.conf().getLayer() instanceof MinibatchDiscriminationLayer;
    }

    /**
     * The training-mode output [f, o] of input {@code x} [n, A], in double on the heap: n²·B·C terms
     * is a few million for a batch of 100, which plain loops do in milliseconds.
     */
    static org.nd4j.common.primitives.Pair<INDArray, Kept> forward(org.deeplearning4j.nn.api.Layer layer, INDArray x) {
        MinibatchDiscriminationLayer c = (MinibatchDiscriminationLayer) layer.conf().getLayer();
        int n = (int) x.size(0);
        int a = (int) x.size(1);
        int bc = c.kernels * c.kernelDims;
        // M = f·T as one GEMM; the pairwise part below runs on a heap copy in double.
        INDArray input = OffHeap.contiguous(x);
        INDArray mm = Nd4j.createUninitialized(input.dataType(), n, bc);
        Gemm.gemm(input, layer.getParam(T), mm, false, false, 1.0, 0.0);
        double[] m = mm.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
        int kernels = c.kernels;
        double[] o = new double[n * kernels];
        java.util.Arrays.fill(o, 1); // the j = i term of every row, exp(0)
        double[] similarity = new double[n * (n - 1) / 2 * kernels];
        for (int i = 0; i < n; i++) {
            int row = i * (i - 1) / 2;
            for (int b = 0; b < kernels; b++) {
                for (int j = 0; j < i; j++) {
                    double e = Math.exp(-l1(m, i, j, b, c.kernelDims, bc));
                    similarity[(row + j) * kernels + b] = e;
                    o[i * kernels + b] += e;
                    o[j * kernels + b] += e; // the symmetric term of row j
                }
            }
        }
        // [f, o]: the features pass through as they are.
        INDArray y = Nd4j.concat(1, input, Nd4j.create(o, new long[] {n, kernels}, 'c').castTo(input.dataType()));
        return org.nd4j.common.primitives.Pair.of(y, new Kept(input, m, similarity, n, a));
    }

    /**
     * d loss / d input from {@code eps} = d loss / d [f, o]; with {@code gradients} (the layer's
     * views by name), also d loss / d T. With e_ij = exp(−‖M_i − M_j‖₁) per kernel,
     * d loss / d M_i = −Σ_j e_ij·sign(M_i − M_j)·(g_i + g_j), g = d loss / d o.
     */
    static INDArray backward(org.deeplearning4j.nn.api.Layer layer, Kept kept, INDArray eps, Map<String, INDArray> gradients, boolean inputGradient) {
        MinibatchDiscriminationLayer c = (MinibatchDiscriminationLayer) layer.conf().getLayer();
        int n = kept.n();
        int a = kept.a();
        int kd = c.kernelDims;
        int bc = c.kernels * kd;
        int width = a + c.kernels;
        double[] g = eps.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
        double[] m = kept.m();
        double[] dm = new double[n * bc];
        double[] similarity = kept.e();
        for (int i = 0; i < n; i++) {
            int row = i * (i - 1) / 2;
            for (int b = 0; b < c.kernels; b++) {
                double gi = g[i * width + a + b];
                for (int j = 0; j < i; j++) {
                    double w = similarity[(row + j) * c.kernels + b] * (gi + g[j * width + a + b]);
                    for (int q = b * kd; q < (b + 1) * kd; q++) {
                        double s = Math.signum(m[i * bc + q] - m[j * bc + q]);
                        dm[i * bc + q] -= w * s;
                        dm[j * bc + q] += w * s;
                    }
                }
            }
        }
        // d loss / d T = fᵀ·dM and d loss / d f = g_f + dM·Tᵀ, as GEMMs.
        INDArray dmArray = Nd4j.create(dm, new long[] {n, bc}, 'c').castTo(kept.input().dataType());
        if (gradients != null) {
            INDArray view = gradients.get(T);
            Gemm.gemm(kept.input(), dmArray, view, true, false, 1.0, 0.0);
        }
        if (!inputGradient) {
            return null;
        }
        INDArray dx = Nd4j.createUninitialized(kept.input().dataType(), n, a);
        Gemm.gemm(dmArray, layer.getParam(T), dx, false, true, 1.0, 0.0);
        INDArray passThrough = OffHeap.contiguous(eps).get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, a));
        return dx.addi(passThrough.castTo(dx.dataType()));
    }

    private static double l1(double[] m, int i, int j, int b, int kd, int bc) {
        double d = 0;
        for (int q = b * kd; q < (b + 1) * kd; q++) {
            d += Math.abs(m[i * bc + q] - m[j * bc + q]);
        }
        return d;
    }

    public int getKernels() {
        return kernels;
    }

    public int getKernelDims() {
        return kernelDims;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
        SDVariable m = input.mmul(params.get(T)); // [n, B·C]
        SDVariable rows = m.reshape(-1, 1, kernels, kernelDims);
        SDVariable cols = m.reshape(1, -1, kernels, kernelDims);
        SDVariable l1 = sd.math.abs(rows.sub(cols)).sum(3); // [n, n, B]
        SDVariable o = sd.math.exp(l1.neg()).sum(1); // [n, B]
        return sd.concat(1, input, o);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(T, nIn, (long) kernels * kernelDims);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // Small weights, as the authors' code starts T: near-zero L1 distances at first, so o begins
        // close to the batch size for every row and the kernels learn what to tell apart.
        INDArray t = params.get(T);
        WeightInitUtil.initWeights(nIn, (long) kernels * kernelDims, t.shape(), org.deeplearning4j.nn.weights.WeightInit.XAVIER, null, 'c', t);
        t.muli(0.1);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(flatWidth(inputType) + kernels);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            nIn = flatWidth(inputType);
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        // After convolutions (the dcgan discriminator) the feature maps are flattened first.
        if (inputType instanceof InputType.InputTypeConvolutional c) {
            return new org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor(c.getHeight(), c.getWidth(), c.getChannels());
        }
        return null;
    }

    private static long flatWidth(InputType t) {
        return t.arrayElementsPerExample();
    }

    @Override
    public char paramReshapeOrder(String param) {
        return 'c';
    }
}
