package io.sparkgan.core.objective;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The standard GAN objective with the non-saturating generator loss (Goodfellow et al., "Generative
 * Adversarial Nets", NeurIPS 2014, §3): the discriminator minimises
 * {@code -E[log σ(D(x))] - E[log(1 - σ(D(G(z))))]} and the generator minimises
 * {@code -E[log σ(D(G(z)))]} instead of saturating {@code E[log(1 - σ(D(G(z))))]}.
 *
 * <p>Written with softplus, {@code -log σ(t) = softplus(-t)}, evaluated stably for large logits.
 */
public final class NonSaturating implements Objective {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
        return "nonsaturating";
    }

    @Override
    public Loss discriminatorLoss(INDArray realOut, INDArray fakeOut) {
        double[] r = realOut.toDoubleVector();
        double[] f = fakeOut.toDoubleVector();
        double[] gr = new double[r.length];
        double[] gf = new double[f.length];
        double loss = 0;
        for (int i = 0; i < r.length; i++) {
            loss += softplus(-r[i]) / r.length;
            gr[i] = (sigmoid(r[i]) - 1) / r.length;
        }
        for (int i = 0; i < f.length; i++) {
            loss += softplus(f[i]) / f.length;
            gf[i] = sigmoid(f[i]) / f.length;
        }
        return new Loss(loss, column(gr, realOut), column(gf, fakeOut));
    }

    @Override
    public Loss generatorLoss(INDArray fakeOut) {
        double[] f = fakeOut.toDoubleVector();
        double[] gf = new double[f.length];
        double loss = 0;
        for (int i = 0; i < f.length; i++) {
            loss += softplus(-f[i]) / f.length;
            gf[i] = (sigmoid(f[i]) - 1) / f.length;
        }
        return new Loss(loss, null, column(gf, fakeOut));
    }

    static double softplus(double t) {
        return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
    }

    static double sigmoid(double t) {
        return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
    }

    private static INDArray column(double[] values, INDArray like) {
        return Nd4j.create(values, new long[] {values.length, 1}, like.dataType());
    }
}
