package io.sparkgan.core.objective;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An objective that forwards everything to another one: the base of a stabilizer that changes one
 * part of an objective (its generator loss, say) and keeps the rest, so that stabilizers compose
 * with every objective and with each other.
 */
public abstract class ForwardingObjective implements Objective {
    private static final long serialVersionUID = 1L;

    protected final Objective inner;

    protected ForwardingObjective(Objective inner) {
        this.inner = inner;
    }

    /** The objective this one changes. */
    public Objective inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public int discriminatorOutputs(int dataDim) {
        return inner.discriminatorOutputs(dataDim);
    }

    @Override
    public int classes() {
        return inner.classes();
    }

    @Override
    public boolean readsLabelledBatch() {
        return inner.readsLabelledBatch();
    }

    @Override
    public List<Regularizer> regularizers() {
        return inner.regularizers();
    }

    @Override
    public Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels) {
        return inner.discriminatorLoss(realOut, realLabels, fakeOut, fakeLabels);
    }

    @Override
    public Loss generatorLoss(INDArray fakeOut, int[] fakeLabels) {
        return inner.generatorLoss(fakeOut, fakeLabels);
    }

    @Override
    public Loss discriminatorLoss(Pass real, Pass fake) {
        return inner.discriminatorLoss(real, fake);
    }

    @Override
    public Loss generatorLoss(Pass fake) {
        return inner.generatorLoss(fake);
    }

    @Override
    public boolean generatorReadsReal() {
        return inner.generatorReadsReal();
    }

    @Override
    public Loss generatorLoss(Pass fake, Pass real) {
        return inner.generatorLoss(fake, real);
    }

    @Override
    public boolean logisticRealTerm() {
        return inner.logisticRealTerm();
    }

    @Override
    public SampleEnergy energy(INDArray out, INDArray x) {
        return inner.energy(out, x);
    }
}
