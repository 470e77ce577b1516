package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Batch;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.objective.NonSaturating;
import io.sparkgan.core.objective.Objective;
import io.sparkgan.core.objective.Wasserstein;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Spectral normalisation: the step's gradient against finite differences of the normalised loss
 * with u held fixed (MLP and convolutional D, with and without a gradient penalty's extra passes),
 * and σ from repeated power iterations against the largest singular value computed in plain Java.
 */
class SpectralNormTest {
    private static final double LR = 0.1;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static MultiLayerNetwork net(String kind) {
        return kind.equals("mlp")
                ? Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 6, 5), 3, 1, new Sgd(LR), 7, DataType.DOUBLE)
                : Networks.discriminator(NetworkSpec.parse("dcgan:2,3:tanh"), 784, 1, new Sgd(LR), 7, DataType.DOUBLE);
    }

    static Batch batch(String kind, long seed) {
        return Batch.of(kind.equals("mlp") ? gaussian(seed, 5, 3, 1.0) : gaussian(seed, 3, 784, 0.5));
    }

    static Map<String, INDArray> copy(Map<String, INDArray> state) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"mlp, nonsaturating", "conv, nonsaturating", "mlp, wgan-gp", "conv, wgan-gp"})
    void theStepFollowsTheGradientOfTheNormalisedLossWithUHeldFixed(String kind, String objectiveName) {
        MultiLayerNetwork net = net(kind);
        MultiLayerNetwork plainNet = net.clone();
        SpectralNorm sn = SpectralNorm.attach(net, 11);
        assertEquals(3, sn.layers().length, "every dense and convolution layer is normalised");
        Objective objective = objectiveName.equals("nonsaturating") ? new NonSaturating() : new Wasserstein(0.7);
        Discriminator d = new Discriminator(net, objective, 42);
        Discriminator plain = new Discriminator(plainNet, objective, 42);
        Batch real = batch(kind, 4);
        Batch fake = batch(kind, 5);

        // The step runs one power iteration, then its passes; the finite differences hold that u fixed.
        Map<String, INDArray> u0 = copy(sn.extraState());
        sn.powerIteration(net);
        double normalisedLoss = d.stepGradient(real, fake).getFirst();
        assertNotEquals(plain.stepGradient(real, fake).getFirst(), normalisedLoss, 1e-6, "the passes see W/σ, not W");
        double[] numeric = numericGradient(net.params(), () -> d.stepGradient(real, fake).getFirst());
        sn.extraState().forEach((k, v) -> v.assign(u0.get(k)));

        INDArray before = net.params().dup();
        d.step(real, fake);
        INDArray applied = before.sub(net.params()).divi(LR);
        double err = relError(applied, numeric);
        // The gradient penalty's own second derivative is a central difference (GradientPenalty's bound).
        double tolerance = objectiveName.equals("nonsaturating") ? 1e-6 : 1e-5;
        assertTrue(err < tolerance, kind + " " + objectiveName + ": the step's update differs from -lr * gradient of the normalised loss by " + err);
        assertTrue(applied.norm2Number().doubleValue() > 1e-6, "a zero update tests nothing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "conv"})
    void repeatedPowerIterationsConvergeToTheLargestSingularValue(String kind) {
        MultiLayerNetwork net = net(kind);
        SpectralNorm sn = SpectralNorm.attach(net, 3);
        INDArray raw = net.params().dup();
        int[] layers = sn.layers();
        double[] truth = new double[layers.length];
        for (int j = 0; j < layers.length; j++) {
            truth[j] = largestSingularValue(matrix(net, layers[j]));
        }
        sn.normalise(net);
        for (int j = 0; j < layers.length; j++) {
            assertTrue(sn.sigma(j) <= truth[j] * (1 + 1e-12), "σ = ‖Mᵀû‖ never exceeds the largest singular value");
        }
        sn.restore(net);
        for (int i = 0; i < 300; i++) {
            sn.powerIteration(net);
        }
        double[][] rawW = new double[layers.length][];
        for (int j = 0; j < layers.length; j++) {
            rawW[j] = matrix(net, layers[j]).data().asDouble();
        }
        sn.normalise(net);
        for (int j = 0; j < layers.length; j++) {
            assertEquals(truth[j], sn.sigma(j), 1e-9 * truth[j], kind + " layer " + layers[j]);
            double[] normalised = matrix(net, layers[j]).data().asDouble();
            for (int k = 0; k < normalised.length; k++) {
                assertEquals(rawW[j][k] / truth[j], normalised[k], 1e-12, "the passes see W/σ");
            }
        }
        sn.restore(net);
        assertEquals(raw, net.params(), "restore puts the raw weights back bit for bit");
    }

    @Test
    void theFeedbackAndInferencePassesDoNotIterate() {
        MultiLayerNetwork net = net("mlp");
        SpectralNorm sn = SpectralNorm.attach(net, 5);
        Discriminator d = new Discriminator(net, new NonSaturating(), 1);
        Map<String, INDArray> u0 = copy(sn.extraState());
        INDArray x = gaussian(8, 4, 3, 1.0);
        d.feedback(x);
        d.output(x);
        assertEquals(u0, sn.extraState());
        d.step(x, gaussian(9, 4, 3, 1.0));
        assertNotEquals(u0, sn.extraState(), "a training step iterates");
    }

    @Test
    void refinementEnergiesReadTheNormalisedDiscriminator() {
        MultiLayerNetwork net = net("mlp");
        MultiLayerNetwork plainNet = net.clone();
        SpectralNorm.attach(net, 5);
        Discriminator d = new Discriminator(net, new NonSaturating(), 1);
        INDArray x = gaussian(8, 4, 3, 1.0);
        double[] energy = new io.sparkgan.core.refine.DiscriminatorEnergy(d).values(x);
        double[] plainEnergy = new io.sparkgan.core.refine.DiscriminatorEnergy(new Discriminator(plainNet, new NonSaturating(), 1)).values(x);
        INDArray logits = d.output(x);
        for (int i = 0; i < energy.length; i++) {
            assertEquals(-logits.getDouble(i, 0), energy[i], 1e-12, "energy = minus the normalised D's logit");
            assertNotEquals(plainEnergy[i], energy[i], 1e-9);
        }
        assertEquals(plainNet.params(), net.params(), "the raw weights are back after the energy pass");
    }

    /** A copy of layer {@code l}'s weight as the matrix σ is taken of, [out, in] (any orientation has the same σ). */
    static INDArray matrix(MultiLayerNetwork net, int l) {
        INDArray w = net.getLayer(l).getParam(DefaultParamInitializer.WEIGHT_KEY);
        return w.rank() == 2 ? w.dup('c') : w.dup('c').reshape('c', w.size(0), w.length() / w.size(0));
    }

    /** √(largest eigenvalue of MᵀM), by 20,000 power iterations in plain Java double arithmetic. */
    static double largestSingularValue(INDArray m) {
        int rows = (int) m.rows();
        int cols = (int) m.columns();
        double[] a = m.data().asDouble();
        double[] x = new double[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = 1 + 0.1 * i;
        }
        double lambda = 0;
        for (int it = 0; it < 20_000; it++) {
            double[] y = new double[rows];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    y[r] += a[r * cols + c] * x[c];
                }
            }
            double[] z = new double[cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    z[c] += a[r * cols + c] * y[r];
                }
            }
            double n = 0;
            for (double v : z) {
                n += v * v;
            }
            n = Math.sqrt(n);
            lambda = n; // ‖MᵀM x‖ with ‖x‖ = 1
            for (int c = 0; c < cols; c++) {
                x[c] = z[c] / n;
            }
        }
        return Math.sqrt(lambda);
    }
}
