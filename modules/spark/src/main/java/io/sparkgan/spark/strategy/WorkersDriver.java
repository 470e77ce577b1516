package io.sparkgan.spark.strategy;

import io.sparkgan.core.Generator;
import io.sparkgan.core.train.TrainingLoop;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.runtime.WorkerJob;
import io.sparkgan.spark.runtime.WorkerSide;
import io.sparkgan.spark.runtime.Workers;

/**
 * What a distributed strategy's driver step does with its workers whatever the strategy: create
 * their state on a fresh run, checkpoint them all on a stop request, end the session when training
 * ends and release them when the step closes. A strategy adds its generator and its step.
 *
 * @param <S> the strategy's worker state
 */
abstract class WorkersDriver<S> implements TrainingLoop.Step {
    protected final Workers<S> workers;
    protected final int n;
    private final String name;
    protected Generator g;

    /** @param sessions reach workers through a long-lived session (else one Spark job per exchange) */
    WorkersDriver(StrategyContext ctx, WorkerSide<S> side, boolean sessions, String name) {
        Shards shards = ctx.shards();
        this.n = shards.workers();
        this.name = name;
        this.workers = new Workers<>(ctx.sc(), shards, WorkerJob.of(ctx.sc(), ctx.config(), ctx.checkpointUri(), ctx.dtype(), shards.labelled()),
                side, sessions);
    }

    @Override
    public Generator generator() {
        return g;
    }

    @Override
    public void start(boolean resumed) {
        if (!resumed) {
            workers.initialise(name + ": create the state of " + n + " workers");
        }
    }

    @Override
    public void checkpointWorkers(int iteration) {
        workers.checkpointAll(iteration, name + ": checkpoint every worker at iteration " + iteration);
    }

    /** A run that ended normally ends its session cleanly (a failed one aborts it in {@link #close}). */
    @Override
    public void finish() {
        workers.endSession();
    }

    @Override
    public void close() {
        workers.close();
    }
}
