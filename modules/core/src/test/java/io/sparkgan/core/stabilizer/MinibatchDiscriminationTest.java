package io.sparkgan.core.stabilizer;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Batch;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.nn.MinibatchDiscriminationLayer;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
import io.sparkgan.core.objective.NonSaturating;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class MinibatchDiscriminationTest {
    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** D = dense(4, tanh) → minibatch discrimination (B = 3, C = 2) → dense(1). */
    private static MultiLayerNetwork d(long seed) {
        MultiLayerNetwork net = Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 4), 3, 1, new Sgd(0.1), seed, DataType.DOUBLE,
                new MinibatchDiscriminationLayer(3, 2));
        // Weights large enough that the kernels' L1 distances are of order one, so every term matters.
        net.params().muli(3);
        return net;
    }

    @Test
    void theLayerComputesTheSumOfKernelSimilaritiesOverTheBatch() {
        MultiLayerNetwork net = d(5);
        INDArray x = gaussian(1, 5, 3, 1.0);
        java.util.List<INDArray> acts = net.feedForward(x, false);
        INDArray f = acts.get(1);
        INDArray out = acts.get(2);
        INDArray t = net.getLayer(1).getParam("T");
        INDArray m = f.mmul(t);
        assertEquals(4 + 3, out.columns());
        for (int i = 0; i < 5; i++) {
            for (int b = 0; b < 3; b++) {
                double o = 0;
                for (int j = 0; j < 5; j++) {
                    double l1 = 0;
                    for (int c = 0; c < 2; c++) {
                        l1 += Math.abs(m.getDouble(i, b * 2 + c) - m.getDouble(j, b * 2 + c));
                    }
                    o += Math.exp(-l1);
                }
                assertEquals(o, out.getDouble(i, 4 + b), 1e-12, "o(x_" + i + ")_" + b);
            }
            for (int k = 0; k < 4; k++) {
                assertEquals(f.getDouble(i, k), out.getDouble(i, k), 0.0, "the features pass through");
            }
        }
        // Training runs the layer in Java on Backprop's fast path; it computes what DL4J's inference does.
        INDArray trained = io.sparkgan.core.nn.Backprop.forward(net, x).output();
        assertTrue(trained.sub(net.output(x, false)).amaxNumber().doubleValue() < 1e-12);
    }

    @Test
    void theStepGradientAndTheFeedbackMatchFiniteDifferences() {
        MultiLayerNetwork net = d(6);
        Discriminator disc = new Discriminator(net, new NonSaturating());
        INDArray real = gaussian(2, 4, 3, 1.0);
        INDArray fake = gaussian(3, 5, 3, 1.0);
        INDArray analytic = disc.lossAndGradient(real, fake).getSecond().gradient().dup();
        double[] numeric = numericGradient(net.params(), () -> disc.loss(real, fake));
        assertTrue(relError(analytic, numeric) < 1e-6, "parameter gradient, T included: " + relError(analytic, numeric));
        // The feedback: each generated sample moves the others' minibatch features too.
        Discriminator.Feedback f = disc.feedback(fake);
        double[] numericX = numericGradient(fake, () -> new NonSaturating().generatorLoss(net.output(fake, false)).value());
        assertTrue(relError(f.gradient(), numericX) < 1e-6, "feedback with the cross terms: " + relError(f.gradient(), numericX));
    }

    @Test
    void realAndGeneratedBatchesGoThroughSeparatePasses() {
        MultiLayerNetwork net = d(7);
        Discriminator disc = new Discriminator(net, new NonSaturating());
        INDArray real = gaussian(4, 4, 3, 1.0);
        INDArray fake = gaussian(5, 6, 3, 1.0);
        double separate = new NonSaturating().discriminatorLoss(net.output(real, false), net.output(fake, false)).value();
        assertEquals(separate, disc.loss(real, fake), 1e-12, "the loss of two passes, not of one over [real; fake]");
        double together = new NonSaturating().discriminatorLoss(net.output(Nd4j.vstack(real, fake), false).get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4), org.nd4j.linalg.indexing.NDArrayIndex.all()),
                net.output(fake, false)).value();
        assertTrue(Math.abs(separate - together) > 1e-6, "one pass over both batches would differ (the layer couples rows)");
        // A step with a different generated batch sees the same real outputs.
        INDArray realOut = net.output(real, false);
        disc.lossAndGradient(Batch.of(real), Batch.of(gaussian(6, 6, 3, 2.0)));
        assertEquals(realOut, net.output(real, false));
    }

    @Test
    void theLayerSurvivesAModelZipAndACheckpoint() throws Exception {
        MultiLayerNetwork net = d(8);
        Map<String, CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
        ModelParts.putNetwork(parts, "d", net);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        parts.get("d").write(bos);
        MultiLayerNetwork back = ModelParts.readNetwork(bos.toByteArray(), true, "d");
        assertTrue(MinibatchDiscriminationLayer.coupled(back));
        assertEquals(net.params(), back.params());
        INDArray x = gaussian(9, 5, 3, 1.0);
        assertEquals(net.output(x, false), back.output(x, false));
        MinibatchDiscriminationLayer layer = (MinibatchDiscriminationLayer) back.getLayerWiseConfigurations().getConf(1).getLayer();
        assertEquals(3, layer.getKernels());
        assertEquals(2, layer.getKernelDims());
    }
}
