package io.sparkgan.core;

import io.sparkgan.core.nn.Backprop;
import io.sparkgan.core.nn.LearningRateDecay;
import io.sparkgan.core.nn.SpectralNorm;
import io.sparkgan.core.objective.Objective;
import io.sparkgan.core.objective.Regularizer;
import io.sparkgan.core.stabilizer.ParameterPenalty;
import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
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
 *
 * <p>This is the one discriminator step of the framework: the standalone trainer, every MD-GAN worker
 * and every FL-GAN worker call {@link #train}, into which the objective and its
 * {@linkplain Regularizer regularizers} plug.
 *
 * <p>A network with {@linkplain SpectralNorm spectral normalisation} attached is used normalised by
 * every pass here: a step runs one power iteration, then all its passes (objective and
 * regularizers) on W/σ, and maps the gradient to the raw weights, which the optimizer updates; the
 * feedback and {@link #inference} passes use W/σ without iterating.
 */
public final class Discriminator {
    private final MultiLayerNetwork net;
    private final Objective objective;
    private final List<Regularizer> regularizers;
    /** Seed of the regularizers' random draws; with the update count it fixes each step's draws. */
    private final long noiseSeed;
    /** The network's spectral normalisation, or null. */
    private final SpectralNorm spectralNorm;
    /** The network's weight normalisation, or null. */
    private final io.sparkgan.core.nn.WeightNorm weightNorm;
    /** The rate of each step, or null for the configured constant one. */
    private final LearningRateDecay decay;
    /** Whether a layer couples the rows of a batch, so real and generated batches need passes of their own. */
    private final boolean coupled;

    public Discriminator(MultiLayerNetwork net, Objective objective) {
        this(net, objective, 0);
    }

    /** @param noiseSeed seed of the regularizers' draws (interpolation weights of a gradient penalty) */
    public Discriminator(MultiLayerNetwork net, Objective objective, long noiseSeed) {
        this(net, objective, noiseSeed, null);
    }

    /** @param decay the learning rate of each step (null: the network's configured rate) */
    public Discriminator(MultiLayerNetwork net, Objective objective, long noiseSeed, LearningRateDecay decay) {
        this.net = Backprop.prepare(net);
        this.decay = decay;
        this.objective = objective;
        this.regularizers = objective.regularizers();
        this.noiseSeed = noiseSeed;
        this.spectralNorm = SpectralNorm.of(net);
        this.weightNorm = io.sparkgan.core.nn.WeightNorm.of(net);
        this.coupled = io.sparkgan.core.nn.MinibatchDiscriminationLayer.coupled(net);
    }

    public MultiLayerNetwork network() {
        return net;
    }

    public Objective objective() {
        return objective;
    }

    /**
     * {@code localSteps} discriminator steps, each on a fresh real batch from {@code sampler} and the
     * same generated batch {@code fake} (Hardy et al., Algorithm 1, the worker's L steps).
     *
     * @return the mean discriminator loss over the steps
     */
    public double train(BatchSampler sampler, Batch fake, int localSteps, int batchSize, DataType dtype) {
        double loss = 0;
        for (int l = 0; l < localSteps; l++) {
            Batch real = sampler.next(batchSize, dtype);
            if (objective.readsLabelledBatch()) {
                real = Batch.labelledThenUnlabelled(sampler.nextLabelled(batchSize, dtype), real);
            }
            loss += step(real, fake) / localSteps;
        }
        return loss;
    }

    /** One optimizer step on the discriminator loss of {@code real} and {@code fake}; returns the loss before the step. */
    public double step(INDArray real, INDArray fake) {
        return step(Batch.of(real), Batch.of(fake));
    }

    /**
     * As {@link #step(INDArray, INDArray)} with labels, which a conditional objective needs. The loss
     * is the objective's plus its regularizers'.
     */
    public double step(Batch real, Batch fake) {
        if (spectralNorm != null) {
            spectralNorm.powerIteration(net);
        }
        Pair<Double, Gradient> lg = stepGradient(real, fake);
        // Penalties on the parameters themselves (historical averaging) act on the raw weights.
        double penalty = ParameterPenalty.addAll(net, lg.getSecond().gradient());
        Backprop.apply(net, lg.getSecond(), real.rows() + fake.rows(), decay);
        if (weightNorm != null) {
            // The scales are not parameters of the network: they take their own Adam step, at the rate the update just used.
            weightNorm.step(net, net.getLayerWiseConfigurations().getIterationCount() - 1);
        }
        ParameterPenalty.updatedAll(net);
        return lg.getFirst() + penalty;
    }

    /**
     * The loss a {@link #step} minimises (the objective's plus its regularizers') and its gradient with
     * respect to the parameters, without any update and, with spectral normalisation, without the
     * step's power iteration. The gradient is the network's gradient buffer, which the next pass
     * overwrites.
     */
    public Pair<Double, Gradient> stepGradient(Batch real, Batch fake) {
        Pair<Double, Gradient> lg = normalised(() -> {
            Pair<Objective.Loss, Gradient> o = passes(real, fake);
            double value = o.getFirst().value();
            if (!regularizers.isEmpty()) {
                // A regularizer runs passes of its own, which overwrite the gradient buffer: sum elsewhere.
                INDArray total = o.getSecond().gradient().dup();
                GanRandom rng = GanRandom.stream(noiseSeed, "regularizers", net.getLayerWiseConfigurations().getIterationCount());
                for (Regularizer r : regularizers) {
                    value += r.addGradient(net, real, fake, total, rng);
                }
                o.getSecond().gradient().assign(total);
            }
            return Pair.of(value, o.getSecond());
        });
        mapGradient(lg.getSecond());
        return lg;
    }

    /** The objective's discriminator loss and its parameter gradient (a view that the next call overwrites). */
    public Pair<Objective.Loss, Gradient> lossAndGradient(INDArray real, INDArray fake) {
        return lossAndGradient(Batch.of(real), Batch.of(fake));
    }

    /** As {@link #lossAndGradient(INDArray, INDArray)} with labels. */
    public Pair<Objective.Loss, Gradient> lossAndGradient(Batch real, Batch fake) {
        Pair<Objective.Loss, Gradient> lg = normalised(() -> passes(real, fake));
        mapGradient(lg.getSecond());
        return lg;
    }

    /** The objective's passes: its loss and the gradient with respect to the parameters as they are now. */
    private Pair<Objective.Loss, Gradient> passes(Batch real, Batch fake) {
        if (coupled) {
            return separatePasses(real, fake);
        }
        // One pass over [real; fake]: the networks hold no batch statistics, so this equals two passes.
        int m = real.rows();
        Backprop.Forward f = Backprop.forward(net, Nd4j.vstack(real.x(), fake.x()));
        INDArray out = f.output();
        long rows = out.rows();
        Objective.Loss loss = objective.discriminatorLoss(
                new Objective.Pass(real.x(), out.get(interval(0, m), all()), real.labels(), f, 0),
                new Objective.Pass(fake.x(), out.get(interval(m, rows), all()), fake.labels(), f, m, fake.codes()));
        // The input gradient of real and generated samples is not needed for a discriminator step.
        Gradient g = Backprop.backward(f, Nd4j.vstack(loss.realGrad(), loss.fakeGrad()), true, false).getFirst();
        return Pair.of(loss, g);
    }

    /**
     * The passes of a discriminator whose layers couple the rows of a batch (minibatch
     * discrimination): the real and the generated batch each go through their own pass, so neither
     * sees the other, and the parameter gradient is the sum of the two backward passes.
     */
    private Pair<Objective.Loss, Gradient> separatePasses(Batch real, Batch fake) {
        Backprop.Forward fr = Backprop.forward(net, real.x());
        Backprop.Forward ff = Backprop.forward(net, fake.x());
        Objective.Loss loss = objective.discriminatorLoss(new Objective.Pass(real.x(), fr.output(), real.labels(), fr, 0),
                new Objective.Pass(fake.x(), ff.output(), fake.labels(), ff, 0, fake.codes()));
        // Each backward pass overwrites the network's gradient buffer: keep the first one's.
        INDArray fakePart = Backprop.backward(ff, loss.fakeGrad(), true, false).getFirst().gradient().dup();
        Gradient g = Backprop.backward(fr, loss.realGrad(), true, false).getFirst();
        g.gradient().addi(fakePart);
        return Pair.of(loss, g);
    }

    /**
     * Runs {@code pass} on the network as the discriminator uses it: with spectral normalisation, on
     * the normalised weights W/σ (no power iteration), restored afterwards. Inference passes that
     * read D (energies for sampling, evaluation) go through here.
     */
    public <T> T inference(Supplier<T> pass) {
        // Inference sees no training noise (refinement's energies during evaluation, say).
        return io.sparkgan.core.nn.GaussianNoise.quiet(net, () -> normalised(pass));
    }

    /** D's outputs for {@code x} in inference mode, as the discriminator sees them (normalised weights). */
    public INDArray output(INDArray x) {
        return normalised(() -> net.output(x, false));
    }

    private <T> T normalised(Supplier<T> pass) {
        if (spectralNorm != null) {
            spectralNorm.normalise(net);
            try {
                return pass.get();
            } finally {
                spectralNorm.restore(net);
            }
        }
        if (weightNorm != null) {
            weightNorm.normalise(net);
            try {
                return pass.get();
            } finally {
                weightNorm.restore(net);
            }
        }
        return pass.get();
    }

    /** Turns a gradient with respect to the normalised weights into one with respect to the raw weights (directions, for weight normalisation). */
    private void mapGradient(Gradient g) {
        if (spectralNorm != null) {
            spectralNorm.mapGradient(net, g.gradient());
        }
        if (weightNorm != null) {
            weightNorm.mapGradient(net, g.gradient());
        }
    }

    /** The objective's discriminator loss without any update. */
    public double loss(INDArray real, INDArray fake) {
        return lossAndGradient(real, fake).getFirst().value();
    }

    /**
     * The feedback for a generated batch: {@code d L_G / d x_i} for every row {@code x_i}, where
     * {@code L_G} is the batch-mean generator loss of this discriminator's objective. The
     * discriminator is not changed.
     */
    public Feedback feedback(INDArray fake) {
        return feedback(Batch.of(fake));
    }

    /** As {@link #feedback(INDArray)}; a conditional objective reads the classes the batch was generated for. */
    public Feedback feedback(Batch fake) {
        return feedback(fake, null);
    }

    /**
     * The feedback for a generated batch, with a real batch drawn from {@code sampler} when the
     * generator loss reads one ({@link Objective#generatorReadsReal()}: feature matching); a worker
     * passes its own shard's sampler, so real data never leaves it.
     */
    public Feedback feedback(Batch fake, BatchSampler sampler, int batchSize, DataType dtype) {
        return feedback(fake, objective.generatorReadsReal() ? sampler.next(batchSize, dtype) : null);
    }

    /**
     * As {@link #feedback(Batch)}, for a generator loss that also reads a pass of D over
     * {@code real} (null when it does not).
     */
    public Feedback feedback(Batch fake, Batch real) {
        if (objective.generatorReadsReal() && real == null) {
            throw new IllegalArgumentException("the generator loss of objective " + objective.name() + " needs a real batch");
        }
        return normalised(() -> {
            Objective.Pass realPass = null;
            if (real != null) {
                Backprop.Forward r = Backprop.forward(net, real.x());
                realPass = new Objective.Pass(real.x(), r.output(), real.labels(), r, 0);
            }
            Backprop.Forward f = Backprop.forward(net, fake.x());
            Objective.Loss loss = objective.generatorLoss(new Objective.Pass(fake.x(), f.output(), fake.labels(), f, 0, fake.codes()), realPass);
            // Only the input gradient: the discriminator is not updated by its own feedback.
            INDArray grad = Backprop.backward(f, loss.fakeGrad(), loss.hiddenLayer(), loss.fakeHiddenGrad(), false, true).getSecond();
            if (loss.fakeInputGrad() != null) {
                grad.addi(loss.fakeInputGrad());
            }
            return new Feedback(grad, loss.value());
        });
    }

    /**
     * Feedback on a generated batch.
     *
     * @param gradient d L_G / d x, same shape as the batch
     * @param generatorLoss the batch-mean generator loss L_G
     */
    public record Feedback(INDArray gradient, double generatorLoss) {}
}
