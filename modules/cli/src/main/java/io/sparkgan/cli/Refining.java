package io.sparkgan.cli;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.checkpoint.HadoopConfs;
import io.sparkgan.core.refine.Refinement;
import io.sparkgan.core.train.Evaluator;
import io.sparkgan.spark.strategy.Strategies;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DCD refinement of a run's samples with the discriminators kept in its checkpoints, shared by
 * {@code sample --refine} and the final evaluation of {@code train}/{@code compare}.
 */
final class Refining {
    /** Prefix of the metrics of refined samples in final.json, summary.csv and the report. */
    static final String PREFIX = "refined_";

    private Refining() {}

    /** The discriminators of the run in {@code runDir} at its checkpoint {@code iteration}, in worker order. */
    static List<Discriminator> discriminators(RunConfig c, Path runDir, int iteration, Map<String, byte[]> driverParts) {
        return Strategies.discriminators(c, driverParts, runDir.resolve(io.sparkgan.core.run.RunFolder.CHECKPOINTS).toUri().toString(), iteration,
                HadoopConfs.defaults());
    }

    /** The random stream of a refinement: its own, so refining never shifts any other draw. */
    static GanRandom stream(long seed, int iteration) {
        return GanRandom.stream(seed, "refine", iteration);
    }

    /**
     * The metrics of {@code samples} after refinement, each key prefixed {@link #PREFIX}, plus the
     * seconds the refinement took ({@code refine_s}).
     */
    static Map<String, Double> refinedMetrics(Evaluator evaluator, INDArray samples, Refinement r, List<Discriminator> ds, GanRandom rng) {
        long t0 = System.nanoTime();
        INDArray refined = r.apply(samples, ds, rng);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> out = new LinkedHashMap<>();
        evaluator.evaluate(refined).forEach((k, v) -> out.put(PREFIX + k, v));
        out.put("refine_s", seconds);
        return out;
    }
}
