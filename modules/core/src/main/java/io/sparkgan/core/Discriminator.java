package io.sparkgan.core;

import io.sparkgan.core.nn.Backprop;
import io.sparkgan.core.objective.Objective;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * A discriminator and the two operations a worker performs with it in MD-GAN (Hardy, Le Merrer and
 * Sericola, "MD-GAN: Multi-Discriminator Generative Adversarial Networks for Distributed Datasets",
 * IPDPS 2019, Algorithm 1): a {@linkplain #step discriminator step} on a real and a generated batch,
 * and the {@linkplain #feedback feedback} for a generated batch, i.e. the gradient of the generator
 * loss with respect to each generated sample.
 */
public final class Discriminator {
    private final MultiLayerNetwork net;
    private final Objective objective;

    public Discriminator(MultiLayerNetwork net, Objective objective) {
        this.net = Backprop.prepare(net);
        this.objective = objective;
    }

    public MultiLayerNetwork network() {
        return net;
    }

    public Objective objective() {
        return objective;
    }

    /** One optimizer step on the discriminator loss of {@code real} and {@code fake}; returns the loss before the step. */
    public double step(INDArray real, INDArray fake) {
        return step(Batch.of(real), Batch.of(fake));
    }

    /** As {@link #step(INDArray, INDArray)} with labels, which a conditional objective needs. */
    public double step(Batch real, Batch fake) {
        Pair<Objective.Loss, Gradient> lg = lossAndGradient(real, fake);
        Backprop.apply(net, lg.getSecond(), real.rows() + fake.rows());
        return lg.getFirst().value();
    }

    /** The discriminator loss and its parameter gradient (a view that the next call overwrites). */
    public Pair<Objective.Loss, Gradient> lossAndGradient(INDArray real, INDArray fake) {
        return lossAndGradient(Batch.of(real), Batch.of(fake));
    }

    /** As {@link #lossAndGradient(INDArray, INDArray)} with labels. */
    public Pair<Objective.Loss, Gradient> lossAndGradient(Batch real, Batch fake) {
        // One pass over [real; fake]: the networks hold no batch statistics, so this equals two passes.
        int m = real.rows();
        Backprop.Forward f = Backprop.forward(net, Nd4j.vstack(real.x(), fake.x()));
        INDArray out = f.output();
        long rows = out.rows();
        Objective.Loss loss = objective.discriminatorLoss(
                out.get(interval(0, m), all()), real.labels(),
                out.get(interval(m, rows), all()), fake.labels());
        // The input gradient of real and generated samples is not needed for a discriminator step.
        Gradient g = Backprop.backward(f, Nd4j.vstack(loss.realGrad(), loss.fakeGrad()), true, false).getFirst();
        return Pair.of(loss, g);
    }

    /** The discriminator loss without any update (inference mode). */
    public double loss(INDArray real, INDArray fake) {
        return objective.discriminatorLoss(net.output(real, false), net.output(fake, false)).value();
    }

    /**
     * The feedback for a generated batch: {@code d L_G / d x_i} for every row {@code x_i}, where
     * {@code L_G} is the batch-mean generator loss of this discriminator. The discriminator is not
     * changed.
     */
    public Feedback feedback(INDArray fake) {
        return feedback(Batch.of(fake));
    }

    /** As {@link #feedback(INDArray)}; a conditional objective reads the classes the batch was generated for. */
    public Feedback feedback(Batch fake) {
        Backprop.Forward f = Backprop.forward(net, fake.x());
        Objective.Loss loss = objective.generatorLoss(f.output(), fake.labels());
        // Only the input gradient: the discriminator is not updated by its own feedback.
        INDArray grad = Backprop.backward(f, loss.fakeGrad(), false, true).getSecond();
        return new Feedback(grad, loss.value());
    }

    /**
     * Feedback on a generated batch.
     *
     * @param gradient d L_G / d x, same shape as the batch
     * @param generatorLoss the batch-mean generator loss L_G
     */
    public record Feedback(INDArray gradient, double generatorLoss) {}
}
