package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The dense fast path against DL4J and against finite differences, for every activation a network
 * spec can name (as hidden and as output activation), in double precision.
 */
class BackpropTest {
    /** Per-entry relative error; entries near zero make central differences noisy at about 1e-6. */
    private static final double TOL = 1e-5;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static java.util.List<String> activations() {
        return NetworkSpec.ACTIVATIONS;
    }

    /** L = sum(out * weights): any output gradient is reachable this way. */
    private static double loss(MultiLayerNetwork net, INDArray x, INDArray weights) {
        return net.output(x, false).mul(weights).sumNumber().doubleValue();
    }

    @ParameterizedTest
    @MethodSource("activations")
    void forwardMatchesDl4jAndBothGradientsMatchFiniteDifferences(String activation) {
        // Hidden and output layers use the activation, so each kind of layer position is covered.
        MultiLayerNetwork net = Networks.generator(NetworkSpec.mlp(activation, activation, 6, 5), 4, 3, new Sgd(0.1), 17, DataType.DOUBLE);
        Backprop.prepare(net);
        // Random biases too: with zero biases a row whose hidden ReLUs are all off sits exactly on the
        // output's kink, where finite differences are meaningless.
        net.params().assign(gaussian(3, 1, (int) net.numParams(), 0.7));
        INDArray x = gaussian(1, 7, 4, 1.5); // pre-activations of both signs
        INDArray weights = gaussian(2, 7, 3, 1.0);

        Backprop.Forward f = Backprop.forward(net, x);
        INDArray expected = net.output(x, false);
        assertTrue(f.output().equalsWithEps(expected, 1e-12), activation + ": forward differs from DL4J's output");

        // The caller may change the output in place before the backward pass.
        f.output().addi(3.0);
        Pair<Gradient, INDArray> g = Backprop.backward(f, weights, true, true);
        INDArray paramGrad = g.getFirst().gradient().dup();
        INDArray inputGrad = g.getSecond().dup();
        double paramErr = relError(paramGrad, numericGradient(net.params(), () -> loss(net, x, weights)));
        double inputErr = relError(inputGrad, numericGradient(x, () -> loss(net, x, weights)));
        assertTrue(paramErr < TOL, activation + ": parameter gradient differs from finite differences by " + paramErr);
        assertTrue(inputErr < TOL, activation + ": input gradient differs from finite differences by " + inputErr);
    }

    @Test
    void onlyTheRequestedGradientsAreComputed() {
        MultiLayerNetwork net = Networks.discriminator(NetworkSpec.mlp("leakyrelu", "identity", 5), 3, 1, new Sgd(0.1), 3, DataType.DOUBLE);
        Backprop.prepare(net);
        INDArray x = gaussian(4, 5, 3, 1.0);
        Backprop.Forward f = Backprop.forward(net, x);
        net.getFlattenedGradients().assign(42.0);
        Pair<Gradient, INDArray> inputOnly = Backprop.backward(f, Nd4j.ones(DataType.DOUBLE, 5, 1), false, true);
        assertTrue(inputOnly.getFirst() == null && inputOnly.getSecond() != null);
        assertTrue(net.getFlattenedGradients().equalsWithEps(Nd4j.valueArrayOf(net.getFlattenedGradients().shape(), 42.0), 0),
                "an input-gradient pass must not touch the parameter gradients");
        Pair<Gradient, INDArray> paramsOnly = Backprop.backward(f, Nd4j.ones(DataType.DOUBLE, 5, 1), true, false);
        assertTrue(paramsOnly.getFirst() != null && paramsOnly.getSecond() == null);
    }

    @Test
    void kinksTakeTheNegativeSideDerivativeAndLeakySlopesAboveOneWork() {
        INDArray z = Nd4j.create(new double[] {-2, 0, 3}, new long[] {1, 3}, DataType.DOUBLE);
        INDArray eps = Nd4j.create(new double[] {1, 1, 1}, new long[] {1, 3}, DataType.DOUBLE);
        check(new ActivationReLU(), z, eps, new double[] {0, 0, 3}, new double[] {0, 0, 1});
        check(new ActivationLReLU(0.2), z, eps, new double[] {-0.4, 0, 3}, new double[] {0.2, 0.2, 1});
        check(new ActivationLReLU(1.5), z, eps, new double[] {-3, 0, 3}, new double[] {1.5, 1.5, 1});
        // The identity passes its gradient through without a copy.
        assertSame(eps, DenseActivations.backward(new ActivationIdentity(), z, z, eps));
    }

    @Test
    void softplusStaysFiniteWhereLibnd4jOverflowsAndKeepsItsValuesElsewhere() {
        // log(1 + exp(z)) overflows float above about 88.7 (double above 709.8); softplus(z) is z there.
        IActivation softplus = new org.nd4j.linalg.activations.impl.ActivationSoftPlus();
        float[] zs = {-100f, -3f, 0f, 2.5f, 20f, 88f, 89f, 100f, 1e4f};
        INDArray z = Nd4j.create(zs, new long[] {1, zs.length}, 'c');
        INDArray libnd4j = softplus.getActivation(z.dup(), true);
        assertTrue(Float.isInfinite(libnd4j.getFloat(6)), "libnd4j's softplus overflows at 89 (else this guard is moot)");
        INDArray y = DenseActivations.forward(softplus, z);
        for (int i = 0; i < zs.length; i++) {
            float expected = Float.isInfinite(libnd4j.getFloat(i)) ? zs[i] : libnd4j.getFloat(i);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(y.getFloat(i)), "softplus(" + zs[i] + ")");
        }
        INDArray eps = Nd4j.create(new float[] {1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f}, new long[] {1, zs.length}, 'c');
        INDArray dz = DenseActivations.backward(softplus, z, y, eps);
        INDArray libnd4jDz = softplus.backprop(z.dup(), eps.dup()).getFirst();
        assertTrue(Float.isNaN(libnd4jDz.getFloat(6)), "libnd4j's softplus derivative is NaN at 89 (else this guard is moot)");
        for (int i = 0; i < zs.length; i++) {
            // sigmoid(z) · eps, which is eps itself where z is beyond float's exp.
            float expected = Float.isNaN(libnd4jDz.getFloat(i)) ? eps.getFloat(i) : libnd4jDz.getFloat(i);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(dz.getFloat(i)), "softplus'(" + zs[i] + ")");
        }
        // Double overflows later, and is guarded the same way.
        INDArray zd = Nd4j.create(new double[] {700, 710, 1e5}, new long[] {1, 3}, DataType.DOUBLE);
        assertArrayEquals(new double[] {softplus.getActivation(zd.dup(), true).getDouble(0), 710, 1e5},
                DenseActivations.forward(softplus, zd).toDoubleVector(), 0);
    }

    @Test
    void softplusNetworksStayFiniteInDl4jsOwnPassesAndKeepTheirActivationThroughTheSavedConfiguration() {
        MultiLayerNetwork net = Networks.generator(NetworkSpec.mlp("softplus", "tanh", 3), 2, 2, new Sgd(0.1), 5, DataType.FLOAT);
        Backprop.prepare(net);
        assertInstanceOf(FiniteSoftPlus.class, hiddenActivation(net.getLayerWiseConfigurations()));
        // Code (1, 0) drives every hidden pre-activation to 100, beyond float's exp: libnd4j's softplus
        // is infinite there, and the output layer's mixed-sign weights would make ∞ − ∞ = NaN of it.
        net.getLayer(0).getParam("W").getRow(0).assign(100f);
        INDArray z = Nd4j.create(new float[] {1f, 0f, 0.5f, -0.5f}, new long[] {2, 2}, 'c');
        INDArray out = net.output(z, false);
        for (float v : out.ravel().toFloatVector()) {
            assertTrue(Float.isFinite(v), "net.output must be finite: " + out);
        }
        assertArrayEquals(Backprop.forward(net, z).output().ravel().toFloatVector(), out.ravel().toFloatVector(), "DL4J's pass and the fast path agree bit for bit");
        // DL4J's backward pass through the layer is guarded too.
        INDArray pre = Nd4j.create(new float[] {100f, -1f}, new long[] {1, 2}, 'c');
        INDArray eps = Nd4j.create(new float[] {2f, 3f}, new long[] {1, 2}, 'c');
        assertArrayEquals(DenseActivations.backward(new FiniteSoftPlus(), pre, null, eps).toFloatVector(),
                new FiniteSoftPlus().backprop(pre.dup(), eps.dup()).getFirst().toFloatVector());
        assertEquals(2f, new FiniteSoftPlus().backprop(pre.dup(), eps.dup()).getFirst().getFloat(0));
        // Model zips and checkpoints store this configuration JSON; the class comes back from it.
        assertInstanceOf(FiniteSoftPlus.class, hiddenActivation(
                org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson())));
    }

    private static IActivation hiddenActivation(org.deeplearning4j.nn.conf.MultiLayerConfiguration conf) {
        return ((org.deeplearning4j.nn.conf.layers.BaseLayer) conf.getConf(0).getLayer()).getActivationFn();
    }

    private static void check(IActivation a, INDArray z, INDArray eps, double[] y, double[] dz) {
        INDArray zBefore = z.dup();
        INDArray out = DenseActivations.forward(a, z);
        assertArrayEquals(y, out.toDoubleVector(), 1e-15, a + " forward");
        assertArrayEquals(dz, DenseActivations.backward(a, z, out, eps).toDoubleVector(), 1e-15, a + " backward");
        assertTrue(z.equals(zBefore), a + " must not change the pre-activation it keeps");
    }
}
