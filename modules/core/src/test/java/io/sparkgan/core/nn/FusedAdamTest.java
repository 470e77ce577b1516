package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/** The fused Adam step against DL4J's own Adam updater, on the state DL4J keeps. */
class FusedAdamTest {
    private static MultiLayerNetwork discriminator(IUpdater updater) {
        // More parameters than one chunk, so the chunk boundary and the tail are both exercised.
        return Backprop.prepare(Networks.discriminator(NetworkSpec.mlp("leakyrelu", "identity", 90, 70), 100, 1, updater, 5, DataType.FLOAT));
    }

    /** Runs DL4J's updater on {@code net} with {@code grad}, as {@link Backprop#apply} did before the fused step. */
    private static void dl4jStep(MultiLayerNetwork net, INDArray grad, int iteration) {
        dl4jStep(net, grad, iteration, 1);
    }

    private static void dl4jStep(MultiLayerNetwork net, INDArray grad, int iteration, int batchSize) {
        net.getFlattenedGradients().assign(grad);
        DefaultGradient g = new DefaultGradient(net.getFlattenedGradients());
        net.getUpdater().update(net, g, iteration, 0, batchSize, LayerWorkspaceMgr.noWorkspaces());
        net.params().subi(net.getFlattenedGradients().reshape(net.params().shape()));
    }

    private static INDArray state(MultiLayerNetwork net) {
        return ((BaseMultiLayerUpdater<?>) net.getUpdater()).getStateViewArray();
    }

    @Test
    void sevenStepsMatchDl4jsAdamInParametersAndOptimizerState() {
        // β1 = 0.5 as in the GAN presets; a learning rate large enough that a wrong bias correction shows.
        Adam adam = new Adam(0.01, 0.5, 0.999, 1e-8);
        MultiLayerNetwork ours = discriminator(adam);
        MultiLayerNetwork dl4j = discriminator(adam);
        assertEquals(ours.params(), dl4j.params());
        assertTrue(ours.numParams() > 8192, "the test network spans more than one chunk");
        int n = (int) ours.numParams();
        for (int t = 0; t < 7; t++) {
            // Gradients of mixed sign and scale, including entries far below ε's influence and far above.
            INDArray grad = gaussian(100 + t, 1, n, 1.0).castTo(DataType.FLOAT).muli(t % 2 == 0 ? 1e-3 : 3.0);
            ours.getFlattenedGradients().assign(grad);
            assertTrue(FusedAdam.step(ours, ours.getFlattenedGradients(), t, 0, 1), "a plain Adam network takes the fused step");
            dl4jStep(dl4j, grad, t);
            assertEquals(ours.getFlattenedGradients(), grad, "the fused step leaves the gradient alone");
        }
        double paramError = ours.params().sub(dl4j.params()).norm2Number().doubleValue() / dl4j.params().norm2Number().doubleValue();
        double stateError = state(ours).sub(state(dl4j)).norm2Number().doubleValue() / state(dl4j).norm2Number().doubleValue();
        assertTrue(paramError < 1e-6, "parameters differ from DL4J's Adam by " + paramError);
        assertTrue(stateError < 1e-6, "optimizer state differs from DL4J's Adam by " + stateError);
        // And the parameters really moved: seven steps of about lr each.
        assertTrue(ours.params().sub(discriminator(adam).params()).amaxNumber().doubleValue() > 0.05);
    }

    @Test
    void backpropApplyCountsStepsForTheBiasCorrection() {
        Adam adam = new Adam(0.01, 0.5, 0.999, 1e-8);
        MultiLayerNetwork ours = discriminator(adam);
        MultiLayerNetwork dl4j = discriminator(adam);
        int n = (int) ours.numParams();
        for (int t = 0; t < 3; t++) {
            INDArray grad = gaussian(200 + t, 1, n, 1.0).castTo(DataType.FLOAT);
            ours.getFlattenedGradients().assign(grad);
            Backprop.apply(ours, new DefaultGradient(ours.getFlattenedGradients()), 1);
            // DL4J's updater would have turned the gradient into the update: the fused step was taken.
            assertEquals(grad, ours.getFlattenedGradients());
            dl4jStep(dl4j, grad, t);
        }
        assertEquals(3, ours.getLayerWiseConfigurations().getIterationCount());
        double error = ours.params().sub(dl4j.params()).norm2Number().doubleValue() / dl4j.params().norm2Number().doubleValue();
        assertTrue(error < 1e-6, "parameters differ from DL4J's Adam by " + error);
    }

    /** A network built with miniBatch(true), as DL4J's default: DL4J's updater divides the gradient by the batch size first. */
    @Test
    void aMiniBatchNetworkIsDividedByTheBatchSizeAsDl4jDoes() {
        Adam adam = new Adam(0.01, 0.9, 0.999, 1e-8);
        MultiLayerNetwork ours = miniBatchNetwork(adam);
        MultiLayerNetwork dl4j = miniBatchNetwork(adam);
        int n = (int) ours.numParams();
        for (int t = 0; t < 3; t++) {
            INDArray grad = gaussian(300 + t, 1, n, 1e-3).castTo(DataType.FLOAT);
            ours.getFlattenedGradients().assign(grad);
            assertTrue(FusedAdam.step(ours, ours.getFlattenedGradients(), t, 0, 8));
            dl4jStep(dl4j, grad, t, 8);
        }
        double paramError = ours.params().sub(dl4j.params()).norm2Number().doubleValue() / dl4j.params().norm2Number().doubleValue();
        double stateError = state(ours).sub(state(dl4j)).norm2Number().doubleValue() / state(dl4j).norm2Number().doubleValue();
        assertTrue(paramError < 1e-6, "parameters differ from DL4J's Adam by " + paramError);
        assertTrue(stateError < 1e-6, "optimizer state differs from DL4J's Adam by " + stateError);
    }

    private static MultiLayerNetwork miniBatchNetwork(IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(4).dataType(DataType.FLOAT)
                .updater(updater).list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(30).nOut(20).build())
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(20).nOut(3).build()).build());
        net.init();
        return Backprop.prepare(net);
    }

    @Test
    void otherUpdatersAndNetworksWithSeveralUpdaterBlocksAreLeftToDl4j() {
        MultiLayerNetwork sgd = discriminator(new Sgd(0.1));
        INDArray before = sgd.params().dup();
        assertFalse(FusedAdam.step(sgd, sgd.getFlattenedGradients(), 0, 0, 1));
        assertEquals(before, sgd.params(), "a refused step changes nothing");
        // Batch normalisation keeps its running statistics in a block of their own.
        MultiLayerNetwork dcgan = Backprop.prepare(Networks.generator(NetworkSpec.parse("dcgan:8,4:relu:tanh"), 6, 784, new Adam(1e-3), 3, DataType.FLOAT));
        assertFalse(FusedAdam.step(dcgan, dcgan.getFlattenedGradients(), 0, 0, 1));
    }
}
