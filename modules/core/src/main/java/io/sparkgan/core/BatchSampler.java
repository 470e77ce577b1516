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
    private GanRandom rng;
    private int[] order;
    private int position;
    private long epoch;

    public BatchSampler(float[][] shard, GanRandom rng) {
        if (shard.length == 0) {
            throw new IllegalArgumentException("a shard must hold at least one sample");
        }
        this.shard = shard;
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

    /** The next {@code b} samples as a [b, d] matrix. */
    public INDArray next(int b, DataType dtype) {
        int d = dimension();
        float[] flat = new float[b * d];
        for (int i = 0; i < b; i++) {
            if (position == order.length) {
                order = rng.permutation(shard.length);
                position = 0;
                epoch++;
            }
            System.arraycopy(shard[order[position++]], 0, flat, i * d, d);
        }
        return Nd4j.create(flat, new long[] {b, d}, 'c').castTo(dtype);
    }

    public State state() {
        return new State(rng.state(), order.clone(), position, epoch);
    }

    public void restore(State s) {
        if (s.order().length != shard.length) {
            throw new IllegalStateException("checkpointed sampler covers " + s.order().length + " samples but the shard has " + shard.length);
        }
        this.rng = GanRandom.fromState(s.rng());
        this.order = s.order().clone();
        this.position = s.position();
        this.epoch = s.epoch();
    }

    /** Checkpointable state. */
    public record State(GanRandom.State rng, int[] order, int position, long epoch) implements Serializable {}
}
