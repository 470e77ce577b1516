package io.sparkgan.core.info;

import io.sparkgan.core.config.SettingValues;
import io.sparkgan.core.objective.ForwardingObjective;
import io.sparkgan.core.objective.Objective;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * InfoGAN's mutual-information term (Chen et al., NeurIPS 2016) and InfoGAN-CR's contrastive
 * regulariser (Lin et al., ICML 2020), added to any objective: the discriminator's last layer gets
 * extra outputs after the objective's own, so Q and the pair classifier share D's body.
 *
 * <ul>
 *   <li><b>Q</b> ({@link InfoCodes#qWidth()} outputs): the logits of every categorical code and the
 *   mean of every continuous one. Its loss on a generated batch is the variational lower bound's
 *   negative log-likelihood: the cross-entropy of each categorical code plus ½(q − c)² for each
 *   continuous code (a factored Gaussian of unit variance, as Lin et al.'s code has it), a batch
 *   mean, weighted λ ({@link InfoCodes#WEIGHT}), minimised by D/Q and by G.
 *   <li><b>The pair classifier</b> ({@link InfoCodes#pairWidth()} outputs): an embedding of
 *   {@value InfoCodes#EMBEDDING} dimensions per factor. For a pair (x, x') that shares factor k its
 *   logits are {@code ℓ_f = −‖e_f(x) − e_f(x')‖²}, and its loss is the cross-entropy of k, a mean
 *   over the batch's pairs, weighted α ({@link InfoCodes#CR_WEIGHT}), minimised by the classifier
 *   and by G (the regulariser is cooperative). Lin et al. use a separate network on the two images
 *   stacked as channels; here it shares D's body, as the issue asks of MD-GAN, and a siamese head is
 *   what a per-row output can be: the pair's logits depend on each image through its own row of D's
 *   outputs, so MD-GAN's feedback carries the term's gradient with respect to every generated sample
 *   without any change to the worker.
 * </ul>
 *
 * Real samples carry no codes: their extra outputs get no gradient. The terms read the codes of the
 * generated batch ({@link io.sparkgan.core.Batch#codes()}), which travel with it.
 */
public final class InfoGan extends ForwardingObjective {
    private static final long serialVersionUID = 1L;

    private final InfoCodes codes;
    private final double weight;

    public InfoGan(Objective inner, InfoCodes codes, double weight) {
        super(inner);
        this.codes = codes;
        this.weight = weight;
    }

    /** {@code objective} with the codes configuration {@code c} asks for; {@code objective} itself when none. */
    public static Objective apply(Objective objective, SettingValues c) {
        InfoCodes codes = InfoCodes.of(c);
        return codes == null ? objective : new InfoGan(objective, codes, c.get(InfoCodes.WEIGHT));
    }

    /** The InfoGAN layer of {@code objective}, or null when it has none. */
    public static InfoGan of(Objective objective) {
        return objective instanceof InfoGan i ? i : null;
    }

    public InfoCodes codes() {
        return codes;
    }

    private int extra() {
        return codes.qWidth() + codes.pairWidth();
    }

    @Override
    public int discriminatorOutputs(int dataDim) {
        return inner.discriminatorOutputs(dataDim) + extra();
    }

    /** Columns of the inner objective's outputs in {@code out}. */
    private long innerColumns(INDArray out) {
        long k = out.columns() - extra();
        if (k < 1) {
            throw new IllegalArgumentException("a discriminator with " + out.columns() + " outputs has no room for " + extra() + " InfoGAN outputs");
        }
        return k;
    }

    private INDArray innerOutput(INDArray out) {
        return out.get(all(), interval(0, innerColumns(out)));
    }

    private Pass innerPass(Pass p) {
        return p == null ? null : new Pass(p.input(), innerOutput(p.output()), p.labels(), p.forward(), p.offset(), p.codes());
    }

    @Override
    public Loss discriminatorLoss(Pass real, Pass fake) {
        Loss l = inner.discriminatorLoss(innerPass(real), innerPass(fake));
        Terms t = terms(fake.output(), fake.codes());
        return new Loss(l.value() + t.value(), widen(l.realGrad(), real.output(), null), widen(l.fakeGrad(), fake.output(), t.grad()),
                l.fakeInputGrad(), l.hiddenLayer(), l.fakeHiddenGrad());
    }

    @Override
    public Loss generatorLoss(Pass fake) {
        return withTerms(inner.generatorLoss(innerPass(fake)), fake);
    }

    @Override
    public Loss generatorLoss(Pass fake, Pass real) {
        return withTerms(inner.generatorLoss(innerPass(fake), innerPass(real)), fake);
    }

    private Loss withTerms(Loss l, Pass fake) {
        Terms t = terms(fake.output(), fake.codes());
        return new Loss(l.value() + t.value(), null, widen(l.fakeGrad(), fake.output(), t.grad()), l.fakeInputGrad(), l.hiddenLayer(), l.fakeHiddenGrad());
    }

    @Override
    public Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels) {
        throw new IllegalStateException("InfoGAN's loss reads the codes of the generated batch; call discriminatorLoss(Pass, Pass)");
    }

    @Override
    public Loss generatorLoss(INDArray fakeOut, int[] fakeLabels) {
        throw new IllegalStateException("InfoGAN's loss reads the codes of the generated batch; call generatorLoss(Pass)");
    }

    @Override
    public SampleEnergy energy(INDArray out, INDArray x) {
        SampleEnergy e = inner.energy(innerOutput(out), x);
        return new SampleEnergy(e.values(), widen(e.outGrad(), out, null), e.inputGrad());
    }

    /** {@code grad} (of the inner outputs) widened to all of {@code out}'s columns, {@code extraGrad} in the extra ones (zeros if null). */
    private INDArray widen(INDArray grad, INDArray out, INDArray extraGrad) {
        if (grad == null) {
            return null;
        }
        INDArray g = Nd4j.zeros(out.dataType(), out.shape());
        long k = innerColumns(out);
        g.get(all(), interval(0, k)).assign(grad);
        if (extraGrad != null) {
            g.get(all(), interval(k, out.columns())).assign(extraGrad.castTo(out.dataType()));
        }
        return g;
    }

    /** The value of λ·L_Q + α·L_CR on a generated batch and its gradient with respect to the extra outputs, [n, extra]. */
    record Terms(double value, INDArray grad) {}

    Terms terms(INDArray out, INDArray codeRows) {
        if (codeRows == null) {
            throw new IllegalArgumentException("InfoGAN needs the codes of every generated sample; the generated batch has none");
        }
        int n = (int) out.rows();
        int cols = codes.codeColumns();
        if (codeRows.rows() != n || codeRows.columns() != cols) {
            throw new IllegalArgumentException("the generated batch's codes are " + codeRows.rows() + "x" + codeRows.columns() + ", expected " + n + "x" + cols);
        }
        long k = innerColumns(out);
        int width = extra();
        double[] o = out.get(all(), interval(k, out.columns())).castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] c = codeRows.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] g = new double[n * width];
        double value = weight * qLoss(o, c, g, n, width, cols, weight);
        if (codes.contrastive()) {
            value += codes.crWeight() * pairLoss(o, c, g, n, width, cols, codes.crWeight());
        }
        return new Terms(value, Nd4j.create(g, new long[] {n, width}, 'c'));
    }

    /** Q's batch-mean loss; adds {@code scale} times its gradient into {@code g}. */
    private double qLoss(double[] o, double[] c, double[] g, int n, int width, int cols, double scale) {
        int[] cats = codes.categories();
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int at = i * width;
            for (int f = 0; f < cats.length; f++) {
                int y = (int) c[i * cols + f];
                loss += softmaxCrossEntropy(o, at, cats[f], y, g, scale / n) / n;
                at += cats[f];
            }
            for (int f = 0; f < codes.continuous(); f++) {
                double d = o[at + f] - c[i * cols + cats.length + f];
                loss += 0.5 * d * d / n;
                g[at + f] += scale * d / n;
            }
        }
        return loss;
    }

    /** The pair classifier's mean loss over the batch's pairs; adds {@code scale} times its gradient into {@code g}. */
    private double pairLoss(double[] o, double[] c, double[] g, int n, int width, int cols, double scale) {
        int factors = codes.factors();
        int base = codes.qWidth();
        int e = InfoCodes.EMBEDDING;
        int pairs = 0;
        for (int i = 0; i + 1 < n; i += 2) {
            if (c[i * cols + factors] >= 0) {
                pairs++;
            }
        }
        if (pairs == 0) {
            return 0;
        }
        double loss = 0;
        double[] logits = new double[factors];
        double[] dl = new double[factors];
        for (int i = 0; i + 1 < n; i += 2) {
            int shared = (int) c[i * cols + factors];
            if (shared < 0) {
                continue;
            }
            if ((int) c[(i + 1) * cols + factors] != shared) {
                throw new IllegalArgumentException("generated rows " + i + " and " + (i + 1) + " are not a pair (shared factors "
                        + shared + " and " + (int) c[(i + 1) * cols + factors] + ")");
            }
            int a = i * width + base;
            int b = (i + 1) * width + base;
            for (int f = 0; f < factors; f++) {
                double s = 0;
                for (int d = 0; d < e; d++) {
                    double diff = o[a + f * e + d] - o[b + f * e + d];
                    s += diff * diff;
                }
                logits[f] = -s;
            }
            java.util.Arrays.fill(dl, 0);
            loss += softmaxCrossEntropy(logits, 0, factors, shared, dl, 1.0) / pairs;
            for (int f = 0; f < factors; f++) {
                for (int d = 0; d < e; d++) {
                    double diff = o[a + f * e + d] - o[b + f * e + d];
                    // d ℓ_f / d e_f(x) = −2 (e_f(x) − e_f(x')), and the opposite for x'.
                    double grad = scale * dl[f] * -2 * diff / pairs;
                    g[a + f * e + d] += grad;
                    g[b + f * e + d] -= grad;
                }
            }
        }
        return loss;
    }

    /** Cross-entropy of class {@code y} under logits {@code v[at .. at + k)}; adds {@code scale} times its gradient into {@code g} at the same place. */
    private static double softmaxCrossEntropy(double[] v, int at, int k, int y, double[] g, double scale) {
        if (y < 0 || y >= k) {
            throw new IllegalArgumentException("code " + y + " is outside 0.." + (k - 1));
        }
        return io.sparkgan.core.objective.AcGan.softmaxCrossEntropy(v, at, k, y, g, 1 / scale);
    }

    /**
     * Q's reading of D's outputs {@code out} [n, outputs], as code rows ([n][factors]): the most
     * likely category of each categorical code, then the mean of each continuous one. The
     * disentanglement metrics use it as the representation of a sample.
     */
    public double[][] predictedCodes(INDArray out) {
        long k = innerColumns(out);
        int n = (int) out.rows();
        double[][] q = out.get(all(), interval(k, k + codes.qWidth())).castTo(DataType.DOUBLE).toDoubleMatrix();
        int[] cats = codes.categories();
        double[][] rows = new double[n][codes.factors()];
        for (int i = 0; i < n; i++) {
            int at = 0;
            for (int f = 0; f < cats.length; f++) {
                int best = 0;
                for (int j = 1; j < cats[f]; j++) {
                    if (q[i][at + j] > q[i][at + best]) {
                        best = j;
                    }
                }
                rows[i][f] = best;
                at += cats[f];
            }
            for (int f = 0; f < codes.continuous(); f++) {
                rows[i][cats.length + f] = q[i][at + f];
            }
        }
        return rows;
    }
}
