package io.sparkgan.spark.strategy;

import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.train.StandaloneTrainer;
import io.sparkgan.core.train.Traffic;
import io.sparkgan.data.Samples;
import io.sparkgan.spark.Payloads;
import io.sparkgan.spark.Shards;
import java.util.Map;

/**
 * The reference: one generator and one discriminator on the driver, trained on the union of all
 * shards (collected once, in shard order) with {@link StandaloneTrainer}. The one-time collection is
 * reported as bytes from workers.
 */
public final class StandaloneStrategy implements Strategy {
    @Override
    public String name() {
        return "standalone";
    }

    @Override
    public StrategyResult train(StrategyContext ctx) {
        Samples data = Shards.materialise(ctx.shards().rdd().collect().iterator(), ctx.shards().labelled());
        // The union of the shards reaches the driver once, encoded as a batch would be.
        Traffic traffic = Traffic.NONE.plus(0, Payloads.batchBytes(data.size(), ctx.shards().dimension(), data.labels() != null), 0);
        CheckpointStore store = ctx.checkpointUri() == null ? null : new CheckpointStore(ctx.checkpointUri(), ctx.sc().hadoopConfiguration());
        StandaloneTrainer trainer = new StandaloneTrainer(ctx.config(), data.features(), data.labels(), ctx.dtype(), ctx.evaluator(), store);
        if (ctx.resume()) {
            trainer.resume();
        }
        long t0 = System.nanoTime();
        Map<String, Double> metrics = trainer.train(ctx.listener(), traffic);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new StrategyResult(trainer.generator(), trainer.iteration(), metrics, traffic, seconds, 0, 0, seconds);
    }
}
