package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkgan.core.checkpoint.ModelParts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/** The decaying learning rate: its values, that both optimizer paths step with it, and what a checkpoint keeps. */
class LearningRateDecayTest {
    @Test
    void linearAndCosineStartAtAlphaHalveAtTheMidpointAndAreZeroFromTheEnd() {
        LearningRateDecay linear = LearningRateDecay.of("linear", 0.2, 100);
        LearningRateDecay cosine = LearningRateDecay.of("cosine", 0.2, 100);
        assertEquals(0.2, linear.at(0), 0);
        assertEquals(0.15, linear.at(25), 1e-15);
        assertEquals(0.1, linear.at(50), 1e-15);
        assertEquals(0.002, linear.at(99), 1e-15);
        assertEquals(0, linear.at(100), 0);
        assertEquals(0, linear.at(250), 0, "never negative past the planned updates");
        assertEquals(0.2, cosine.at(0), 0);
        assertEquals(0.2 * (1 + Math.cos(Math.PI / 4)) / 2, cosine.at(25), 1e-15);
        assertEquals(0.1, cosine.at(50), 1e-15);
        assertEquals(0, cosine.at(100), 1e-15);
        assertEquals(0, cosine.at(400), 1e-15);
        assertNull(LearningRateDecay.of("none", 0.2, 100), "none is the configured constant rate");
        assertEquals("lr-decay 'exp' is unknown; expected one of [none, linear, cosine]", LearningRateDecay.SETTING.problem("exp"));
        assertEquals("lr-decay over 0 updates; expected at least 1",
                assertThrows(IllegalArgumentException.class, () -> LearningRateDecay.of("linear", 0.1, 0)).getMessage());
    }

    @Test
    void aStartHoldsTheRateThenDecaysOverTheRemainingUpdates() {
        LearningRateDecay linear = LearningRateDecay.of("linear", 0.2, 60, 100);
        LearningRateDecay cosine = LearningRateDecay.of("cosine", 0.2, 60, 100);
        for (long t : new long[] {0, 1, 30, 59, 60}) {
            assertEquals(0.2, linear.at(t), 0, "update " + t);
            assertEquals(0.2, cosine.at(t), 0, "update " + t);
        }
        assertEquals(0.1, linear.at(80), 1e-15);
        assertEquals(0.1, cosine.at(80), 1e-15);
        assertEquals(0.005, linear.at(99), 1e-15);
        assertEquals(0, linear.at(100), 0);
        assertEquals(0, cosine.at(140), 1e-15);
        // Start 0 is the schedule as it was before the start existed, bit for bit.
        LearningRateDecay from0 = LearningRateDecay.of("cosine", 0.2, 0, 100);
        for (long t = -1; t <= 101; t++) {
            assertEquals(0.2 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, Math.max(0, t) / 100.0))), from0.at(t), 0, "update " + t);
        }
        assertEquals("lr-decay from update 100 of 100; expected 0 to 99",
                assertThrows(IllegalArgumentException.class, () -> LearningRateDecay.of("linear", 0.1, 100, 100)).getMessage());
        assertNull(LearningRateDecay.problem("linear", 99, 100));
        assertNull(LearningRateDecay.problem("none", 0, 100));
        assertEquals("lr-decay-start 5 needs a decay; expected lr-decay linear or cosine, or lr-decay-start 0", LearningRateDecay.problem("none", 5, 100));
        assertEquals("lr-decay-start 100 is not before the last iteration; expected less than iterations (100)", LearningRateDecay.problem("cosine", 100, 100));
    }

    private static MultiLayerNetwork net(DataType dtype) {
        return Backprop.prepare(Networks.discriminator(NetworkSpec.mlp("leakyrelu", "identity", 12), 3, 1, new Adam(0.05, 0.5, 0.999, 1e-8), 5, dtype));
    }

    /** The two optimizer paths: float takes {@link FusedAdam}, double DL4J's own updater. */
    enum Path { FUSED(DataType.FLOAT), DL4J(DataType.DOUBLE);
        final DataType dtype;
        Path(DataType dtype) { this.dtype = dtype; }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void everyStepUsesTheRateOfItsUpdateOnBothOptimizerPaths(Path path) {
        // Decayed steps against DL4J's updater given each step's rate as a network of that constant rate would have it.
        LearningRateDecay decay = LearningRateDecay.of("linear", 0.05, 4);
        MultiLayerNetwork decaying = net(path.dtype);
        MultiLayerNetwork reference = net(path.dtype);
        MultiLayerNetwork constant = net(path.dtype);
        int n = (int) decaying.numParams();
        for (int t = 0; t < 4; t++) {
            INDArray grad = gaussian(300 + t, 1, n, 1.0).castTo(path.dtype);
            decaying.getFlattenedGradients().assign(grad);
            Backprop.apply(decaying, new DefaultGradient(decaying.getFlattenedGradients()), 1, decay);
            reference.getFlattenedGradients().assign(grad);
            reference.getUpdater().update(reference, new DefaultGradient(reference.getFlattenedGradients()), t, 0, 1,
                    org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
            // DL4J's update at rate α, scaled to the update at rate α·(1 − t/T): Adam's step is linear in the rate.
            reference.params().subi(reference.getFlattenedGradients().mul(1 - t / 4.0).reshape(reference.params().shape()));
            constant.getFlattenedGradients().assign(grad);
            Backprop.apply(constant, new DefaultGradient(constant.getFlattenedGradients()), 1);
            double error = decaying.params().sub(reference.params()).norm2Number().doubleValue() / reference.params().norm2Number().doubleValue();
            assertEquals(0, error, path == Path.FUSED ? 1e-6 : 1e-14, path + ": parameters after step " + t);
            assertEquals(0.05 * (1 - t / 4.0), adam(decaying).getLearningRate(t, 0), 1e-15, "the block's rate at step " + t);
        }
        assertEquals(4, decaying.getLayerWiseConfigurations().getIterationCount());
        assertNotEquals(constant.params(), decaying.params(), "the decay changed the steps");
    }

    @Test
    void aRestoredNetworkKeepsItsUpdateCountSoTheDecayContinuesWhereItStood() throws IOException {
        LearningRateDecay decay = LearningRateDecay.of("cosine", 0.01, 30);
        MultiLayerNetwork net = net(DataType.FLOAT);
        for (int t = 0; t < 3; t++) {
            net.getFlattenedGradients().assign(gaussian(7 + t, 1, (int) net.numParams(), 1.0).castTo(DataType.FLOAT));
            Backprop.apply(net, new DefaultGradient(net.getFlattenedGradients()), 1, decay);
        }
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelParts.network(net).write(zip);
        MultiLayerNetwork restored = ModelParts.network(Map.of("d.zip", zip.toByteArray()), "d.zip");
        assertEquals(3, restored.getLayerWiseConfigurations().getIterationCount());
        INDArray state = ((BaseMultiLayerUpdater<?>) restored.getUpdater()).getStateViewArray().dup();
        // Resumed with twice the planned updates: the rate of update 3 of 60.
        LearningRateDecay longer = LearningRateDecay.of("cosine", 0.01, 60);
        longer.setFor(restored);
        assertEquals(longer.at(3), adam(restored).getLearningRate(3, 0), 0);
        assertEquals(state, ((BaseMultiLayerUpdater<?>) restored.getUpdater()).getStateViewArray(), "the optimizer state is untouched");
    }

    /** The Adam configuration the network's (single) updater block steps with. */
    private static Adam adam(MultiLayerNetwork net) {
        BaseMultiLayerUpdater<?> u = (BaseMultiLayerUpdater<?>) net.getUpdater();
        return (Adam) ((AdamUpdater) u.getUpdaterBlocks().get(0).getGradientUpdater()).getConfig();
    }
}
