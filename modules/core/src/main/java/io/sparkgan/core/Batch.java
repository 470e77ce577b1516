package io.sparkgan.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A mini-batch: samples as rows of {@code x} and, for labelled data or a conditional generator,
 * one class label per row ({@code labels} is null otherwise).
 */
public record Batch(INDArray x, int[] labels) {
    public Batch {
        if (labels != null && labels.length != x.rows()) {
            throw new IllegalArgumentException("a batch of " + x.rows() + " rows has " + labels.length + " labels");
        }
    }

    /** An unlabelled batch. */
    public static Batch of(INDArray x) {
        return new Batch(x, null);
    }

    public int rows() {
        return (int) x.rows();
    }
}
