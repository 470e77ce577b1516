package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The fast-path classifier step against DL4J's own {@code fit} on the evaluation classifier's
 * layout (convolution, max pooling, convolution, max pooling, dense, softmax output), scaled down:
 * the loss it reports and the parameters and Adam state after three steps. In double precision
 * through DL4J's updater, and in float through the fused Adam step.
 */
class ClassifierStepTest {
    private static MultiLayerNetwork lenet(DataType t) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(9).dataType(t)
                .updater(new Adam(1e-2)).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(5).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(16, 16, 1)).build());
        net.init();
        return Backprop.prepare(net);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void threeStepsMatchDl4jsFit(String type) {
        DataType t = DataType.valueOf(type);
        MultiLayerNetwork ours = lenet(t);
        MultiLayerNetwork dl4j = lenet(t);
        assertEquals(ours.params(), dl4j.params());
        for (int step = 0; step < 3; step++) {
            INDArray x = gaussian(40 + step, 6, 256, 1.0).castTo(t);
            INDArray y = Nd4j.zeros(t, 6, 3);
            for (int i = 0; i < 6; i++) {
                y.putScalar(i, (i + step) % 3, 1.0);
            }
            double expectedLoss = dl4j.score(new DataSet(x, y), false);
            double loss = IterationScope.run("classifier-step-test", () -> ClassifierStep.step(ours, x, y));
            assertEquals(expectedLoss, loss, 1e-5 * expectedLoss, "mean cross-entropy before step " + step);
            dl4j.fit(x, y);
        }
        double tol = t == DataType.DOUBLE ? 1e-10 : 1e-5;
        double paramError = ours.params().sub(dl4j.params()).norm2Number().doubleValue() / dl4j.params().norm2Number().doubleValue();
        assertTrue(paramError < tol, type + ": parameters differ from DL4J's fit by " + paramError);
        INDArray ourState = ours.getUpdater().getStateViewArray();
        INDArray theirState = dl4j.getUpdater().getStateViewArray();
        double stateError = ourState.sub(theirState).norm2Number().doubleValue() / theirState.norm2Number().doubleValue();
        assertTrue(stateError < tol, type + ": Adam state differs from DL4J's fit by " + stateError);
        assertTrue(ours.params().sub(lenet(t).params()).amaxNumber().doubleValue() > 1e-3, "the parameters moved");
    }
}
