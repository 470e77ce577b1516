package io.sparkgan.spark.strategy;

import io.sparkgan.core.train.StandaloneStep;
import io.sparkgan.core.train.Traffic;
import io.sparkgan.core.train.TrainingLoop;
import io.sparkgan.data.Samples;
import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.Shards;

/**
 * The reference: one generator and one discriminator on the driver, trained on the union of all
 * shards (collected once, in shard order) with {@link StandaloneStep}. The one-time collection is
 * reported as bytes from workers.
 */
public final class StandaloneStrategy implements Strategy {
    @Override
    public String name() {
        return "standalone";
    }

    @Override
    public TrainingLoop.Step step(StrategyContext ctx) {
        Samples data = data(ctx);
        return new StandaloneStep(ctx.config(), data.features(), data.labels(), ctx.dtype());
    }

    @Override
    public StrategyResult train(StrategyContext ctx) {
        Samples data = data(ctx);
        // The union of the shards reaches the driver once, encoded as a batch would be.
        Traffic traffic = Traffic.NONE.plus(0, Payloads.batchBytes(data.size(), ctx.shards().dimension(), data.labels() != null), 0);
        return ctx.train(new StandaloneStep(ctx.config(), data.features(), data.labels(), ctx.dtype()), traffic);
    }

    private static Samples data(StrategyContext ctx) {
        ctx.sc().setJobGroup("sparkgan-standalone", "standalone: collect the shards to the driver", true);
        return Shards.materialise(ctx.shards().rdd().collect().iterator(), ctx.shards().labelled());
    }
}
