package io.sparkgan.core.stabilizer;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Generator;
import io.sparkgan.core.nn.ExtraState;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
import io.sparkgan.core.objective.NonSaturating;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class HistoricalAveragingTest {
    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Test
    void theMeanIsThatOfTheParametersAfterEveryUpdateAndThePenaltyPullsTowardsIt() {
        double lambda = 0.5;
        double lr = 0.1;
        MultiLayerNetwork net = Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 4), 2, 1, new Sgd(lr), 3, DataType.DOUBLE);
        MultiLayerNetwork twin = net.clone();
        new HistoricalAveraging(lambda).attachToDiscriminator(net);
        Discriminator d = new Discriminator(net, new NonSaturating());
        Discriminator plain = new Discriminator(twin, new NonSaturating());
        HistoricalAveraging.History h = ExtraState.attached(net, HistoricalAveraging.History.class);
        INDArray sum = Nd4j.zeros(DataType.DOUBLE, net.numParams());
        for (int step = 0; step < 4; step++) {
            INDArray real = gaussian(10 + step, 5, 2, 1.0);
            INDArray fake = gaussian(20 + step, 5, 2, 1.0);
            twin.setParams(net.params().dup());
            INDArray before = net.params().dup().reshape(net.numParams());
            double plainLoss = plain.loss(real, fake);
            double loss = d.step(real, fake);
            // Plain SGD from the same parameters: the difference of the two updates is lr·2λ(θ − θ̄).
            plain.step(real, fake);
            INDArray expectedPull = step == 0 ? Nd4j.zeros(DataType.DOUBLE, net.numParams())
                    : before.sub(sum.div(step)).muli(2 * lambda * lr);
            INDArray diff = twin.params().reshape(net.numParams()).sub(net.params().reshape(net.numParams()));
            assertTrue(diff.sub(expectedPull).amaxNumber().doubleValue() < 1e-12, "update at step " + step);
            double penalty = step == 0 ? 0 : lambda * Math.pow(before.sub(sum.div(step)).norm2Number().doubleValue(), 2);
            assertEquals(plainLoss + penalty, loss, 1e-12, "the step's loss includes the penalty");
            sum.addi(net.params().reshape(net.numParams()));
            assertEquals(step + 1, h.updates());
            assertTrue(h.mean().sub(sum.div(step + 1)).amaxNumber().doubleValue() < 1e-12, "mean after " + (step + 1) + " updates");
        }
        assertEquals(List.of("history/mean", "history/count"), List.copyOf(ExtraState.of(net).keySet()), "the history moves with the network");
    }

    @Test
    void theGeneratorKeepsItsOwnHistoryAndBatchNormStatisticsAreNotPulled() {
        MultiLayerNetwork g = Networks.generator(NetworkSpec.parse("dcgan:4,2"), 3, 784, new Sgd(0.1), 5, DataType.DOUBLE);
        new HistoricalAveraging(1.0).attachToGenerator(g);
        HistoricalAveraging.History h = ExtraState.attached(g, HistoricalAveraging.History.class);
        Generator gen = new Generator(g, 3);
        for (int i = 0; i < 2; i++) {
            INDArray z = gaussian(30 + i, 4, 3, 1.0);
            gen.step(z, gaussian(40 + i, 4, 784, 0.01));
        }
        assertEquals(2, h.updates());
        // The penalty's gradient is zero on the running statistics: pull a copy of the parameters
        // away from the mean and check only trained entries receive gradient.
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, 1, g.numParams());
        g.params().addi(1.0);
        h.addGradient(g, grad);
        org.deeplearning4j.nn.api.Layer bn = g.getLayer(1);
        long at = g.getLayer(0).numParams();
        java.util.Map<String, INDArray> table = bn.paramTable();
        for (java.util.Map.Entry<String, INDArray> e : table.entrySet()) {
            long n = e.getValue().length();
            double max = grad.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.interval(at, at + n))
                    .amaxNumber().doubleValue();
            boolean running = e.getKey().equals("mean") || e.getKey().equals("var") || e.getKey().equals("log10stdev");
            assertEquals(running, max == 0.0, e.getKey());
            at += n;
        }
    }
}
