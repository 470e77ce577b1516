package io.sparkgan.core;

import java.io.Serializable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Draws real mini-batches from one shard, epoch by epoch: each epoch visits the shard in a fresh
 * random order, so "every E local epochs" (MD-GAN's swap period) has its literal meaning. A batch
 * that crosses an epoch boundary takes the rest of the old order and the start of the new one.
 *
 * <p>The whole state is the RNG and the position in the current epoch, so it is checkpointable.
 */
public final class BatchSampler implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float[][] shard;
    private final int[] labels;
    private GanRandom rng;
    private int[] order;
    private int position;
    private long epoch;
    /** Indices of the rows with a class (label ≥ 0), found on the first labelled draw. */
    private int[] labelledRows;
    /** Rows with a class (label ≥ 0) in the order of the current pass over them; null until a labelled draw. */
    private int[] labelledOrder;
    private int labelledPosition;

    public BatchSampler(float[][] shard, GanRandom rng) {
        this(shard, null, rng);
    }

    /** @param labels one class per sample, or null for unlabelled data */
    public BatchSampler(float[][] shard, int[] labels, GanRandom rng) {
        if (shard.length == 0) {
            throw new IllegalArgumentException("a shard must hold at least one sample");
        }
        if (labels != null && labels.length != shard.length) {
            throw new IllegalArgumentException("a shard of " + shard.length + " samples has " + labels.length + " labels");
        }
        this.shard = shard;
        this.labels = labels;
        this.rng = rng;
        this.order = rng.permutation(shard.length);
    }

    public int size() {
        return shard.length;
    }

    public int dimension() {
        return shard[0].length;
    }

    /** Completed passes over the shard. */
    public long epoch() {
        return epoch;
    }

    /** The next {@code b} samples as a [b, d] matrix, with their labels if the shard has them. */
    public Batch next(int b, DataType dtype) {
        int d = dimension();
        float[] flat = new float[b * d];
        int[] y = labels == null ? null : new int[b];
        for (int i = 0; i < b; i++) {
            if (position == order.length) {
                order = rng.permutation(shard.length);
                position = 0;
                epoch++;
            }
            int row = order[position++];
            System.arraycopy(shard[row], 0, flat, i * d, d);
            if (y != null) {
                y[i] = labels[row];
            }
        }
        return new Batch(Nd4j.create(flat, new long[] {b, d}, 'c').castTo(dtype), y);
    }

    /**
     * The next {@code b} samples among those with a class (label ≥ 0), pass after pass over them in a
     * fresh random order (the semi-supervised GAN's labelled batch: a few labelled samples seen
     * again and again beside the unlabelled ones); null when the shard has none.
     */
    public Batch nextLabelled(int b, DataType dtype) {
        int[] rows = labelledRows();
        if (rows.length == 0) {
            return null;
        }
        int d = dimension();
        float[] flat = new float[b * d];
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            if (labelledOrder == null || labelledPosition == labelledOrder.length) {
                int[] p = rng.permutation(rows.length);
                labelledOrder = new int[rows.length];
                for (int j = 0; j < p.length; j++) {
                    labelledOrder[j] = rows[p[j]];
                }
                labelledPosition = 0;
            }
            int row = labelledOrder[labelledPosition++];
            System.arraycopy(shard[row], 0, flat, i * d, d);
            y[i] = labels[row];
        }
        return new Batch(Nd4j.create(flat, new long[] {b, d}, 'c').castTo(dtype), y);
    }

    /** Samples with a class (label ≥ 0). */
    public int labelledSize() {
        return labelledRows().length;
    }

    private int[] labelledRows() {
        if (labelledRows == null) {
            labelledRows = labels == null ? new int[0] : java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] >= 0).toArray();
        }
        return labelledRows;
    }

    public State state() {
        return new State(rng.state(), order.clone(), position, epoch, labelledOrder == null ? null : labelledOrder.clone(), labelledPosition);
    }

    public void restore(State s) {
        if (s.order().length != shard.length) {
            throw new IllegalStateException("checkpointed sampler covers " + s.order().length + " samples but the shard has " + shard.length);
        }
        this.rng = GanRandom.fromState(s.rng());
        this.order = s.order().clone();
        this.position = s.position();
        this.epoch = s.epoch();
        this.labelledOrder = s.labelledOrder() == null ? null : s.labelledOrder().clone();
        this.labelledPosition = s.labelledPosition();
    }

    /**
     * Checkpointable state.
     *
     * @param labelledOrder the current pass over the labelled samples (null before the first labelled
     *     draw, and in checkpoints written before semi-supervised runs existed)
     */
    public record State(GanRandom.State rng, int[] order, int position, long epoch, int[] labelledOrder, int labelledPosition)
            implements Serializable {}
}
