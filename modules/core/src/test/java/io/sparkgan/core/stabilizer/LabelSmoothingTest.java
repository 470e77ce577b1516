package io.sparkgan.core.stabilizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkgan.core.GanConfig;
import io.sparkgan.core.objective.AcGan;
import io.sparkgan.core.objective.Hinge;
import io.sparkgan.core.objective.NonSaturating;
import io.sparkgan.core.objective.Objective;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LabelSmoothingTest {
    private static INDArray col(double... v) {
        return Nd4j.create(v, new long[] {v.length, 1}, DataType.DOUBLE);
    }

    private static double softplus(double t) {
        return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
    }

    @Test
    void theRealTermIsCrossEntropyWithTargetTAndTheFakeTermAndGeneratorLossAreUnchanged() {
        double t = 0.9;
        Objective smoothed = new LabelSmoothing(t).apply(new NonSaturating());
        double[] r = {0.5, -2, 3};
        double[] f = {1, -0.25};
        Objective.Loss d = smoothed.discriminatorLoss(col(r), col(f));
        double expected = 0;
        for (double x : r) {
            expected += (t * softplus(-x) + (1 - t) * softplus(x)) / r.length;
        }
        for (double x : f) {
            expected += softplus(x) / f.length;
        }
        assertEquals(expected, d.value(), 1e-12);
        for (int i = 0; i < r.length; i++) {
            double s = 1 / (1 + Math.exp(-r[i]));
            assertEquals((s - t) / r.length, d.realGrad().getDouble(i), 1e-12, "σ(l) − t, of the batch mean");
        }
        Objective.Loss plain = new NonSaturating().discriminatorLoss(col(r), col(f));
        assertEquals(plain.fakeGrad(), d.fakeGrad());
        assertEquals(new NonSaturating().generatorLoss(col(f)).value(), smoothed.generatorLoss(col(f)).value(), 0.0);
    }

    @Test
    void acganSmoothsOnlyTheSourceColumn() {
        Objective smoothed = new LabelSmoothing(0.8).apply(new AcGan(2));
        INDArray real = Nd4j.create(new double[] {0.3, 1, -1, -0.7, 0.2, 0.5}, new long[] {2, 3}, 'c');
        INDArray fake = Nd4j.create(new double[] {-0.1, 0.4, 0.4}, new long[] {1, 3}, 'c');
        Objective.Loss plain = new AcGan(2).discriminatorLoss(real, new int[] {0, 1}, fake, new int[] {1});
        Objective.Loss s = smoothed.discriminatorLoss(real, new int[] {0, 1}, fake, new int[] {1});
        assertEquals(plain.value() + 0.2 * (0.3 - 0.7) / 2, s.value(), 1e-12);
        assertEquals(plain.realGrad().getDouble(0, 0) + 0.1, s.realGrad().getDouble(0, 0), 1e-12);
        assertEquals(plain.realGrad().getDouble(1, 2), s.realGrad().getDouble(1, 2), 0.0, "class logits untouched");
    }

    @Test
    void anObjectiveWithoutALogisticRealTermIsRefusedWhenTheConfigurationIsChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LabelSmoothing(0.9).apply(new Hinge()));
        assertEquals("stabilizer label-smoothing needs an objective whose real term is logistic (nonsaturating, acgan); got hinge", e.getMessage());
        GanConfig c = new GanConfig();
        c.setObjective("hinge");
        c.set(Stabilizers.SETTING, "label-smoothing");
        assertThrows(IllegalArgumentException.class, c::validate);
        c.setObjective("acgan");
        c.validate();
    }

    @Test
    void theListIsChecked() {
        assertEquals("stabilizer 'smoothing' is unknown; expected a comma-separated list of " + Stabilizers.NAMES, Stabilizers.problem("feature-matching, smoothing"));
        assertEquals("stabilizer 'feature-matching' is listed twice in 'feature-matching,feature-matching'",
                Stabilizers.problem("feature-matching,feature-matching"));
        GanConfig c = new GanConfig();
        c.set(Stabilizers.SETTING, " Label-Smoothing , historical-averaging");
        c.setObjective("nonsaturating");
        assertEquals(java.util.List.of("label-smoothing", "historical-averaging"), Stabilizers.of(c).stream().map(Stabilizer::name).toList());
    }
}
