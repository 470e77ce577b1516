package io.sparkgan.spark;

import io.sparkgan.core.GanConfig;
import io.sparkgan.core.config.Setting;
import java.util.List;

/**
 * The shared GAN settings plus how training is distributed, each declared once as a {@link Setting}.
 * One configuration for every strategy, so comparisons are like for like: the same data, shards,
 * seed and number of generator updates.
 */
public class StrategyConfig extends GanConfig {
    private static final long serialVersionUID = 2L;

    public static final List<String> STRATEGIES = io.sparkgan.spark.strategy.Strategies.names();
    /** How MD-GAN reaches its workers: a long-lived stage per segment, or one Spark job per iteration. */
    public static final List<String> EXCHANGES = List.of("session", "job");

    public static final Setting<String> STRATEGY = Setting.oneOf("strategy", "standalone", STRATEGIES,
            "How training is distributed: " + String.join(", ", STRATEGIES) + ".");
    public static final Setting<Integer> WORKERS = Setting.integer("workers", 4, "Workers, i.e. shards (one Spark partition each).").positive();
    public static final Setting<Integer> K = Setting.integer("k", 0, "MD-GAN: generated batches per iteration (0: ceil(ln N), at least 1).")
            .check((n, v) -> v >= 0 ? null : "k must be 0 (automatic: ceil(ln N), at least 1) or positive, got " + v);
    public static final Setting<Integer> SWAP_EVERY_EPOCHS = Setting.integer("swap-every-epochs", 1,
            "MD-GAN: swap discriminators between workers every E local epochs (0: never).").nonNegative("never");
    public static final Setting<Integer> AVERAGE_EVERY_EPOCHS = Setting.integer("average-every-epochs", 1,
            "FL-GAN: average G and D every E local epochs.").positive();
    public static final Setting<Integer> AVERAGE_EVERY_ITERATIONS = Setting.integer("average-every-iterations", 0,
            "FL-GAN: average every N local iterations instead (0: use epochs).").nonNegative("use epochs");
    public static final Setting<String> EXCHANGE = Setting.oneOf("exchange", "session", EXCHANGES,
            "MD-GAN: session (a long-lived stage per segment) or job (one Spark job per iteration).");
    /** How the data is split across workers ({@link ShardPlan}). */
    public static final Setting<String> SHARDS = Setting.text("shards", "iid",
            "How the data is split across workers: iid, label-skew:C (C classes per worker), dirichlet:ALPHA.")
            .check((n, v) -> {
                try {
                    ShardPlan.validateMode(v);
                    return null;
                } catch (IllegalArgumentException e) {
                    return e.getMessage();
                }
            });
    /**
     * Seconds the driver waits for workers' answers before taking their executor for hung: it is
     * killed (the cluster manager replaces it) and its workers are restored from their checkpoints
     * elsewhere. Generous by default: a worker's share of an iteration takes milliseconds to seconds.
     */
    public static final Setting<Integer> WORKER_TIMEOUT = Setting.integer("worker-timeout", 600,
            "Seconds to wait for workers' answers before their executor is taken for hung: killed, and its workers restored elsewhere.")
            .check((n, v) -> v > 0 ? null : "worker-timeout must be a positive number of seconds, got " + v);

    public static final List<Setting<?>> OWN = List.of(STRATEGY, WORKERS, K, SWAP_EVERY_EPOCHS, AVERAGE_EVERY_EPOCHS, AVERAGE_EVERY_ITERATIONS,
            EXCHANGE, SHARDS, WORKER_TIMEOUT);
    public static final List<Setting<?>> SETTINGS = concat(OWN, GanConfig.SETTINGS);

    @Override
    public List<Setting<?>> settings() {
        return SETTINGS;
    }

    @Override
    public void validate() {
        // The strategy first: a wrong name is the likeliest mistake and the clearest message.
        STRATEGY.validate(getStrategy());
        super.validate();
        if (getK() > getWorkers()) {
            throw new IllegalArgumentException("k must be at most the number of workers (" + getWorkers() + "), got " + getK());
        }
    }

    /** MD-GAN's k: the given value, or ⌈ln N⌉ (at least 1) when 0. */
    public int effectiveK() {
        return getK() > 0 ? getK() : Math.max(1, (int) Math.ceil(Math.log(getWorkers())));
    }

    /** Iterations in one local epoch of the smallest shard: every worker draws L·b real samples per iteration. */
    public int iterationsPerEpoch(long smallestShard) {
        return (int) Math.max(1, (smallestShard + (long) getLocalSteps() * getBatchSize() - 1) / ((long) getLocalSteps() * getBatchSize()));
    }

    public String getStrategy() { return get(STRATEGY); }
    public StrategyConfig setStrategy(String v) { set(STRATEGY, v); return this; }
    public int getWorkers() { return get(WORKERS); }
    public StrategyConfig setWorkers(int v) { set(WORKERS, v); return this; }
    public int getK() { return get(K); }
    public StrategyConfig setK(int v) { set(K, v); return this; }
    public int getSwapEveryEpochs() { return get(SWAP_EVERY_EPOCHS); }
    public StrategyConfig setSwapEveryEpochs(int v) { set(SWAP_EVERY_EPOCHS, v); return this; }
    public int getAverageEveryEpochs() { return get(AVERAGE_EVERY_EPOCHS); }
    public StrategyConfig setAverageEveryEpochs(int v) { set(AVERAGE_EVERY_EPOCHS, v); return this; }
    public String getExchange() { return get(EXCHANGE); }
    public StrategyConfig setExchange(String v) { set(EXCHANGE, v); return this; }
    public String getShards() { return get(SHARDS); }
    public StrategyConfig setShards(String v) { set(SHARDS, v); return this; }
    public int getWorkerTimeout() { return get(WORKER_TIMEOUT); }
    public StrategyConfig setWorkerTimeout(int v) { set(WORKER_TIMEOUT, v); return this; }
    public int getAverageEveryIterations() { return get(AVERAGE_EVERY_ITERATIONS); }
    public StrategyConfig setAverageEveryIterations(int v) { set(AVERAGE_EVERY_ITERATIONS, v); return this; }
}
