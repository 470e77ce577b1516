package io.sparkgan.core.nn;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Softplus, log(1 + e^z) (Dugas et al., "Incorporating Second-Order Functional Knowledge for Better
 * Option Pricing", NIPS 2000; the hidden activation of the semi-supervised generator of Salimans et
 * al. 2016), finite wherever z is.
 *
 * <p>Why not DL4J's {@link ActivationSoftPlus}: libnd4j computes log(1 + exp(z)), which is infinite
 * in float above z ≈ 88.7 (709.8 in double), where softplus(z) is z to the last bit; its derivative,
 * exp(z) / (1 + exp(z)), is ∞/∞ = NaN there, where sigmoid(z) is 1 to the last bit. One such unit
 * turns the next layer's products into NaN and the run diverges (a semi-supervised MD-GAN run with
 * label-skew shards did, docs/results.md). Here those entries are z and d loss / d y; every other
 * value is libnd4j's, bit for bit, so a run that never reaches the overflow is unchanged.
 *
 * <p>{@link Networks} builds softplus layers with this class, so DL4J's own passes ({@code
 * net.output}: sampling without virtual batch norm, evaluation) are guarded as well as the fast path
 * ({@link DenseActivations}, which applies the same {@link #forward}/{@link #backward} to every
 * softplus, including DL4J's own in model zips written before this class existed; resuming those
 * keeps their configuration, so only their fast-path passes are guarded). The class name is part of
 * the layer configuration saved in model zips and checkpoints, so it is on their reader's
 * allow-list ({@code checkpoint.ConfigurationClasses}).
 */
public class FiniteSoftPlus extends ActivationSoftPlus {

    /** libnd4j's softplus, which this class corrects where it overflows; stateless, so shared. */
    private static final ActivationSoftPlus LIBND4J = new ActivationSoftPlus();

    /** softplus(z) as a new array; {@code z} is left as it is. */
    public static INDArray forward(INDArray z) {
        return finite(LIBND4J.getActivation(z.dup(), true), z);
    }

    /** d loss / d z = sigmoid(z) · {@code eps} as a new array; {@code z} and {@code eps} are left as they are. */
    public static INDArray backward(INDArray z, INDArray eps) {
        return finiteDerivative(LIBND4J.backprop(z.dup(), eps).getFirst(), eps);
    }

    /** As DL4J's activations do, writes the result into {@code in} and returns it. */
    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        INDArray z = in.dup();
        return finite(super.getActivation(in, training), z);
    }

    /** As DL4J's activations do, writes d loss / d z into {@code in}. */
    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        Pair<INDArray, INDArray> p = super.backprop(in, epsilon);
        finiteDerivative(p.getFirst(), epsilon);
        return p;
    }

    /** y with its infinite entries replaced by z, where softplus(z) is z to the last bit. */
    private static INDArray finite(INDArray y, INDArray z) {
        BooleanIndexing.replaceWhere(y, z, Conditions.isInfinite());
        return y;
    }

    /** d loss / d z with its NaN entries (∞/∞ in libnd4j's sigmoid) replaced by d loss / d y, sigmoid(z) being 1 there. */
    private static INDArray finiteDerivative(INDArray dz, INDArray eps) {
        BooleanIndexing.replaceWhere(dz, eps, Conditions.isNan());
        return dz;
    }

    // DL4J's softplus equals any instance of its class, this one included; a configuration with this
    // activation is not one with DL4J's (their outputs differ past the overflow), in either direction.
    @Override
    public boolean equals(Object o) {
        return o instanceof FiniteSoftPlus;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FiniteSoftPlus;
    }

    @Override
    public int hashCode() {
        return FiniteSoftPlus.class.getName().hashCode();
    }
}
