package io.sparkgan.core.objective;

import io.sparkgan.core.config.Setting;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The semi-supervised GAN of Salimans, Goodfellow, Zaremba, Cheung, Radford and Chen, "Improved
 * Techniques for Training GANs", NeurIPS 2016, §5: the discriminator is a classifier over the K real
 * classes plus "generated", trained on labelled, unlabelled and generated data at once.
 *
 * <p>D outputs K logits l_1..l_K; the logit of "generated" is fixed at 0 (the paper's
 * over-parameterisation remark), so with {@code Z(x) = Σ_k exp l_k} the probability that x is real is
 * {@code Z/(Z + 1)} and {@code log Z = LSE(l)} plays the real/fake logit. The loss (eq. 5, weighted
 * as the authors' code does) is
 * <pre>
 *   L_D = mean_labelled [LSE(l) − l_y]                       (supervised cross-entropy)
 *       + ½ mean_unlabelled softplus(−LSE(l))                (−log p(real | x))
 *       + ½ mean_generated softplus(LSE(l))                  (−log p(generated | G(z)))
 * </pre>
 * Rows of the real batch with a class (≥ 0) are the labelled ones, rows marked −1 the unlabelled
 * ones: {@link io.sparkgan.core.Discriminator#train} draws a labelled batch from the shard's few
 * labelled samples beside every unlabelled one ({@link #readsLabelledBatch()}). The generator's own
 * loss is the non-saturating {@code softplus(−LSE(l))} of the generated batch; the paper's best
 * MNIST results use feature matching instead, which this objective recommends
 * ({@code --stabilizers feature-matching} by default). With {@link #UNSUPERVISED_WEIGHT} 0 the same
 * network trains on the labelled batches alone: the supervised baseline the paper compares with.
 *
 * <p>The trained discriminator is a classifier: p(y | x, real) = softmax(l). The generator is not
 * conditioned on a class.
 */
public final class SemiSupervised implements Objective {
    private static final long serialVersionUID = 1L;

    public static final Setting<Integer> LABELLED_PER_CLASS = Setting.integer("labelled-per-class", 10,
            "semi-supervised: labels kept per class, spread over the shards; every other sample is unlabelled (0: keep every label).")
            .nonNegative("every label kept").scope("semi-supervised");

    public static final Setting<Double> UNSUPERVISED_WEIGHT = Setting.number("unsupervised-weight", 1.0,
            "semi-supervised: weight of the unsupervised terms (real vs generated) in D's loss; 0 trains the same classifier on the labelled samples alone.")
            .nonNegative("the supervised baseline").scope("semi-supervised");

    private final int classes;
    /** The weight of the two unsupervised terms: ½ each in the authors' code, times this. */
    private final double unsupervised;

    public SemiSupervised(int classes) {
        this(classes, 1.0);
    }

    public SemiSupervised(int classes, double unsupervisedWeight) {
        if (classes < 2) {
            throw new IllegalArgumentException("objective semi-supervised needs labelled data with at least 2 classes, got " + classes);
        }
        this.classes = classes;
        this.unsupervised = 0.5 * unsupervisedWeight;
    }

    @Override
    public String name() {
        return "semi-supervised";
    }

    @Override
    public int discriminatorOutputs(int dataDim) {
        return classes;
    }

    /** The generator is unconditional; the classes are the discriminator's. */
    @Override
    public int classes() {
        return 0;
    }

    /** Classes the discriminator tells apart. */
    public int classifierClasses() {
        return classes;
    }

    @Override
    public boolean readsLabelledBatch() {
        return true;
    }

    @Override
    public Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels) {
        double[] r = AcGan.values(realOut);
        double[] f = AcGan.values(fakeOut);
        double[] gr = new double[r.length];
        double[] gf = new double[f.length];
        int m = (int) realOut.rows();
        int labelled = 0;
        if (realLabels != null) {
            for (int y : realLabels) {
                labelled += y >= 0 ? 1 : 0;
            }
        }
        int unlabelled = m - labelled;
        double loss = 0;
        double[] p = new double[classes];
        for (int i = 0; i < m; i++) {
            int y = realLabels == null ? -1 : realLabels[i];
            double lse = softmax(r, i, p);
            int base = i * classes;
            if (y >= 0) {
                if (y >= classes) {
                    throw new IllegalArgumentException("label " + y + " is outside the " + classes + " classes of objective semi-supervised");
                }
                loss += (lse - r[base + y]) / labelled;
                for (int k = 0; k < classes; k++) {
                    gr[base + k] += (p[k] - (k == y ? 1 : 0)) / labelled;
                }
            } else {
                // d softplus(−LSE) / dl_k = −σ(−LSE)·softmax_k
                loss += unsupervised * NonSaturating.softplus(-lse) / unlabelled;
                double s = NonSaturating.sigmoid(-lse);
                for (int k = 0; k < classes; k++) {
                    gr[base + k] -= unsupervised * s * p[k] / unlabelled;
                }
            }
        }
        int b = (int) fakeOut.rows();
        for (int i = 0; i < b; i++) {
            double lse = softmax(f, i, p);
            loss += unsupervised * NonSaturating.softplus(lse) / b;
            double s = NonSaturating.sigmoid(lse);
            for (int k = 0; k < classes; k++) {
                gf[i * classes + k] += unsupervised * s * p[k] / b;
            }
        }
        return new Loss(loss, AcGan.matrix(gr, realOut), AcGan.matrix(gf, fakeOut));
    }

    @Override
    public Loss generatorLoss(INDArray fakeOut, int[] fakeLabels) {
        double[] f = AcGan.values(fakeOut);
        double[] gf = new double[f.length];
        int b = (int) fakeOut.rows();
        double[] p = new double[classes];
        double loss = 0;
        for (int i = 0; i < b; i++) {
            double lse = softmax(f, i, p);
            loss += NonSaturating.softplus(-lse) / b;
            double s = NonSaturating.sigmoid(-lse);
            for (int k = 0; k < classes; k++) {
                gf[i * classes + k] -= s * p[k] / b;
            }
        }
        return new Loss(loss, null, AcGan.matrix(gf, fakeOut));
    }

    /** The energy −log Z(x) = −LSE(l): minus the log density ratio of real to generated this D estimates. */
    @Override
    public SampleEnergy energy(INDArray out, INDArray x) {
        double[] o = AcGan.values(out);
        int n = (int) out.rows();
        double[] e = new double[n];
        double[] g = new double[o.length];
        double[] p = new double[classes];
        for (int i = 0; i < n; i++) {
            e[i] = -softmax(o, i, p);
            for (int k = 0; k < classes; k++) {
                g[i * classes + k] = -p[k];
            }
        }
        return new SampleEnergy(e, AcGan.matrix(g, out), null);
    }

    /** Class probabilities p(y | x, real) = softmax(l) of outputs {@code out}, [n, K], in double. */
    public static INDArray probabilities(INDArray out) {
        int k = (int) out.columns();
        double[] o = AcGan.values(out);
        double[] p = new double[k];
        double[] all = new double[o.length];
        for (int i = 0; i < out.rows(); i++) {
            softmax(o, i, p, k);
            System.arraycopy(p, 0, all, i * k, k);
        }
        return Nd4j.create(all, out.shape(), 'c');
    }

    /** Fills {@code p} with the softmax of row {@code i} and returns that row's log-sum-exp. */
    private double softmax(double[] out, int i, double[] p) {
        return softmax(out, i, p, classes);
    }

    private static double softmax(double[] out, int i, double[] p, int k) {
        int base = i * k;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, out[base + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(out[base + c] - max);
            sum += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= sum;
        }
        return max + Math.log(sum);
    }
}
