package io.sparkgan.core.train;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Scores a set of generated samples; implementations live in the metrics module. */
public interface Evaluator {
    /** The metric names, in the order they become columns of metrics.csv. */
    List<String> metricNames();

    /** Metric values for {@code samples} ([n, d], inference-mode generator output). */
    Map<String, Double> evaluate(INDArray samples);
}
