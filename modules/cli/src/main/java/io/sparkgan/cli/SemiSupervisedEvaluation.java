package io.sparkgan.cli;

import io.sparkgan.core.objective.SemiSupervisedClassifier;
import io.sparkgan.core.train.Evaluator;
import io.sparkgan.data.Samples;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The learning curve of a semi-supervised GAN (Salimans et al. 2016, §5): the test error of
 * discriminator 0's classifier at every evaluation point ({@link #D_TEST_ERROR} in metrics.csv).
 * For standalone and FL-GAN that is the run's classifier; MD-GAN's final classifier is the ensemble
 * of every worker's discriminator ({@link RunExecutor#TEST_ERROR} in final.json), of which this is
 * one member.
 */
final class SemiSupervisedEvaluation {
    /** Test error in percent of discriminator 0's classifier, at evaluation points. */
    static final String D_TEST_ERROR = "d_test_error_pct";

    private SemiSupervisedEvaluation() {}

    /** {@code inner} with {@link #D_TEST_ERROR} for a semi-supervised run whose data have a labelled test split; {@code inner} otherwise. */
    static Evaluator evaluator(RunConfig c, Evaluator inner, Supplier<Samples> testSplit) {
        if (!"semi-supervised".equals(c.getObjective())) {
            return inner;
        }
        Samples test = testSplit.get();
        if (test == null || test.labels() == null) {
            return inner;
        }
        INDArray x = Nd4j.create(test.features());
        int[] labels = test.labels();
        return DiscriminatorMetrics.add(inner, List.of(D_TEST_ERROR), d -> {
            INDArray in = x.castTo(d.network().params().dataType());
            return Map.of(D_TEST_ERROR, 100.0 * new SemiSupervisedClassifier(List.of(d)).errors(in, labels) / labels.length);
        });
    }
}
