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
     * What the fast forward pass keeps for the backward pass: the input f [n, A], M = f·T transposed
     * (Mᵀ [B·C, n] row-major: index (b·C + q)·n + i, so the pair loops run along contiguous rows)
     * and the similarities e_ij of every pair j &lt; i, kernel by kernel (index b·P + i(i−1)/2 + j,
     * P = n(n−1)/2), so the backward pass does not recompute the n²·B·C distances.
     */
    record Kept(INDArray input, double[] m, double[] e, int n, int a) {}

    /** Whether {@code layer} is one of these (Backprop then runs it in Java). */
    static boolean handles(org.deeplearning4j.nn.api.Layer layer) {
        return layer.conf().getLayer() instanceof MinibatchDiscriminationLayer;
    }

    /**
     * The training-mode output [f, o] of input {@code x} [n, A], in double on the heap: n²·B·C terms
     * is a few million for a batch of 100. The loops run over j innermost along contiguous rows of
     * Mᵀ (docs/benchmarks.md: reading M row-major per pair strided by B·C cost several times as much).
     */
    static org.nd4j.common.primitives.Pair<INDArray, Kept> forward(org.deeplearning4j.nn.api.Layer layer, INDArray x) {
        MinibatchDiscriminationLayer c = (MinibatchDiscriminationLayer) layer.conf().getLayer();
        int n = (int) x.size(0);
        int a = (int) x.size(1);
        int kernels = c.kernels;
        int kd = c.kernelDims;
        int bc = kernels * kd;
        // M = f·T as one GEMM; the pairwise part below runs on a heap copy of Mᵀ in double.
        INDArray input = OffHeap.contiguous(x);
        INDArray mm = Nd4j.createUninitialized(input.dataType(), n, bc);
        Gemm.gemm(input, layer.getParam(T), mm, false, false, 1.0, 0.0);
        double[] m = mm.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).transpose().dup('c').data().asDouble();
        int pairs = n * (n - 1) / 2;
        double[] similarity = new double[pairs * kernels];
        double[] o = new double[n * kernels];
        double[] ob = new double[n];
        double[] d = new double[n];
        for (int b = 0; b < kernels; b++) {
            java.util.Arrays.fill(ob, 1); // the j = i term of every row, exp(0)
            int eBase = b * pairs;
            for (int i = 1; i < n; i++) {
                java.util.Arrays.fill(d, 0, i, 0);
                for (int q = 0; q < kd; q++) {
                    int r = (b * kd + q) * n;
                    double mi = m[r + i];
                    for (int j = 0; j < i; j++) {
                        d[j] += Math.abs(mi - m[r + j]);
                    }
                }
                int row = eBase + i * (i - 1) / 2;
                double sum = 0;
                for (int j = 0; j < i; j++) {
                    double e = Math.exp(-d[j]);
                    similarity[row + j] = e;
                    sum += e;
                    ob[j] += e; // the symmetric term of row j
                }
                ob[i] += sum;
            }
            for (int i = 0; i < n; i++) {
                o[i * kernels + b] = ob[i];
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
        int kernels = c.kernels;
        int kd = c.kernelDims;
        int bc = kernels * kd;
        int width = a + kernels;
        int pairs = n * (n - 1) / 2;
        double[] g = eps.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
        double[] m = kept.m();
        double[] similarity = kept.e();
        double[] dmt = new double[bc * n]; // d loss / d Mᵀ, laid out as m
        double[] gb = new double[n];
        double[] w = new double[n];
        for (int b = 0; b < kernels; b++) {
            for (int i = 0; i < n; i++) {
                gb[i] = g[i * width + a + b];
            }
            int eBase = b * pairs;
            for (int i = 1; i < n; i++) {
                int row = eBase + i * (i - 1) / 2;
                double gi = gb[i];
                for (int j = 0; j < i; j++) {
                    w[j] = similarity[row + j] * (gi + gb[j]);
                }
                for (int q = 0; q < kd; q++) {
                    int r = (b * kd + q) * n;
                    double mi = m[r + i];
                    double acc = 0;
                    for (int j = 0; j < i; j++) {
                        double diff = mi - m[r + j];
                        // w·sign(diff) without branching on the sign: the signs are random, and the
                        // mispredicted branches made this loop 6 times the forward pass's cost. The test
                        // for 0 (identical rows, a collapsed batch) is rarely taken, so it predicts well.
                        double ws = diff == 0 ? 0 : w[j] * Math.copySign(1.0, diff);
                        acc -= ws;
                        dmt[r + j] += ws;
                    }
                    dmt[r + i] += acc;
                }
            }
        }
        double[] dm = Nd4j.create(dmt, new long[] {bc, n}, 'c').transpose().dup('c').data().asDouble();
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
