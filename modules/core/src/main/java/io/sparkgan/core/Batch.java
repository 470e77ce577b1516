package io.sparkgan.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A mini-batch: samples as rows of {@code x} and, for labelled data or a conditional generator,
 * one class label per row ({@code labels} is null otherwise); for a generated batch with InfoGAN
 * codes, one row of codes per sample ({@code codes}, laid out as {@link io.sparkgan.core.info.InfoCodes}
 * says; null otherwise).
 */
public record Batch(INDArray x, int[] labels, INDArray codes) {
    public Batch {
        if (labels != null && labels.length != x.rows()) {
            throw new IllegalArgumentException("a batch of " + x.rows() + " rows has " + labels.length + " labels");
        }
        if (codes != null && codes.rows() != x.rows()) {
            throw new IllegalArgumentException("a batch of " + x.rows() + " rows has " + codes.rows() + " rows of codes");
        }
    }

    /** A batch without codes. */
    public Batch(INDArray x, int[] labels) {
        this(x, labels, null);
    }

    /** An unlabelled batch. */
    public static Batch of(INDArray x) {
        return new Batch(x, null);
    }

    /**
     * A semi-supervised real batch: the rows of {@code labelled} with their classes, then those of
     * {@code unlabelled} marked −1 whatever labels they carry (a shard without labelled samples
     * passes null and gets the unlabelled rows alone).
     */
    public static Batch labelledThenUnlabelled(Batch labelled, Batch unlabelled) {
        int n = unlabelled.rows();
        int m = labelled == null ? 0 : labelled.rows();
        int[] y = new int[m + n];
        java.util.Arrays.fill(y, m, m + n, -1);
        if (m == 0) {
            return new Batch(unlabelled.x(), y);
        }
        System.arraycopy(labelled.labels(), 0, y, 0, m);
        return new Batch(org.nd4j.linalg.factory.Nd4j.vstack(labelled.x(), unlabelled.x()), y);
    }

    public int rows() {
        return (int) x.rows();
    }
}
