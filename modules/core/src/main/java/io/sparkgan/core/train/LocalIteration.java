package io.sparkgan.core.train;

import io.sparkgan.core.Batch;
import io.sparkgan.core.BatchSampler;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.nn.IterationScope;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One generator update on one machine, built from the three GAN operations (Hardy et al., IPDPS
 * 2019, Algorithm 1 with N = 1, k = 1): X = G(z); L discriminator steps on (real batch, X); the
 * feedback on X backpropagated through G. The standalone trainer and every FL-GAN worker run exactly
 * this, which is what makes them comparable step for step.
 */
public final class LocalIteration {
    private LocalIteration() {}

    /**
     * @param iteration the iteration this is (1-based), which InfoGAN-CR's schedule reads
     * @return {mean D loss over the L steps, G loss}
     */
    public static double[] run(Generator g, Discriminator d, BatchSampler sampler, GanRandom latentRng,
            int batchSize, int localSteps, DataType dtype, int iteration) {
        return IterationScope.run("local-iteration", () -> {
            Generator.Drawn drawn = g.draw(latentRng, batchSize, iteration);
            INDArray z = drawn.z();
            Batch x = drawn.batch(g.generate(z));
            double dLoss = d.train(sampler, x, localSteps, batchSize, dtype);
            Discriminator.Feedback feedback = d.feedback(x, sampler, batchSize, dtype);
            g.step(z, feedback.gradient());
            return new double[] {dLoss, feedback.generatorLoss()};
        });
    }
}
