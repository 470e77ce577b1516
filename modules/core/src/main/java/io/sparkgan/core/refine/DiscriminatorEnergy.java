package io.sparkgan.core.refine;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.nn.Backprop;
import io.sparkgan.core.objective.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The energy a trained discriminator assigns to samples, as its objective defines it
 * ({@link Objective#energy}: minus the logit for every current objective). The gradient with
 * respect to the samples goes back through the network with {@link Backprop} (input gradient only;
 * the discriminator is not changed). Backprop's forward pass is the training-mode one, which is the
 * inference pass for discriminators: they hold no batch normalisation and no dropout. A spectrally
 * normalised discriminator is read with its normalised weights ({@link Discriminator#inference}).
 */
public final class DiscriminatorEnergy implements Energy {
    private final Discriminator discriminator;

    public DiscriminatorEnergy(Discriminator discriminator) {
        this.discriminator = discriminator;
    }

    public Discriminator discriminator() {
        return discriminator;
    }

    @Override
    public Evaluation evaluate(INDArray x) {
        return discriminator.inference(() -> {
            Backprop.Forward f = Backprop.forward(discriminator.network(), x);
            Objective.SampleEnergy e = discriminator.objective().energy(f.output(), x);
            INDArray grad = Backprop.backward(f, e.outGrad(), false, true).getSecond();
            if (e.inputGrad() != null) {
                grad = grad.add(e.inputGrad());
            }
            return new Evaluation(e.values(), grad);
        });
    }

    @Override
    public double[] values(INDArray x) {
        return discriminator.inference(() -> discriminator.objective().energy(Backprop.forward(discriminator.network(), x).output(), x).values());
    }
}
