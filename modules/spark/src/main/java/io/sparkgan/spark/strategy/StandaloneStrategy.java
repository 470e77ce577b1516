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
 * reported as bytes from workers. With {@code --autoencoder} the step is the adversarial
 * autoencoder's ({@link io.sparkgan.core.aae.AaeStep}).
 */
public final class StandaloneStrategy implements Strategy {
    @Override
    public String name() {
        return "standalone";
    }

    @Override
    public TrainingLoop.Step step(StrategyContext ctx) {
        return step(ctx, data(ctx));
    }

    /** The standalone GAN, or the standalone adversarial autoencoder when the configuration asks for one. */
    private static TrainingLoop.Step step(StrategyContext ctx, Samples data) {
        if (io.sparkgan.core.aae.AdversarialAutoencoder.on(ctx.config())) {
            return new io.sparkgan.core.aae.AaeStep(ctx.config(), data.features(), data.labels(), ctx.dtype());
        }
        return new StandaloneStep(ctx.config(), data.features(), data.labels(), ctx.dtype());
    }

    @Override
    public StrategyResult train(StrategyContext ctx) {
        Samples data = data(ctx);
        // The union of the shards reaches the driver once, encoded as a batch would be.
        Traffic traffic = Traffic.NONE.plus(0, Payloads.batchBytes(data.size(), ctx.shards().dimension(), data.labels() != null), 0);
        return ctx.train(step(ctx, data), traffic);
    }

    private static Samples data(StrategyContext ctx) {
        ctx.sc().setJobGroup("sparkgan-standalone", "standalone: collect the shards to the driver", true);
        return Shards.materialise(ctx.shards().rdd().collect().iterator(), ctx.shards().labelled());
    }
}
