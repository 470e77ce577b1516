package io.sparkgan.core.objective;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An objective written on one score per sample (D's output column 0), as per-sample losses of a
 * real sample's score, a generated sample's score (both for D) and a generated sample's score for G:
 * {@code L_D = E_real r(f) + E_fake q(f)}, {@code L_G = E_fake g(f)}.
 */
abstract class ScoreObjective implements Objective {
    private static final long serialVersionUID = 1L;

    /** Loss of a real sample with score f for D; puts its derivative in {@code d[0]}. */
    abstract double real(double f, double[] d);

    /** Loss of a generated sample with score f for D; puts its derivative in {@code d[0]}. */
    abstract double fake(double f, double[] d);

    /** Loss of a generated sample with score f for G; puts its derivative in {@code d[0]}. */
    abstract double generator(double f, double[] d);

    @Override
    public Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels) {
        double[] gr = new double[(int) realOut.rows()];
        double[] gf = new double[(int) fakeOut.rows()];
        double loss = mean(realOut, gr, 0) + mean(fakeOut, gf, 1);
        return new Loss(loss, column(gr, realOut), column(gf, fakeOut));
    }

    @Override
    public Loss generatorLoss(INDArray fakeOut, int[] fakeLabels) {
        double[] gf = new double[(int) fakeOut.rows()];
        double loss = mean(fakeOut, gf, 2);
        return new Loss(loss, null, column(gf, fakeOut));
    }

    private double mean(INDArray out, double[] grad, int which) {
        double[] f = (out.columns() == 1 ? out : out.getColumn(0)).toDoubleVector();
        int n = f.length;
        double[] d = new double[1];
        double loss = 0;
        for (int i = 0; i < n; i++) {
            loss += (which == 0 ? real(f[i], d) : which == 1 ? fake(f[i], d) : generator(f[i], d)) / n;
            grad[i] = d[0] / n;
        }
        return loss;
    }

    /** Gradients in column 0 of an array shaped like {@code like}. */
    private static INDArray column(double[] values, INDArray like) {
        if (like.columns() == 1) {
            return Nd4j.create(values, like.shape(), like.dataType());
        }
        INDArray g = Nd4j.zeros(like.dataType(), like.shape());
        g.putColumn(0, Nd4j.create(values, new long[] {values.length, 1}, like.dataType()));
        return g;
    }
}
