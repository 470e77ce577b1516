package io.sparkgan.core.refine;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static io.sparkgan.core.FiniteDifferences.numericGradient;
import static io.sparkgan.core.FiniteDifferences.relError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
import io.sparkgan.core.objective.AcGan;
import io.sparkgan.core.objective.NonSaturating;
import io.sparkgan.core.objective.Objective;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** The discriminator's energy and its input gradient, checked with finite differences in double precision. */
class DiscriminatorEnergyTest {
    private static final double TOL = 1e-6;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static Discriminator d(int dim, int outputs, long seed, Objective objective) {
        return new Discriminator(Networks.discriminator(NetworkSpec.mlp("tanh", "identity", 7, 5), dim, outputs, new Sgd(0.1), seed, DataType.DOUBLE),
                objective);
    }

    private static double sum(double[] v) {
        return Arrays.stream(v).sum();
    }

    @Test
    void theEnergyIsMinusTheLogitAndItsInputGradientMatchesFiniteDifferences() {
        Discriminator disc = d(3, 1, 11, new NonSaturating());
        DiscriminatorEnergy e = new DiscriminatorEnergy(disc);
        INDArray x = gaussian(1, 6, 3, 1.0);
        Energy.Evaluation ev = e.evaluate(x);
        double[] logits = disc.network().output(x, false).getColumn(0).toDoubleVector();
        for (int i = 0; i < logits.length; i++) {
            assertEquals(-logits[i], ev.values()[i], 1e-12);
        }
        assertArrayEquals(ev.values(), e.values(x), 1e-12);
        double[] numeric = numericGradient(x, () -> sum(e.values(x)));
        assertTrue(relError(ev.gradient(), numeric) < TOL, "relative error " + relError(ev.gradient(), numeric));
    }

    @Test
    void anAcGanDiscriminatorsEnergyReadsTheRealFakeColumnOnly() {
        Discriminator disc = d(4, 4, 12, new AcGan(3));
        DiscriminatorEnergy e = new DiscriminatorEnergy(disc);
        INDArray x = gaussian(2, 5, 4, 1.0);
        Energy.Evaluation ev = e.evaluate(x);
        assertArrayEquals(disc.network().output(x, false).getColumn(0).neg().toDoubleVector(), ev.values(), 1e-12);
        double[] numeric = numericGradient(x, () -> sum(e.values(x)));
        assertTrue(relError(ev.gradient(), numeric) < TOL, "relative error " + relError(ev.gradient(), numeric));
    }

    /**
     * An objective whose energy reads the samples directly as well (EBGAN's reconstruction error
     * ‖out − x‖²/d): both paths of the gradient must be summed.
     */
    @Test
    void anEnergyThatReadsTheSamplesDirectlyGetsBothPathsOfTheGradient() {
        Objective reconstruction = new Objective() {
            private final Objective ns = new NonSaturating();

            @Override
            public String name() {
                return "reconstruction";
            }

            @Override
            public Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels) {
                return ns.discriminatorLoss(realOut, realLabels, fakeOut, fakeLabels);
            }

            @Override
            public Loss generatorLoss(INDArray fakeOut, int[] fakeLabels) {
                return ns.generatorLoss(fakeOut, fakeLabels);
            }

            @Override
            public SampleEnergy energy(INDArray out, INDArray x) {
                INDArray diff = out.sub(x);
                double d = x.columns();
                return new SampleEnergy(diff.mul(diff).sum(1).div(d).toDoubleVector(), diff.mul(2 / d), diff.mul(-2 / d));
            }
        };
        Discriminator disc = d(3, 3, 13, reconstruction);
        DiscriminatorEnergy e = new DiscriminatorEnergy(disc);
        INDArray x = gaussian(3, 4, 3, 1.0);
        Energy.Evaluation ev = e.evaluate(x);
        double[] numeric = numericGradient(x, () -> sum(e.values(x)));
        assertTrue(relError(ev.gradient(), numeric) < TOL, "relative error " + relError(ev.gradient(), numeric));
    }

    @Test
    void theEnsembleIsExactlyTheMeanOfItsMembers() {
        INDArray x = gaussian(4, 8, 3, 1.0);
        DiscriminatorEnergy a = new DiscriminatorEnergy(d(3, 1, 21, new NonSaturating()));
        DiscriminatorEnergy b = new DiscriminatorEnergy(d(3, 1, 22, new NonSaturating()));
        DiscriminatorEnergy c = new DiscriminatorEnergy(d(3, 1, 23, new NonSaturating()));
        Energy.Evaluation ea = a.evaluate(x);
        Energy.Evaluation eb = b.evaluate(x);
        Energy.Evaluation ec = c.evaluate(x);
        Energy.Evaluation ens = new EnsembleEnergy(List.of(a, b, c)).evaluate(x);
        for (int i = 0; i < 8; i++) {
            assertEquals((ea.values()[i] + eb.values()[i] + ec.values()[i]) / 3, ens.values()[i], 0.0);
        }
        assertArrayEquals(ea.gradient().add(eb.gradient()).add(ec.gradient()).div(3).ravel().toDoubleVector(),
                ens.gradient().ravel().toDoubleVector(), 0.0);
        assertArrayEquals(ens.values(), new EnsembleEnergy(List.of(a, b, c)).values(x), 0.0);
        // The members differ, so the mean is not any one of them.
        assertFalse(Arrays.equals(ea.values(), ens.values()));
    }

    @Test
    void refinementPicksOneWorkersDiscriminatorOrTheEnsembleAndRefusesAWorkerOutOfRange() {
        List<Discriminator> ds = List.of(d(2, 1, 31, new NonSaturating()), d(2, 1, 32, new NonSaturating()));
        INDArray x = gaussian(5, 6, 2, 1.0);
        Refinement one = new Refinement("langevin", 3, 0.01, 0.05, "worker:1");
        double[] expected = new Langevin(3, 0.01, 0.05).run(new DiscriminatorEnergy(ds.get(1)), x, new GanRandom(9)).ravel().toDoubleVector();
        assertArrayEquals(expected, one.apply(x, ds, new GanRandom(9)).ravel().toDoubleVector(), 0.0);
        Refinement ens = new Refinement("LANGEVIN", 3, 0.01, 0.05, "Ensemble");
        assertEquals(-1, ens.worker());
        assertTrue(ens.energy(ds) instanceof EnsembleEnergy);
        // Deterministic for a seed.
        assertArrayEquals(ens.apply(x, ds, new GanRandom(4)).ravel().toDoubleVector(), ens.apply(x, ds, new GanRandom(4)).ravel().toDoubleVector(), 0.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Refinement("langevin", 3, 0.01, 0, "worker:5").energy(ds));
        assertEquals("energy 'worker:5' is out of range: the model has 2 discriminators (worker:0 to worker:1); expected ensemble or one of them", e.getMessage());
    }

    @Test
    void theSettingsAreDeclaredOnceAndRefuseBadValues() {
        assertEquals(List.of("refine", "refine-steps", "refine-step-size", "refine-noise", "energy"),
                Refinement.SETTINGS.stream().map(s -> s.name()).toList());
        Refinement d = Refinement.none();
        assertFalse(d.enabled());
        assertEquals("ensemble", d.energy());
        assertEquals("refine-steps must be 0 (samples left as they are) or positive, got -1",
                assertThrows(IllegalArgumentException.class, () -> new Refinement("langevin", -1, 0.01, 0, "ensemble")).getMessage());
        assertEquals("energy must be ensemble or worker:K, got 'worker:x'",
                assertThrows(IllegalArgumentException.class, () -> Refinement.ENERGY.validate("worker:x")).getMessage());
        assertEquals("refine 'mala' is unknown; expected one of [none, langevin]",
                assertThrows(IllegalArgumentException.class, () -> Refinement.defaults("mala")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Refinement("langevin", 1, 0, 0, "ensemble"));
        assertThrows(IllegalArgumentException.class, () -> new Refinement("langevin", 1, 0.1, -1, "ensemble"));
        assertEquals(0.02, Refinement.STEP_SIZE.parse("0.02"));
    }
}
