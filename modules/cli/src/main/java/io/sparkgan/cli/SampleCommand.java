package io.sparkgan.cli;

import io.sparkgan.core.Gan;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.run.RunFolder;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sparkgan sample}: generated samples from a run's latest checkpoint, as CSV or PNG. */
@Command(name = "sample", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Write N generated samples from a run's latest checkpoint: FILE.csv (one sample per line) or FILE.png (scatter or image grid).")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN", description = "A run folder written by 'sparkgan train'.")
    Path model;
    @Option(names = "--n", required = true, paramLabel = "N", description = "Number of samples.")
    int n;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "FILE.csv or FILE.png; must not exist unless --overwrite.")
    Path out;
    @Option(names = "--seed", description = "Seed of the latent codes (default: the run's seed).")
    Long seed;
    @Option(names = "--overwrite", description = "Replace an existing FILE.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (n <= 0) {
            throw new UsageException("--n must be positive, got " + n);
        }
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".csv") && !name.endsWith(".png")) {
            throw new UsageException("--out '" + out + "' must end in .csv or .png");
        }
        if (Files.exists(out) && !overwrite) {
            throw new UsageException("--out '" + out + "' exists; choose a new file or pass --overwrite");
        }
        if (Files.isDirectory(out)) {
            throw new UsageException("--out '" + out + "' is a folder; expected a file name ending in .csv or .png");
        }
        if (!Files.isRegularFile(model.resolve(RunFolder.RUN_JSON))) {
            throw new UsageException("--model '" + model + "' is not a run folder (no run.json)");
        }
        RunConfig c = Resume.stored(model, "--model");
        CheckpointStore store = new CheckpointStore(model.resolve(RunFolder.CHECKPOINTS).toUri().toString());
        CheckpointStore.Loaded<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> latest;
        try {
            latest = store.latestValid(Integer.MAX_VALUE, parts -> ModelParts.network(parts, ModelParts.GENERATOR), System.err::println)
                    .orElseThrow(() -> new UsageException("--model '" + model + "' has no checkpoint yet"));
        } catch (IllegalStateException e) {
            throw new UsageException("--model '" + model + "': " + e.getMessage());
        }
        int it = latest.iteration();
        Generator g = Gan.generator(c, latest.value());
        double[][] x = g.sample(g.latent(GanRandom.stream(seed != null ? seed : c.getSeed(), "sample", 0), n)).toDoubleMatrix();
        if (name.endsWith(".png")) {
            Plots.samples(out, "samples of " + model.getFileName() + " (iteration " + it + ")", null, x);
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
        System.out.println("wrote " + n + " samples from iteration " + it + " to " + out);
        return 0;
    }
}
