package io.sparkgan.core;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * The run's source of randomness: a xoshiro256** generator whose whole state is four longs, so a
 * checkpoint can store it and a resumed run continues the exact same stream.
 *
 * <p>Every consumer (latent codes, each worker's batch sampler, evaluation) gets its own stream,
 * derived from the run seed and a name with {@link #stream(long, String, long)}, so adding or
 * skipping one consumer (say, evaluation) never shifts the draws of another. ND4J's own native RNG
 * is deliberately not used for training draws: its state cannot be saved.
 */
public final class GanRandom implements Serializable {
    private static final long serialVersionUID = 1L;

    private long s0;
    private long s1;
    private long s2;
    private long s3;
    private double spareGaussian;
    private boolean hasSpare;

    /** A generator seeded from one long (expanded with SplitMix64, as the xoshiro authors advise). */
    public GanRandom(long seed) {
        long x = seed;
        s0 = splitMix(x += 0x9E3779B97F4A7C15L);
        s1 = splitMix(x += 0x9E3779B97F4A7C15L);
        s2 = splitMix(x += 0x9E3779B97F4A7C15L);
        s3 = splitMix(x += 0x9E3779B97F4A7C15L);
    }

    private GanRandom(long[] state, double spare, boolean hasSpare) {
        this.s0 = state[0];
        this.s1 = state[1];
        this.s2 = state[2];
        this.s3 = state[3];
        this.spareGaussian = spare;
        this.hasSpare = hasSpare;
    }

    /** The independent stream named {@code name} (and {@code index}, e.g. a worker) of run seed {@code seed}. */
    public static GanRandom stream(long seed, String name, long index) {
        return new GanRandom(derive(seed, name, index));
    }

    /** A 64-bit seed derived from the run seed, a name and an index (used for network initialisation too). */
    public static long derive(long seed, String name, long index) {
        long h = splitMix(seed ^ 0x5DEECE66DL);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = splitMix(h ^ b);
        }
        return splitMix(h ^ splitMix(index + 0x632BE59BD9B4E019L));
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound), without modulo bias (Lemire's method). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long r = (nextLong() >>> 32) * bound;
        if ((r & 0xFFFFFFFFL) < bound) {
            long threshold = (0x100000000L - bound) % bound;
            while ((r & 0xFFFFFFFFL) < threshold) {
                r = (nextLong() >>> 32) * bound;
            }
        }
        return (int) (r >>> 32);
    }

    /** Standard normal draw (Marsaglia's polar method; the second value of each pair is kept). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u;
        double v;
        double s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.sqrt(-2 * Math.log(s) / s);
        spareGaussian = v * m;
        hasSpare = true;
        return u * m;
    }

    /** Fisher–Yates shuffle of 0..n-1. */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The full state, for checkpoints. */
    public State state() {
        return new State(new long[] {s0, s1, s2, s3}, spareGaussian, hasSpare);
    }

    public static GanRandom fromState(State state) {
        return new GanRandom(state.words(), state.spareGaussian(), state.hasSpare());
    }

    public GanRandom copy() {
        return fromState(state());
    }

    /** Checkpointable state of a {@link GanRandom}. */
    public record State(long[] words, double spareGaussian, boolean hasSpare) implements Serializable {}
}
