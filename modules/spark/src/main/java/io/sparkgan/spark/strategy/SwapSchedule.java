package io.sparkgan.spark.strategy;

import io.sparkgan.core.GanRandom;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.StrategyConfig;
import java.util.Arrays;

/**
 * MD-GAN's swaps (Hardy et al. 2019, Algorithm 1): every E local epochs the networks that live on
 * the workers (discriminators; an adversarial autoencoder's autoencoders) are moved by a uniformly
 * random cyclic permutation, so each one moves. This is the driver's side of it: when a swap is due,
 * the permutations drawn from the run's "swap" stream, and which network each worker holds.
 */
final class SwapSchedule {
    private final int n;
    /** Iterations between swaps (0: never). */
    private final int period;
    private GanRandom rng;
    /** holding[w]: the network worker w holds. */
    private int[] holding;

    SwapSchedule(StrategyConfig c, Shards shards) {
        this.n = shards.workers();
        this.period = c.getSwapEveryEpochs() == 0 || n == 1 ? 0
                : c.getSwapEveryEpochs() * c.iterationsPerEpoch(Arrays.stream(shards.sizes()).min().orElse(1));
        this.rng = GanRandom.stream(c.getSeed(), "swap", 0);
        this.holding = new int[n];
        Arrays.setAll(holding, i -> i);
    }

    /** Whether a swap follows iteration {@code t}. */
    boolean due(int t) {
        return period > 0 && t % period == 0;
    }

    /** The network each worker holds (a copy). */
    int[] holding() {
        return holding.clone();
    }

    /** The worker holding network {@code id}. */
    int holderOf(int id) {
        for (int w = 0; w < n; w++) {
            if (holding[w] == id) {
                return w;
            }
        }
        throw new IllegalStateException("no worker holds network " + id + ": " + Arrays.toString(holding));
    }

    /**
     * Draws the next swap, moves the networks with {@code move} (given what each worker holds and
     * where each worker's network goes) and records where they went.
     */
    <T> T swap(java.util.function.BiFunction<int[], int[], T> move) {
        int[] dest = MdGan.cyclicPermutation(n, rng);
        T moved = move.apply(holding.clone(), dest);
        int[] next = new int[n];
        for (int w = 0; w < n; w++) {
            next[dest[w]] = holding[w];
        }
        holding = next;
        return moved;
    }

    GanRandom.State rngState() {
        return rng.state();
    }

    /**
     * Restores the schedule from a checkpoint's stream state and holdings.
     *
     * @throws IllegalStateException when the checkpoint is of a run with another number of workers
     */
    void restore(GanRandom.State state, int[] holds) {
        if (holds == null || holds.length != n) {
            throw new IllegalStateException("the checkpoint is of a run with " + (holds == null ? 0 : holds.length) + " workers, this run has " + n);
        }
        rng = GanRandom.fromState(state);
        holding = holds.clone();
    }
}
