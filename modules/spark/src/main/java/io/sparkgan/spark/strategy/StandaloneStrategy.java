package io.sparkgan.spark.strategy;

import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.train.StandaloneTrainer;
import io.sparkgan.core.train.Traffic;
import io.sparkgan.spark.Payloads;
import java.util.List;
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
        List<float[]> rows = ctx.shards().rdd().collect();
        float[][] data = rows.toArray(new float[0][]);
        Traffic traffic = Traffic.NONE.plus(0, Payloads.matrixBytes(data.length, ctx.shards().dimension()), 0);
        CheckpointStore store = ctx.checkpointUri() == null ? null : new CheckpointStore(ctx.checkpointUri());
        StandaloneTrainer trainer = new StandaloneTrainer(ctx.config(), data, ctx.dtype(), ctx.evaluator(), store);
        if (ctx.resume()) {
            trainer.resume();
        }
        long t0 = System.nanoTime();
        Map<String, Double> metrics = trainer.train(ctx.listener(), traffic);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new StrategyResult(trainer.generator(), trainer.iteration(), metrics, traffic, seconds, 0, 0, seconds);
    }
}
