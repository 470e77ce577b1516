package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.GanConfig;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Gaussian noise on a discriminator's inputs (Salimans et al. 2016): where it is added and how
 * much, that the fast path's gradients are those of the noisy network (finite differences in double
 * precision with the same draws), that the draws are a function of the pass count the network
 * carries, and that inference sees none.
 */
class GaussianNoiseTest {
    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiLayerNetwork net(double input, double hidden) {
        MultiLayerNetwork net = Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 6, 5), 4, 2, new Sgd(0.1), 5, DataType.DOUBLE);
        Backprop.prepare(net);
        net.params().assign(gaussian(3, 1, (int) net.numParams(), 0.7));
        GaussianNoise.attach(net, input, hidden, 11, true);
        return net;
    }

    private static INDArray passes(MultiLayerNetwork net) {
        return ExtraState.of(net).get(GaussianNoise.KEY);
    }

    @Test
    void theInputGetsItsNoiseAndEveryLaterDenseLayerTheHiddenNoise() {
        MultiLayerNetwork net = net(0.3, 0.5);
        INDArray x = gaussian(1, 2000, 4, 1.0);
        Backprop.Forward f = Backprop.forward(net, x);
        INDArray n0 = f.inputs[0].sub(x);
        assertEquals(0.3, n0.stdNumber().doubleValue(), 0.01, "input noise");
        assertEquals(0.0, n0.meanNumber().doubleValue(), 0.01);
        for (int i = 1; i < 3; i++) {
            INDArray ni = f.inputs[i].sub(f.activations[i - 1]);
            assertEquals(0.5, ni.stdNumber().doubleValue(), 0.01, "layer " + i + "'s input: the hidden noise");
        }
        assertEquals(1.0, passes(net).getDouble(0), 0.0, "one noisy pass counted");
        INDArray clean = net.output(x, false);
        assertEquals(clean, GaussianNoise.quiet(net, () -> net.output(x, false)), "inference draws nothing");
        assertEquals(1.0, passes(net).getDouble(0), 0.0, "and counts nothing");
        Backprop.Forward quiet = GaussianNoise.quiet(net, () -> Backprop.forward(net, x));
        assertTrue(quiet.output().equalsWithEps(clean, 1e-12), "a quiet training-mode pass is the noiseless network");
    }

    @Test
    void theDrawsAreAFunctionOfThePassCountAndTheGradientsAreThoseOfTheNoisyNetwork() {
        MultiLayerNetwork net = net(0.3, 0.5);
        INDArray x = gaussian(1, 7, 4, 1.0);
        INDArray weights = gaussian(2, 7, 2, 1.0);
        passes(net).putScalar(0, 5);
        Backprop.Forward f = Backprop.forward(net, x);
        INDArray out = f.output().dup();
        INDArray grad = Backprop.backward(f, weights, true, true).getFirst().gradient().dup();
        assertNotEquals(out, Backprop.forward(net, x).output(), "the next pass draws other noise");
        passes(net).putScalar(0, 5);
        assertEquals(out, Backprop.forward(net, x).output(), "pass 5 again (a restored count) draws the same noise");
        // The loss of pass 5 as a function of the parameters, the noise held: finite differences against the fast path's gradient.
        double[] numeric = numericGradient(net.params(), () -> {
            passes(net).putScalar(0, 5);
            return Backprop.forward(net, x).output().mul(weights).sumNumber().doubleValue();
        });
        assertTrue(relError(grad, numeric) < 1e-5, "parameter gradient against finite differences (BackpropTest's tolerance): " + relError(grad, numeric));
    }

    @Test
    void aGradientPenaltyObjectiveRefusesTheNoise() {
        GanConfig c = new GanConfig().setObjective("wgan-gp");
        c.set(GaussianNoise.INPUT, 0.3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::validate);
        assertTrue(e.getMessage().startsWith("discriminator noise does not combine with objective wgan-gp"), e.getMessage());
        GanConfig ok = new GanConfig().setObjective("nonsaturating");
        ok.set(GaussianNoise.HIDDEN, 0.5);
        ok.validate();
        GanConfig negative = new GanConfig();
        negative.set(GaussianNoise.INPUT, -0.1);
        assertThrows(IllegalArgumentException.class, negative::validate);
    }
}
