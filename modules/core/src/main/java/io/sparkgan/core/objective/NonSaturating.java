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
    public boolean logisticRealTerm() {
        return true;
    }

    @Override
    public Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels) {
        double[] r = realOut.toDoubleVector();
        double[] f = fakeOut.toDoubleVector();
        double[] gr = new double[r.length];
        double[] gf = new double[f.length];
        double loss = sourceLoss(r, true, gr, 0, 1) + sourceLoss(f, false, gf, 0, 1);
        return new Loss(loss, column(gr, realOut), column(gf, fakeOut));
    }

    @Override
    public Loss generatorLoss(INDArray fakeOut, int[] fakeLabels) {
        double[] f = fakeOut.toDoubleVector();
        double[] gf = new double[f.length];
        double loss = sourceLoss(f, true, gf, 0, 1);
        return new Loss(loss, null, column(gf, fakeOut));
    }

    /**
     * The batch-mean loss {@code softplus(-t)} (the sample should be called real) or
     * {@code softplus(t)} (called fake) of the logits at column {@code col} of row-major
     * {@code out} with {@code stride} columns; adds d loss / d logit into {@code grad}.
     */
    static double sourceLoss(double[] out, boolean asReal, double[] grad, int col, int stride) {
        int n = out.length / stride;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double t = out[i * stride + col];
            loss += (asReal ? softplus(-t) : softplus(t)) / n;
            grad[i * stride + col] += (asReal ? sigmoid(t) - 1 : sigmoid(t)) / n;
        }
        return loss;
    }

    static double softplus(double t) {
        return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
    }

    static double sigmoid(double t) {
        return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
    }

    private static INDArray column(double[] values, INDArray like) {
        return Nd4j.create(values, like.shape(), like.dataType());
    }
}
