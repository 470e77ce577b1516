package io.sparkgan.core.stabilizer;

import io.sparkgan.core.config.Setting;
import io.sparkgan.core.objective.ForwardingObjective;
import io.sparkgan.core.objective.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One-sided label smoothing (Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016,
 * §3.4): the discriminator's target for real samples is t &lt; 1 instead of 1, and stays 0 for
 * generated ones (smoothing that side too would reward generated samples where real ones are
 * absent). For a logistic real term {@code softplus(−l)} the loss with target t is
 * {@code softplus(−l) + (1 − t)·l}, so the stabilizer adds {@code (1 − t)·mean(l)} over the real
 * batch's column-0 logits and {@code (1 − t)/m} to their gradient. Only objectives with such a term
 * take it ({@link Objective#logisticRealTerm()}: nonsaturating, acgan); the generator's loss is
 * unchanged.
 */
public final class LabelSmoothing implements Stabilizer {
    private static final long serialVersionUID = 1L;

    public static final Setting<Double> REAL_TARGET = Setting.number("real-target", 0.9,
            "label-smoothing: t, the discriminator's target for real samples (paper: 0.9).").inRange(0, 1).scope("label-smoothing");

    private final double target;

    public LabelSmoothing(double target) {
        this.target = target;
    }

    @Override
    public String name() {
        return "label-smoothing";
    }

    @Override
    public Objective apply(Objective objective) {
        if (!objective.logisticRealTerm()) {
            throw new IllegalArgumentException("stabilizer label-smoothing needs an objective whose real term is logistic (nonsaturating, acgan); got "
                    + objective.name());
        }
        double shift = 1 - target;
        return new ForwardingObjective(objective) {
            private static final long serialVersionUID = 1L;

            @Override
            public Loss discriminatorLoss(Pass real, Pass fake) {
                return smooth(inner.discriminatorLoss(real, fake), real.output());
            }

            @Override
            public Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels) {
                return smooth(inner.discriminatorLoss(realOut, realLabels, fakeOut, fakeLabels), realOut);
            }

            private Loss smooth(Loss l, INDArray realOut) {
                long m = realOut.rows();
                INDArray logits = realOut.getColumn(0);
                INDArray realGrad = l.realGrad().dup();
                realGrad.getColumn(0).addi(shift / m);
                return new Loss(l.value() + shift * logits.sumNumber().doubleValue() / m, realGrad, l.fakeGrad(), l.fakeInputGrad(),
                        l.hiddenLayer(), l.fakeHiddenGrad());
            }
        };
    }
}
