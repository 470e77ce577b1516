package io.sparkgan.core;

import io.sparkgan.core.nn.Networks;
import io.sparkgan.core.objective.Objective;
import io.sparkgan.core.objective.Objectives;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Builds the generator and discriminators of a run from its {@link GanConfig}. Initial weights come
 * from seeds derived from the run seed: the generator from stream "generator", discriminator
 * {@code n} from stream ("discriminator", n), so a strategy with N workers and a standalone run
 * agree on worker 0's discriminator.
 */
public final class Gan {
    private Gan() {}

    public static Generator generator(GanConfig c, int dataDim, DataType dtype) {
        return new Generator(
                Networks.generator(c.getGenerator(), c.getLatentDim(), dataDim,
                        adam(c.getGeneratorLr(), c), GanRandom.derive(c.getSeed(), "generator", 0), dtype),
                c.getLatentDim());
    }

    public static Discriminator discriminator(GanConfig c, int dataDim, int worker, DataType dtype) {
        Objective objective = Objectives.byName(c.getObjective());
        return new Discriminator(
                Networks.discriminator(c.getDiscriminator(), dataDim, objective.discriminatorOutputs(),
                        adam(c.getDiscriminatorLr(), c), GanRandom.derive(c.getSeed(), "discriminator", worker), dtype),
                objective);
    }

    private static IUpdater adam(double lr, GanConfig c) {
        return new Adam(lr, c.getBeta1(), c.getBeta2(), 1e-8);
    }
}
