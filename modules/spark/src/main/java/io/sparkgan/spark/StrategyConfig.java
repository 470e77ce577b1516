package io.sparkgan.spark;

import io.sparkgan.core.GanConfig;
import java.util.List;

/**
 * The shared GAN settings plus how training is distributed. One configuration for every strategy,
 * so comparisons are like for like: the same data, shards, seed and number of generator updates.
 */
public class StrategyConfig extends GanConfig {
    private static final long serialVersionUID = 1L;

    public static final List<String> STRATEGIES = io.sparkgan.spark.strategy.Strategies.names();
    /** How MD-GAN reaches its workers: a long-lived stage per segment, or one Spark job per iteration. */
    public static final List<String> EXCHANGES = List.of("session", "job");

    private String strategy = "standalone";
    private int workers = 4;
    private int k = 0;
    private int swapEveryEpochs = 1;
    private int averageEveryEpochs = 1;
    private int averageEveryIterations = 0;
    private String exchange = "session";
    /** How the data is split across workers: iid, label-skew:c or dirichlet:alpha ({@link ShardPlan}). */
    private String shards = "iid";
    /**
     * Seconds the driver waits for workers' answers before taking their executor for hung: it is
     * killed (the cluster manager replaces it) and its workers are restored from their checkpoints
     * elsewhere. Generous by default: a worker's share of an iteration takes milliseconds to seconds.
     */
    private int workerTimeout = 600;

    @Override
    public void validate() {
        if (!STRATEGIES.contains(strategy)) {
            throw new IllegalArgumentException("strategy '" + strategy + "' is unknown; expected one of " + STRATEGIES);
        }
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        if (k < 0) {
            throw new IllegalArgumentException("k must be 0 (automatic: ceil(ln N), at least 1) or positive, got " + k);
        }
        if (k > workers) {
            throw new IllegalArgumentException("k must be at most the number of workers (" + workers + "), got " + k);
        }
        if (swapEveryEpochs < 0) {
            throw new IllegalArgumentException("swap-every-epochs must be 0 (never) or positive, got " + swapEveryEpochs);
        }
        if (averageEveryEpochs <= 0) {
            throw new IllegalArgumentException("average-every-epochs must be positive, got " + averageEveryEpochs);
        }
        if (!EXCHANGES.contains(exchange)) {
            throw new IllegalArgumentException("exchange '" + exchange + "' is unknown; expected one of " + EXCHANGES);
        }
        if (averageEveryIterations < 0) {
            throw new IllegalArgumentException("average-every-iterations must be 0 (use epochs) or positive, got " + averageEveryIterations);
        }
        if (workerTimeout <= 0) {
            throw new IllegalArgumentException("worker-timeout must be a positive number of seconds, got " + workerTimeout);
        }
        ShardPlan.validateMode(shards);
        super.validate();
    }

    /** MD-GAN's k: the given value, or ⌈ln N⌉ (at least 1) when 0. */
    public int effectiveK() {
        return k > 0 ? k : Math.max(1, (int) Math.ceil(Math.log(workers)));
    }

    /** Iterations in one local epoch of the smallest shard: every worker draws L·b real samples per iteration. */
    public int iterationsPerEpoch(long smallestShard) {
        return (int) Math.max(1, (smallestShard + (long) getLocalSteps() * getBatchSize() - 1) / ((long) getLocalSteps() * getBatchSize()));
    }

    public String getStrategy() { return strategy; }
    public StrategyConfig setStrategy(String strategy) { this.strategy = strategy; return this; }
    public int getWorkers() { return workers; }
    public StrategyConfig setWorkers(int workers) { this.workers = workers; return this; }
    public int getK() { return k; }
    public StrategyConfig setK(int k) { this.k = k; return this; }
    public int getSwapEveryEpochs() { return swapEveryEpochs; }
    public StrategyConfig setSwapEveryEpochs(int swapEveryEpochs) { this.swapEveryEpochs = swapEveryEpochs; return this; }
    public int getAverageEveryEpochs() { return averageEveryEpochs; }
    public StrategyConfig setAverageEveryEpochs(int averageEveryEpochs) { this.averageEveryEpochs = averageEveryEpochs; return this; }
    public String getExchange() { return exchange; }
    public StrategyConfig setExchange(String exchange) { this.exchange = exchange; return this; }
    public String getShards() { return shards; }
    public StrategyConfig setShards(String shards) { this.shards = shards; return this; }
    public int getWorkerTimeout() { return workerTimeout; }
    public StrategyConfig setWorkerTimeout(int workerTimeout) { this.workerTimeout = workerTimeout; return this; }
    public int getAverageEveryIterations() { return averageEveryIterations; }
    public StrategyConfig setAverageEveryIterations(int averageEveryIterations) { this.averageEveryIterations = averageEveryIterations; return this; }
}
