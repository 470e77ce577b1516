package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Batch normalisation with statistics from the first r rows only (virtual batch normalisation's
 * reference batch), in double: the output against the formula written out directly, the input,
 * γ and β gradients against central finite differences of a loss of every row's output (so the
 * gradient through the reference statistics is checked), and with r = every row, the plain pass
 * bit for bit. (Finite differences of a normalisation: relative errors near 1e-6 on entries close to
 * cancelling, so 1e-5; a wrong term shows as O(1).)
 */
class BatchNormStatisticsRowsTest {
    private static final int ROWS = 7;
    private static final int R = 4;

    private static MultiLayerNetwork bn(boolean image) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new Adam(0.05))
                .miniBatch(false).list()
                .layer(new BatchNormalization.Builder().decay(0.8).build())
                .setInputType(image ? InputType.convolutional(3, 2, 3) : InputType.feedForward(5)).build());
        net.init();
        Backprop.prepare(net);
        INDArray p = net.params();
        p.assign(gaussian(5, 1, (int) p.length(), 0.3).addi(1.0));
        return net;
    }

    private static INDArray input(boolean image) {
        INDArray x = gaussian(7, ROWS, image ? 18 : 5, 2.0).addi(0.5);
        return image ? x.reshape('c', ROWS, 3, 3, 2) : x;
    }

    @ParameterizedTest(name = "image {0}")
    @ValueSource(booleans = {false, true})
    void outputIsTheDirectFormulaWithTheStatisticsOfTheFirstRows(boolean image) {
        MultiLayerNetwork net = bn(image);
        INDArray x = input(image);
        INDArray y = Backprop.forward(net, x, R).output();
        double eps = ((BatchNormalization) net.getLayer(0).conf().getLayer()).getEps();
        double[] gamma = net.getLayer(0).getParam(BatchNormalizationParamInitializer.GAMMA).toDoubleVector();
        double[] beta = net.getLayer(0).getParam(BatchNormalizationParamInitializer.BETA).toDoubleVector();
        int features = (int) x.size(1);
        for (int j = 0; j < features; j++) {
            // Feature j over the statistics rows (and, for images, every position of channel j).
            INDArray ref = x.get(interval(0, R), point(j));
            double mean = ref.meanNumber().doubleValue();
            double var = ref.sub(mean).muli(ref.sub(mean)).meanNumber().doubleValue();
            for (int s = 0; s < ROWS; s++) {
                INDArray xs = x.get(point(s), point(j));
                INDArray ys = y.get(point(s), point(j));
                INDArray expected = xs.sub(mean).divi(Math.sqrt(var + eps)).muli(gamma[j]).addi(beta[j]);
                assertTrue(ys.equalsWithEps(expected, 1e-12), "row " + s + ", feature " + j + ": " + ys + " vs " + expected);
            }
        }
    }

    @ParameterizedTest(name = "image {0}")
    @ValueSource(booleans = {false, true})
    void inputGammaAndBetaGradientsAreFiniteDifferencesThroughTheReferenceStatistics(boolean image) {
        MultiLayerNetwork net = bn(image);
        INDArray x = input(image);
        INDArray w = gaussian(9, 1, (int) x.length(), 1.0).reshape('c', x.shape());
        // L = Σ w·y over every row: rows of the statistics and the others alike.
        java.util.function.Supplier<Double> loss = () -> Backprop.forward(net, x, R).output().mul(w).sumNumber().doubleValue();
        Backprop.Forward f = Backprop.forward(net, x, R);
        Pair<Gradient, INDArray> g = Backprop.backward(f, w.dup(), true, true);
        double[] dx = numericGradient(x, loss);
        assertTrue(relError(g.getSecond(), dx) < 1e-5, "input gradient: " + relError(g.getSecond(), dx));
        for (String p : new String[] {BatchNormalizationParamInitializer.GAMMA, BatchNormalizationParamInitializer.BETA}) {
            double[] numeric = numericGradient(net.getLayer(0).getParam(p), loss);
            INDArray analytic = g.getFirst().getGradientFor("0_" + p);
            assertNotNull(analytic, p);
            assertTrue(relError(analytic, numeric) < 1e-5, p + " gradient: " + relError(analytic, numeric));
        }
        // A loss of the last row only reaches that row and the statistics rows, never another non-statistics row.
        INDArray onlyLast = Nd4j.zeros(DataType.DOUBLE, x.shape());
        onlyLast.get(point(ROWS - 1)).assign(w.get(point(ROWS - 1)));
        INDArray d = Backprop.backward(Backprop.forward(net, x, R), onlyLast, false, true).getSecond();
        assertEquals(0.0, d.get(interval(R, ROWS - 1)).norm2Number().doubleValue(), 0.0, "the other non-statistics rows");
        assertTrue(d.get(interval(0, R)).norm2Number().doubleValue() > 0, "the statistics rows");
    }

    @ParameterizedTest(name = "image {0}")
    @ValueSource(booleans = {false, true})
    void withEveryRowAsStatisticsRowsItIsThePlainPassBitForBit(boolean image) {
        MultiLayerNetwork a = bn(image);
        MultiLayerNetwork b = bn(image);
        INDArray x = input(image);
        INDArray w = gaussian(9, 1, (int) x.length(), 1.0).reshape('c', x.shape());
        Backprop.Forward fa = Backprop.forward(a, x);
        Backprop.Forward fb = Backprop.forward(b, x, ROWS);
        assertEquals(fa.output(), fb.output());
        Pair<Gradient, INDArray> ga = Backprop.backward(fa, w.dup(), true, true);
        Pair<Gradient, INDArray> gb = Backprop.backward(fb, w.dup(), true, true);
        assertEquals(ga.getSecond(), gb.getSecond());
        assertEquals(ga.getFirst().gradient(), gb.getFirst().gradient(), "γ, β and running-statistics updates");
    }

    @Test
    void statisticsRowsOutsideTheBatchAreRefused() {
        MultiLayerNetwork net = bn(false);
        INDArray x = input(false);
        assertThrows(IllegalArgumentException.class, () -> Backprop.forward(net, x, 0));
        assertThrows(IllegalArgumentException.class, () -> Backprop.forward(net, x, ROWS + 1));
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex interval(int from, int to) {
        return org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to);
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex point(int i) {
        return org.nd4j.linalg.indexing.NDArrayIndex.point(i);
    }
}
