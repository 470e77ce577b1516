package io.sparkgan.core.objective;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The auxiliary-classifier GAN objective (Odena, Olah and Shlens, "Conditional Image Synthesis with
 * Auxiliary Classifier GANs", ICML 2017), the one the MD-GAN paper trains on MNIST (Hardy et al.,
 * IPDPS 2019, §V: "D FC 512-512 with the ACGAN head of 10 classes + real/fake"). The discriminator
 * has {@code 1 + C} outputs: column 0 is the real/fake logit, columns 1..C the class logits.
 *
 * <ul>
 *   <li>Discriminator: the non-saturating source loss {@code softplus(-s(x)) + softplus(s(G(z,c)))}
 *   plus the class cross-entropy on real samples (their labels) and on generated samples (the
 *   classes they were conditioned on), i.e. it maximises {@code L_S + L_C} of the paper.
 *   <li>Generator: {@code softplus(-s(G(z,c)))} plus the class cross-entropy of its samples, the
 *   non-saturating form of maximising {@code L_C - L_S}.
 * </ul>
 *
 * All terms are batch means, so MD-GAN's feedback carries both the realism and the class signal.
 */
public final class AcGan implements Objective {
    private static final long serialVersionUID = 1L;
    private final int classes;

    public AcGan(int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("objective acgan needs labelled data with at least 2 classes, got " + classes);
        }
        this.classes = classes;
    }

    @Override
    public String name() {
        return "acgan";
    }

    @Override
    public int discriminatorOutputs(int dataDim) {
        return 1 + classes;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public boolean logisticRealTerm() {
        return true;
    }

    @Override
    public Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels) {
        double[] r = values(realOut);
        double[] f = values(fakeOut);
        double[] gr = new double[r.length];
        double[] gf = new double[f.length];
        int stride = 1 + classes;
        double loss = NonSaturating.sourceLoss(r, true, gr, 0, stride) + NonSaturating.sourceLoss(f, false, gf, 0, stride)
                + classLoss(r, labels(realLabels, realOut, "real"), gr) + classLoss(f, labels(fakeLabels, fakeOut, "generated"), gf);
        return new Loss(loss, matrix(gr, realOut), matrix(gf, fakeOut));
    }

    @Override
    public Loss generatorLoss(INDArray fakeOut, int[] fakeLabels) {
        double[] f = values(fakeOut);
        double[] gf = new double[f.length];
        double loss = NonSaturating.sourceLoss(f, true, gf, 0, 1 + classes) + classLoss(f, labels(fakeLabels, fakeOut, "generated"), gf);
        return new Loss(loss, null, matrix(gf, fakeOut));
    }

    /** Batch-mean softmax cross-entropy of the class logits (columns 1..C); adds its gradient into {@code grad}. */
    private double classLoss(double[] out, int[] labels, double[] grad) {
        int stride = 1 + classes;
        int n = labels.length;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            if (y < 0 || y >= classes) {
                throw new IllegalArgumentException("label " + y + " is outside the " + classes + " classes of objective acgan");
            }
            loss += softmaxCrossEntropy(out, i * stride + 1, classes, y, grad, n) / n;
        }
        return loss;
    }

    /**
     * The cross-entropy of class {@code y} under the {@code k} logits {@code v[at .. at + k)}; adds its
     * gradient divided by {@code divisor} (the batch, for a batch mean) into {@code grad} at the same
     * place. Shared by the objectives whose heads classify (ACGAN's classes, InfoGAN's codes).
     */
    public static double softmaxCrossEntropy(double[] v, int at, int k, int y, double[] grad, double divisor) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, v[at + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            sum += Math.exp(v[at + c] - max);
        }
        double logSum = max + Math.log(sum);
        for (int c = 0; c < k; c++) {
            grad[at + c] += (Math.exp(v[at + c] - logSum) - (c == y ? 1 : 0)) / divisor;
        }
        return logSum - v[at + y];
    }

    private int[] labels(int[] labels, INDArray out, String which) {
        if (labels == null) {
            throw new IllegalArgumentException("objective acgan needs a class label for every " + which + " sample; the data has none");
        }
        if (labels.length != out.rows() || out.columns() != 1 + classes) {
            throw new IllegalArgumentException("objective acgan expects [" + labels.length + ", " + (1 + classes)
                    + "] discriminator outputs, got " + java.util.Arrays.toString(out.shape()));
        }
        return labels;
    }

    /** The entries of {@code a} in double, row-major (the class-logit objectives read their outputs so). */
    static double[] values(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** {@code values} (row-major) as an array shaped and typed like {@code like}. */
    static INDArray matrix(double[] values, INDArray like) {
        return Nd4j.create(values, like.shape(), 'c').castTo(like.dataType());
    }
}
