package io.sparkgan.core.nn;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One training step of a softmax classifier (a network ending in DL4J's {@code OutputLayer} with a
 * softmax and the multi-class cross-entropy, such as the evaluation classifier's LeNet) on the fast
 * path of {@link Backprop}: convolutions through {@link Convolutions}, max pooling through
 * {@link Pooling}, dense layers through the dense path, then one optimizer step. The loss and its gradient are taken
 * from the logits, (p − y) per row, which stays finite when a probability underflows.
 */
public final class ClassifierStep {
    private ClassifierStep() {}

    /**
     * Forward, cross-entropy, backward and one update on the minibatch {@code x} with one-hot
     * {@code labels}. Call inside an {@link IterationScope}.
     *
     * @return the mean cross-entropy before the update
     */
    public static double step(MultiLayerNetwork net, INDArray x, INDArray labels) {
        return step(net, x, labels, null);
    }

    /** As {@link #step(MultiLayerNetwork, INDArray, INDArray)}, at the rate {@code decay} gives this update (null: the configured rate). */
    public static double step(MultiLayerNetwork net, INDArray x, INDArray labels, LearningRateDecay decay) {
        Backprop.Forward f = Backprop.forward(net, x);
        INDArray logits = f.lastPreActivation();
        if (logits == null) {
            throw new IllegalArgumentException("the classifier's last layer is not a plain dense output layer");
        }
        int b = (int) x.size(0);
        // mean over rows of logsumexp(z) − z·y, shifted by each row's maximum.
        INDArray max = logits.max(true, 1);
        INDArray lse = Transforms.log(Transforms.exp(logits.subColumnVector(max), false).sum(true, 1), false).addi(max);
        double loss = lse.sumNumber().doubleValue() / b - logits.mul(labels).sumNumber().doubleValue() / b;
        // A network built with miniBatch(true) (DL4J's default) has its gradient divided by b in the
        // update, as DL4J does; one built without it takes the mean's gradient here.
        boolean miniBatch = net.getLayerWiseConfigurations().getConf(0).isMiniBatch();
        INDArray dz = f.output().sub(labels);
        if (!miniBatch) {
            dz.divi(b);
        }
        Gradient g = Backprop.backwardFromPreActivation(f, dz, true, false).getFirst();
        Backprop.apply(net, g, b, decay);
        return loss;
    }
}
