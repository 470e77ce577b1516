package io.sparkgan.core.objective;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Batch;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The gradient penalties' parameter gradients (a second derivative of D, computed as a central
 * difference of parameter gradients along the penalty's direction) against finite differences of
 * the penalty itself, in double precision, for an MLP and a convolutional discriminator; and the
 * discriminator step's update against the gradient of objective plus penalty.
 */
class GradientPenaltyTest {
    private static final double LR = 0.1;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static MultiLayerNetwork mlp() {
        return Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 6, 5), 3, 1, new Sgd(LR), 7, DataType.DOUBLE);
    }

    static MultiLayerNetwork conv() {
        return Networks.discriminator(NetworkSpec.parse("dcgan:2,3:tanh"), 784, 1, new Sgd(LR), 7, DataType.DOUBLE);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("mlp", GradientPenalty.Form.TWO_SIDED),
                Arguments.of("mlp", GradientPenalty.Form.MAX),
                Arguments.of("conv", GradientPenalty.Form.TWO_SIDED),
                Arguments.of("conv", GradientPenalty.Form.MAX));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void penaltyGradientMatchesFiniteDifferencesOfThePenalty(String net, GradientPenalty.Form form) {
        MultiLayerNetwork d = io.sparkgan.core.nn.Backprop.prepare(net.equals("mlp") ? mlp() : conv());
        INDArray xhat = net.equals("mlp") ? gaussian(3, 5, 3, 1.0) : gaussian(3, 3, 784, 0.5);
        GradientPenalty p = new GradientPenalty(form, 0.7);
        double[] v = new double[(int) xhat.length()];
        p.valueAndDirection(d, xhat, v);
        INDArray analytic = Nd4j.zeros(DataType.DOUBLE, d.params().shape());
        GradientPenalty.addParamGradient(d, xhat, v, analytic);
        double[] numeric = numericGradient(d.params(), () -> p.valueAndDirection(d, xhat, new double[(int) xhat.length()]));
        double err = relError(analytic, numeric);
        assertTrue(err < 1e-5, net + " " + form + ": penalty gradient differs from finite differences by " + err);
        assertTrue(analytic.norm2Number().doubleValue() > 1e-6, "a penalty with a zero gradient tests nothing");
    }

    @Test
    void theDiscriminatorStepFollowsTheGradientOfObjectivePlusPenalty() {
        MultiLayerNetwork net = mlp();
        Wasserstein objective = new Wasserstein(0.7);
        Discriminator d = new Discriminator(net, objective, 42);
        Batch real = Batch.of(gaussian(4, 5, 3, 1.0));
        Batch fake = Batch.of(gaussian(5, 5, 3, 1.0));
        // The step's interpolates come from this stream: the discriminator's seed and update count.
        INDArray xhat = GradientPenalty.interpolates(real, fake, GanRandom.stream(42, "regularizers", 0));
        GradientPenalty penalty = (GradientPenalty) objective.regularizers().get(0);
        double[] numeric = numericGradient(net.params(), () -> objective.discriminatorLoss(net.output(real.x(), false), net.output(fake.x(), false)).value()
                + penalty.valueAndDirection(net, xhat, new double[(int) xhat.length()]));
        INDArray before = net.params().dup();
        d.step(real, fake);
        INDArray applied = before.sub(net.params()).divi(LR);
        double err = relError(applied, numeric);
        assertTrue(err < 1e-5, "the step's update differs from -lr * gradient(objective + penalty) by " + err);
    }
}
