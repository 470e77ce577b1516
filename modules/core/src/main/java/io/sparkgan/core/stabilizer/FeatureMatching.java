package io.sparkgan.core.stabilizer;

import io.sparkgan.core.config.Setting;
import io.sparkgan.core.objective.ForwardingObjective;
import io.sparkgan.core.objective.Objective;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Feature matching (Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016, §3.1):
 * the generator no longer maximises the discriminator's output but matches the mean of an
 * intermediate discriminator layer f on real and generated data,
 * {@code L_G = ‖ mean_real f(x) − mean_fake f(G(z)) ‖²}, so
 * {@code dL_G / df(G(z_i)) = −2 (mean_real f − mean_fake f) / b}. The discriminator trains on its
 * objective as before.
 *
 * <p>Under MD-GAN every worker computes the loss with its own discriminator and a real batch drawn
 * from its own shard ({@link Objective#generatorReadsReal()}), and its feedback is the gradient of
 * that loss with respect to the generated samples; the driver averages the feedback as for any
 * objective, which is the gradient of the mean of the workers' feature-matching losses.
 */
public final class FeatureMatching implements Stabilizer {
    private static final long serialVersionUID = 1L;

    public static final Setting<Integer> LAYER = Setting.integer("feature-layer", -1,
            "feature-matching: index of the discriminator layer whose output is matched (-1: the last hidden layer, as in the paper).")
            .check((n, v) -> v >= -1 ? null : n + " " + v + " is invalid; expected a layer index or -1 for the last hidden layer")
            .scope("feature-matching");

    private final int layer;

    public FeatureMatching(int layer) {
        this.layer = layer;
    }

    @Override
    public String name() {
        return "feature-matching";
    }

    @Override
    public Objective apply(Objective objective) {
        return new ForwardingObjective(objective) {
            private static final long serialVersionUID = 1L;

            @Override
            public boolean generatorReadsReal() {
                return true;
            }

            @Override
            public Loss generatorLoss(Pass fake, Pass real) {
                if (real == null) {
                    throw new IllegalArgumentException("feature matching needs a real batch beside the generated one");
                }
                return loss(fake, real, layerOf(fake));
            }

            @Override
            public Loss generatorLoss(Pass fake) {
                throw new IllegalStateException("feature matching needs a real batch beside the generated one");
            }
        };
    }

    private int layerOf(Objective.Pass pass) {
        int layers = pass.forward().network().getnLayers();
        int at = layer < 0 ? layers - 2 : layer;
        if (at < 0 || at >= layers - 1) {
            throw new IllegalArgumentException("feature-layer " + layer + " is not a hidden layer of the discriminator; expected 0.." + (layers - 2)
                    + " or -1");
        }
        return at;
    }

    /** The loss and its gradient with respect to layer {@code at}'s output on the generated batch. */
    static Objective.Loss loss(Objective.Pass fake, Objective.Pass real, int at) {
        INDArray fFake = fake.layerOutput(at);
        INDArray fReal = real.layerOutput(at);
        long b = fFake.size(0);
        long width = fFake.length() / b;
        // In double: the difference of two means of a few hundred rows loses digits in float.
        INDArray meanFake = fFake.reshape('c', b, width).castTo(DataType.DOUBLE).mean(0);
        INDArray meanReal = fReal.reshape('c', fReal.size(0), width).castTo(DataType.DOUBLE).mean(0);
        INDArray diff = meanReal.sub(meanFake);
        double value = diff.mul(diff).sumNumber().doubleValue();
        INDArray rowGrad = diff.mul(-2.0 / b).reshape(1, width);
        INDArray grad = Nd4j.tile(rowGrad, (int) b, 1).castTo(fFake.dataType()).reshape('c', fFake.shape());
        INDArray outGrad = Nd4j.zeros(fake.output().dataType(), fake.output().shape());
        return new Objective.Loss(value, null, outGrad, null, at, grad);
    }
}
