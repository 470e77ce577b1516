package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.sparkgan.core.Generator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/** The generator's moving average: the recurrence, a round of several updates, and what the averaged generator is. */
class ParameterEmaTest {
    private static MultiLayerNetwork net() {
        return Networks.generator(NetworkSpec.mlp("relu", "identity", 8), 3, 2, new Adam(0.01), 11, DataType.DOUBLE);
    }

    @Test
    void theAverageFollowsTheRecurrenceFromTheInitialParametersAndTheAveragedGeneratorHoldsIt() {
        MultiLayerNetwork net = net();
        INDArray theta0 = net.params().dup();
        ParameterEma ema = ParameterEma.start(net, 0.75);
        Generator g = new Generator(net, 3, 0, null, ema);
        INDArray expected = theta0.dup();
        INDArray z = gaussian(3, 5, 3, 1.0);
        for (int t = 0; t < 3; t++) {
            g.step(z, gaussian(40 + t, 5, 2, 1.0));
            expected = expected.mul(0.75).add(net.params().mul(0.25));
        }
        assertEquals(0, ema.average().sub(expected).norm2Number().doubleValue(), 1e-14);
        Generator averaged = g.averaged();
        assertEquals(ema.average(), averaged.network().params());
        assertNotEquals(net.params(), averaged.network().params(), "the average lags the trained parameters");
        assertNull(averaged.ema(), "the averaged copy keeps no average of its own");
        assertSame(averaged, averaged.averaged());
        // The copy is detached: training on does not move it.
        INDArray before = averaged.network().params().dup();
        g.step(z, gaussian(50, 5, 2, 1.0));
        assertEquals(before, averaged.network().params());
    }

    @Test
    void aRoundOfUpdatesFoldsInWithBetaToTheirNumber() {
        MultiLayerNetwork net = net();
        ParameterEma ema = ParameterEma.start(net, 0.9);
        INDArray theta0 = net.params().dup();
        net.setParams(net.params().add(1.0));
        ema.update(net, 3);
        INDArray expected = theta0.mul(0.729).add(net.params().mul(1 - 0.729));
        assertEquals(0, ema.average().sub(expected).norm2Number().doubleValue(), 1e-14);
    }

    @Test
    void betaZeroIsNoAverageAndTheGeneratorIsItsOwnExport() {
        MultiLayerNetwork net = net();
        assertNull(ParameterEma.start(net, 0));
        Generator g = new Generator(net, 3);
        assertSame(g, g.averaged());
        assertEquals("generator-ema must be in [0, 1), got 1", ParameterEma.SETTING.problem(1.0));
    }
}
