package io.sparkgan.cli;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.refine.Refinement;
import io.sparkgan.core.run.RunFolder;
import io.sparkgan.core.train.TrainingLoop;
import io.sparkgan.data.Datasets;
import io.sparkgan.data.GaussianMixture;
import io.sparkgan.metrics.ModeCoverage;
import io.sparkgan.spark.strategy.Strategies;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sparkgan sample}: generated samples from a run's latest checkpoint, as CSV or PNG,
 * optionally refined by Langevin dynamics on the energy of the run's discriminators (DCD).
 */
@Command(name = "sample", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Write N generated samples from a run's latest checkpoint: FILE.csv (one sample per line) or FILE.png (scatter or image grid);"
                + " with --refine langevin, refined by Langevin dynamics on the energy of the run's discriminators (DCD).")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN", description = "A run folder written by 'sparkgan train'.")
    Path model;
    @Option(names = "--n", required = true, paramLabel = "N", description = "Number of samples.")
    int n;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "FILE.csv or FILE.png; must not exist unless --overwrite.")
    Path out;
    @Option(names = "--seed", description = "Seed of the latent codes and the refinement's noise (default: the run's seed).")
    Long seed;
    @Option(names = "--overwrite", description = "Replace an existing FILE.")
    boolean overwrite;
    @Option(names = "--refine", paramLabel = "METHOD", description = "(from the setting's declaration)")
    String refine;
    @Option(names = {"--steps", "--refine-steps"}, paramLabel = "S", description = "(from the setting's declaration)")
    Integer steps;
    @Option(names = {"--step-size", "--refine-step-size"}, paramLabel = "EPS", description = "(from the setting's declaration)")
    Double stepSize;
    @Option(names = {"--noise", "--refine-noise"}, paramLabel = "SIGMA", description = "(from the setting's declaration)")
    Double noise;
    @Option(names = "--energy", paramLabel = "CHOICE", description = "(from the setting's declaration)")
    String energy;

    /** What sampling reads from a checkpoint: the generator to sample (its moving average, if the run keeps one) and, to refine, the discriminators. */
    private record Parts(Generator generator, List<Discriminator> discriminators) {}

    @Override
    public Integer call() throws Exception {
        if (n <= 0) {
            throw new UsageException("--n must be positive, got " + n);
        }
        OutFile.check(out, overwrite, ".csv", ".png");
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        Refinement refinement = refinement();
        if (!Files.isRegularFile(model.resolve(RunFolder.RUN_JSON))) {
            throw new UsageException("--model '" + model + "' is not a run folder (no run.json)");
        }
        RunConfig c = Resume.stored(model, "--model");
        if (refinement.enabled()) {
            String problem = RunConfig.refinementProblem(c, "--refine " + refine);
            if (problem != null) {
                throw new UsageException(problem);
            }
        }
        if (refinement.enabled()) {
            try {
                refinement.check(Strategies.byName(c.getStrategy()).discriminators(c));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--" + e.getMessage());
            }
        }
        CheckpointStore store = new CheckpointStore(model.resolve(RunFolder.CHECKPOINTS).toUri().toString());
        CheckpointStore.Loaded<Parts> latest;
        try {
            // Everything used is read here, so a damaged checkpoint is skipped for the one before it.
            latest = store.latestValid(Integer.MAX_VALUE, parts -> new Parts(Gan.restoredGenerator(c, ModelParts.network(parts, ModelParts.GENERATOR), parts).averaged(),
                            refinement.enabled() ? Refining.discriminators(c, model, ModelParts.json(parts, TrainingLoop.PROGRESS, TrainingLoop.Progress.class).iteration(), parts) : null),
                    System.err::println)
                    .orElseThrow(() -> new UsageException("--model '" + model + "' has no checkpoint yet"));
        } catch (IllegalStateException e) {
            throw new UsageException("--model '" + model + "': " + e.getMessage());
        }
        int it = latest.iteration();
        Generator g = latest.value().generator();
        long s = seed != null ? seed : c.getSeed();
        INDArray samples = g.sample(g.latent(GanRandom.stream(s, "sample", 0), n));
        String what = "samples";
        ModeCoverage scorer = Datasets.isMixture(c.getDataset()) ? coverage(c.getDataset()) : null;
        if (refinement.enabled()) {
            List<Discriminator> ds = latest.value().discriminators();
            long t0 = System.nanoTime();
            INDArray refined = refinement.apply(samples, ds, Refining.stream(s, 0));
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (scorer != null) {
                System.out.println("before refinement: " + RunExecutor.summary(scorer.evaluate(samples)));
                System.out.println("after refinement:  " + RunExecutor.summary(scorer.evaluate(refined)));
            }
            System.out.println(String.format(Locale.ROOT, "refined with %d Langevin steps (step size %s, noise %s) on the %s energy in %.1f s",
                    refinement.steps(), refinement.stepSize(), refinement.noise(),
                    refinement.worker() < 0 ? "ensemble (" + ds.size() + " discriminators)" : "worker " + refinement.worker() + "'s", seconds));
            samples = refined;
            what = "refined samples";
        } else if (scorer != null) {
            System.out.println(RunExecutor.summary(scorer.evaluate(samples)));
        }
        double[][] x = samples.toDoubleMatrix();
        if (name.endsWith(".png")) {
            Plots.samples(out, what + " of " + model.getFileName() + " (iteration " + it + ")", null, x);
        } else {
            RunFolder.writeAtomically(out, tmp -> {
                try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    for (double[] row : x) {
                        StringBuilder sb = new StringBuilder();
                        for (int j = 0; j < row.length; j++) {
                            sb.append(j == 0 ? "" : ",").append((float) row[j]);
                        }
                        w.write(sb.toString());
                        w.newLine();
                    }
                }
            });
        }
        System.out.println("wrote " + n + " " + what + " from iteration " + it + " to " + out);
        return 0;
    }

    /** The refinement the flags ask for; a bad value is a one-line usage error. */
    private Refinement refinement() {
        boolean tuned = steps != null || stepSize != null || noise != null || energy != null;
        String method = refine != null ? refine : Refinement.REFINE.defaultValue();
        Refinement r;
        try {
            r = new Refinement(method,
                    steps != null ? steps : Refinement.STEPS.defaultValue(),
                    stepSize != null ? stepSize : Refinement.STEP_SIZE.defaultValue(),
                    noise != null ? noise : Refinement.NOISE.defaultValue(),
                    energy != null ? energy : Refinement.ENERGY.defaultValue());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + e.getMessage());
        }
        if (tuned && !r.enabled()) {
            throw new UsageException("--steps, --step-size, --noise and --energy apply to --refine langevin only");
        }
        return r;
    }

    private static ModeCoverage coverage(String dataset) {
        GaussianMixture m = Datasets.mixture(dataset);
        return new ModeCoverage(m.centres(), m.std());
    }
}
