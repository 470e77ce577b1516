package io.sparkgan.core.objective;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Every unconditional objective by name: MD-GAN's feedback (d L_G / d x, through D and, for EBGAN,
 * directly and through the codes) and the discriminator's parameter gradient against finite
 * differences in double precision; the losses on hand-computed values.
 */
class ObjectivesTest {
    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static Stream<String> unconditional() {
        return Objectives.NAMES.stream().filter(n -> !Objectives.conditional(n));
    }

    private static Discriminator discriminator(String name) {
        Objective o = Objectives.byName(name, 0);
        // EBGAN's autoencoder: its narrowest hidden layer (2) is the code.
        NetworkSpec spec = name.equals("ebgan") ? NetworkSpec.mlp("tanh", "identity", 6, 2, 6) : NetworkSpec.mlp("tanh", "identity", 6, 5);
        MultiLayerNetwork net = Networks.discriminator(spec, 3, o.discriminatorOutputs(3), new Sgd(0.1), 11, DataType.DOUBLE);
        return new Discriminator(net, o, 3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unconditional")
    void feedbackIsTheGradientOfTheObjectivesGeneratorLoss(String name) {
        Discriminator d = discriminator(name);
        INDArray fake = gaussian(1, 6, 3, 1.0);
        INDArray feedback = d.feedback(fake).gradient().dup();
        double[] numeric = numericGradient(fake, () -> d.feedback(fake).generatorLoss());
        double err = relError(feedback, numeric);
        assertTrue(err < 1e-6, name + ": feedback differs from finite differences by " + err);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unconditional")
    void discriminatorGradientIsThatOfTheObjectivesLoss(String name) {
        Discriminator d = discriminator(name);
        INDArray real = gaussian(2, 5, 3, 1.0);
        INDArray fake = gaussian(3, 5, 3, 1.0);
        INDArray analytic = d.lossAndGradient(real, fake).getSecond().gradient().dup();
        double[] numeric = numericGradient(d.network().params(), () -> d.loss(real, fake));
        double err = relError(analytic, numeric);
        assertTrue(err < 1e-6, name + ": discriminator gradient differs from finite differences by " + err);
    }

    @Test
    void lossesOnHandComputedScores() {
        INDArray real = Nd4j.create(new double[][] {{2}, {0}});
        INDArray fake = Nd4j.create(new double[][] {{-3}, {0.5}});
        // hinge: mean(max(0, 1 - [2, 0])) + mean(max(0, 1 + [-3, 0.5])) = 0.5 + 0.75
        assertEquals(1.25, new Hinge().discriminatorLoss(real, fake).value(), 1e-12);
        assertEquals(1.25, new Hinge().generatorLoss(fake).value(), 1e-12);
        // least squares: ½ mean([1, 1]) + ½ mean([9, 0.25]); G: ½ mean([16, 0.25])
        assertEquals(0.5 + 2.3125, new LeastSquares().discriminatorLoss(real, fake).value(), 1e-12);
        assertEquals(4.0625, new LeastSquares().generatorLoss(fake).value(), 1e-12);
        // Wasserstein critic: mean(fake) - mean(real) = -1.25 - 1
        assertEquals(-2.25, new Wasserstein(10).discriminatorLoss(real, fake).value(), 1e-12);
        // lgan:exp: mean(exp(-real)) + mean(exp(fake))
        double expected = (Math.exp(-2) + 1) / 2 + (Math.exp(-3) + Math.exp(0.5)) / 2;
        assertEquals(expected, new Lipschitz("exp", 0.1).discriminatorLoss(real, fake).value(), 1e-12);
        // lgan:sqrt: φ(t) = √(t² + 1) + t at t = -real and t = fake
        double sqrt = ((Math.sqrt(5) - 2) + 1) / 2 + ((Math.sqrt(10) - 3) + (Math.sqrt(1.25) + 0.5)) / 2;
        assertEquals(sqrt, new Lipschitz("sqrt", 0.1).discriminatorLoss(real, fake).value(), 1e-12);
    }

    @Test
    void pullAwayTermOfOrthogonalAndParallelCodes() {
        double[] grad = new double[4];
        assertEquals(0, EnergyBased.pullAway(new double[][] {{1, 0}, {0, 3}}, grad), 1e-12, "orthogonal codes");
        assertEquals(1, EnergyBased.pullAway(new double[][] {{1, 1}, {2, 2}}, grad), 1e-9, "parallel codes");
        for (double g : grad) {
            assertEquals(0, g, 1e-9, "parallel codes are a maximum: no gradient");
        }
    }

    @Test
    void namesVariantsSettingsAndDefaults() {
        assertEquals("lgan:exp", Objectives.byName("lgan", 0).name(), "plain lgan is lgan:exp");
        assertEquals("lgan:hinge", Objectives.byName("LGAN:hinge", 0).name());
        assertThrows(IllegalArgumentException.class, () -> Objectives.byName("lgan:cube", 0));
        GanConfig c = new GanConfig().setObjective("wgan-gp");
        assertEquals(5, c.getLocalSteps(), "wgan-gp's default critic steps");
        assertEquals(0.9, c.getBeta2(), 0, "wgan-gp's default beta2");
        assertEquals(2, c.setLocalSteps(2).getLocalSteps(), "a value the run sets wins over the objective's default");
        assertEquals(1, new GanConfig().getLocalSteps(), "other objectives keep the declared default");
        c.set(Wasserstein.LAMBDA, 3.0);
        assertEquals(1, ((Wasserstein) Objectives.byName("wgan-gp", 0, c)).regularizers().size());
        assertTrue(c.toMap().containsKey("gp-weight"), "an objective's settings are part of the configuration");
    }
}
