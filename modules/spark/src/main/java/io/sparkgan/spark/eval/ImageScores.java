package io.sparkgan.spark.eval;

/**
 * The two image-quality figures of a set of generated images, both measured with one
 * {@link EvaluationClassifier}: the classifier score (Salimans et al., NeurIPS 2016; higher is better,
 * at most the number of classes) and the FID against the real test split (Heusel et al., NeurIPS
 * 2017; lower is better, 0 for identical feature statistics).
 */
public record ImageScores(double classifierScore, double fid) {}
