package io.sparkgan.core.objective;

import io.sparkgan.core.Discriminator;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The classifier a semi-supervised GAN trains ({@link SemiSupervised}; Salimans et al., "Improved
 * Techniques for Training GANs", NeurIPS 2016, §5): p(y | x) = softmax of the discriminator's K
 * logits, averaged over its members.
 *
 * <p>The members are the run's final discriminators: the one discriminator of a standalone run, the
 * averaged one of FL-GAN, and under MD-GAN every worker's, each trained on its own shard (and, with
 * swaps, on the others' in turn). Averaging their probabilities makes MD-GAN's classifier an
 * ensemble, which no single-machine run has.
 */
public final class SemiSupervisedClassifier {
    /** Rows per inference pass: bounds the activations held at once. */
    private static final int CHUNK = 1000;

    private final List<Discriminator> members;
    private final int classes;

    public SemiSupervisedClassifier(List<Discriminator> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a classifier needs at least one discriminator");
        }
        this.members = List.copyOf(members);
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork first = members.get(0).network();
        this.classes = (int) ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) first.getLayerWiseConfigurations()
                .getConf(first.getnLayers() - 1).getLayer()).getNOut();
        for (Discriminator d : members) {
            if (!d.objective().readsLabelledBatch()) {
                throw new IllegalArgumentException("objective " + d.objective().name() + " trains no classifier; expected objective semi-supervised");
            }
        }
    }

    /** Discriminators averaged. */
    public int members() {
        return members.size();
    }

    public int classes() {
        return classes;
    }

    /** p(y | x) for every row of {@code x}, [n, K], in double: the members' softmax probabilities averaged. */
    public INDArray probabilities(INDArray x) {
        long n = x.rows();
        INDArray out = Nd4j.zeros(DataType.DOUBLE, n, classes);
        for (long from = 0; from < n; from += CHUNK) {
            long to = Math.min(n, from + CHUNK);
            INDArray rows = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray sum = Nd4j.zeros(DataType.DOUBLE, to - from, classes);
            for (Discriminator d : members) {
                sum.addi(SemiSupervised.probabilities(d.output(rows)));
            }
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all())
                    .assign(sum.divi(members.size()));
        }
        return out;
    }

    /** The most probable class of every row of {@code x}. */
    public int[] predict(INDArray x) {
        return probabilities(x).argMax(1).toIntVector();
    }

    /** Misclassified rows of {@code x} against {@code labels}. */
    public int errors(INDArray x, int[] labels) {
        int[] p = predict(x);
        int wrong = 0;
        for (int i = 0; i < p.length; i++) {
            wrong += p[i] != labels[i] ? 1 : 0;
        }
        return wrong;
    }
}
