package io.sparkgan.core.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NonSaturatingTest {
    private final NonSaturating ns = new NonSaturating();

    private static INDArray col(double... v) {
        return Nd4j.create(v, new long[] {v.length, 1}, DataType.DOUBLE);
    }

    @Test
    void lossesMatchTheTextbookFormulas() {
        double r = 0.3;
        double f = -1.2;
        double sr = 1 / (1 + Math.exp(-r));
        double sf = 1 / (1 + Math.exp(-f));
        Objective.Loss d = ns.discriminatorLoss(col(r), col(f));
        assertEquals(-Math.log(sr) - Math.log(1 - sf), d.value(), 1e-12);
        assertEquals(sr - 1, d.realGrad().getDouble(0), 1e-12);
        assertEquals(sf, d.fakeGrad().getDouble(0), 1e-12);
        Objective.Loss g = ns.generatorLoss(col(f));
        assertEquals(-Math.log(sf), g.value(), 1e-12);
        assertEquals(sf - 1, g.fakeGrad().getDouble(0), 1e-12);
        assertNull(g.realGrad());
    }

    @Test
    void gradientsAreThoseOfBatchMeansAndMatchFiniteDifferences() {
        double[] r = {0.5, -2, 3};
        double[] f = {1, -0.25};
        Objective.Loss d = ns.discriminatorLoss(col(r), col(f));
        double h = 1e-6;
        for (int i = 0; i < r.length; i++) {
            double[] p = r.clone();
            double[] m = r.clone();
            p[i] += h;
            m[i] -= h;
            double num = (ns.discriminatorLoss(col(p), col(f)).value() - ns.discriminatorLoss(col(m), col(f)).value()) / (2 * h);
            assertEquals(num, d.realGrad().getDouble(i), 1e-8);
        }
        for (int i = 0; i < f.length; i++) {
            double[] p = f.clone();
            double[] m = f.clone();
            p[i] += h;
            m[i] -= h;
            double num = (ns.generatorLoss(col(p)).value() - ns.generatorLoss(col(m)).value()) / (2 * h);
            assertEquals(num, ns.generatorLoss(col(f)).fakeGrad().getDouble(i), 1e-8);
        }
    }

    @Test
    void largeLogitsStayFinite() {
        Objective.Loss d = ns.discriminatorLoss(col(-800), col(800));
        assertEquals(1600, d.value(), 1e-9);
        assertTrue(Double.isFinite(ns.generatorLoss(col(-1e4)).value()));
    }

    @Test
    void unknownObjectiveNamesWhatIsAllowed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Objectives.byName("wgan-xyz", 0));
        assertEquals("objective 'wgan-xyz' is unknown; expected one of " + Objectives.NAMES, e.getMessage());
    }
}
