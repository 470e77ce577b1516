package io.sparkgan.cli;

import io.sparkgan.core.Gan;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.run.RunFolder;
import io.sparkgan.data.DataSources;
import io.sparkgan.data.Datasets;
import io.sparkgan.metrics.Fid;
import io.sparkgan.metrics.ModelCentrality;
import io.sparkgan.spark.eval.EvaluationClassifier;
import io.sparkgan.spark.runtime.WorkerJob;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sparkgan select}: ModelCentrality (Lin et al., "InfoGAN-CR and ModelCentrality", ICML
 * 2020, §4) over several trained models, from generated samples only: every candidate's samples
 * are summarised in a feature space (the evaluation classifier's for a dataset that has one, the
 * samples themselves otherwise), candidates are compared by Fréchet distance, and the most central
 * one is picked. InfoGAN models are compared as the paper compares disentangling models: by the
 * FactorVAE score of each one's Q on the other's samples ({@link Disentangling#similarity}). Where a
 * run recorded a metric against real data (FID, reverse KL, the FactorVAE score on dSprites), the
 * table shows it beside the centrality, with the rank correlation between the two and how the pick
 * ranks.
 */
@Command(name = "select", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Pick the most central of several trained models (ModelCentrality, Lin et al. 2020) from generated samples only;"
                + " prints a table (candidate, centrality, the run's own metric against real data where it has one) and writes it as CSV.")
final class SelectCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Candidates from;

    static final class Candidates {
        @Option(names = "--models", arity = "2..*", paramLabel = "RUN", description = "Run folders (their latest checkpoints), e.g. runs of several seeds.")
        List<Path> models;
        @Option(names = "--checkpoints", paramLabel = "RUN", description = "Every checkpoint of one run.")
        Path checkpoints;
        @Option(names = "--workers", paramLabel = "RUN", description = "An FL-GAN run's per-worker generators before averaging, at its latest checkpoint.")
        Path workers;
    }

    @Option(names = "--n", paramLabel = "N", description = "Generated samples per candidate (default: ${DEFAULT-VALUE}).")
    int n = 2000;
    @Option(names = "--seed", description = "Seed of the latent codes (default: the first candidate's run seed).")
    Long seed;
    @Option(names = "--out", required = true, paramLabel = "FILE.csv", description = "The table as CSV; must not exist unless --overwrite.")
    Path out;
    @Option(names = "--overwrite", description = "Replace an existing FILE.")
    boolean overwrite;

    /**
     * One model to rank, and the run's own metric against real data for it, if recorded (NaN
     * otherwise); for an InfoGAN model, its discriminator too, whose Q reads codes (null otherwise).
     */
    private record Candidate(String name, RunConfig config, Generator generator, double truth, io.sparkgan.core.Discriminator q) {
        Candidate(String name, RunConfig config, Generator generator, double truth) {
            this(name, config, generator, truth, null);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (n < 2) {
            throw new UsageException("--n must be at least 2, got " + n);
        }
        OutFile.check(out, overwrite, ".csv");
        List<Candidate> candidates = candidates();
        if (candidates.size() < 2) {
            throw new UsageException("select needs at least 2 candidates, found " + candidates.size());
        }
        RunConfig first = candidates.get(0).config();
        for (Candidate c : candidates) {
            if (!c.config().getDataset().equals(first.getDataset())) {
                throw new UsageException("candidate " + c.name() + " was trained on " + c.config().getDataset() + ", " + candidates.get(0).name()
                        + " on " + first.getDataset() + "; expected candidates of one dataset");
            }
        }
        String truthName = truthName(first);
        long s = seed != null ? seed : first.getSeed();
        ModelCentrality.Ranking r;
        if (io.sparkgan.core.info.InfoCodes.on(first)) {
            r = bySimilarity(candidates, s);
        } else {
            EvaluationClassifier classifier = classifier(first);
            List<Fid.FeatureStats> stats = new ArrayList<>();
            for (Candidate c : candidates) {
                Generator g = c.generator();
                float[][] x = g.sample(g.latent(GanRandom.stream(s, "select", 0), n)).toFloatMatrix();
                stats.add(classifier != null ? classifier.featureStats(x) : Fid.FeatureStats.of(x));
            }
            r = ModelCentrality.rank(stats);
            String space = classifier != null ? "the evaluation classifier's features" : "the samples themselves";
            System.out.printf(Locale.ROOT, "%d candidates, %d samples each, compared by Fréchet distance in %s%n", candidates.size(), n, space);
        }
        System.out.printf(Locale.ROOT, "%-40s %12s %12s%n", "candidate", "centrality", truthName == null ? "" : truthName);
        for (int i = 0; i < candidates.size(); i++) {
            System.out.printf(Locale.ROOT, "%-40s %12.4f %12s%s%n", candidates.get(i).name(), r.centrality()[i],
                    Double.isNaN(candidates.get(i).truth()) ? "" : String.format(Locale.ROOT, "%.4f", candidates.get(i).truth()), i == r.pick() ? "  <- pick" : "");
        }
        Candidate pick = candidates.get(r.pick());
        System.out.println("pick: " + pick.name());
        double[] truth = candidates.stream().mapToDouble(Candidate::truth).toArray();
        if (truthName != null && java.util.Arrays.stream(truth).noneMatch(Double::isNaN)) {
            // Lower is better for FID and reverse KL, higher for the FactorVAE score: "better" is read off the sign.
            double sign = higherIsBetter(truthName) ? -1 : 1;
            int best = 0;
            int rank = 1;
            for (int i = 0; i < truth.length; i++) {
                best = sign * truth[i] < sign * truth[best] ? i : best;
                rank += sign * truth[i] < sign * pick.truth() ? 1 : 0;
            }
            double[] better = java.util.Arrays.stream(truth).map(v -> -sign * v).toArray();
            System.out.printf(Locale.ROOT, "%s of the pick: %.4f (rank %d of %d); best: %s (%.4f); Spearman correlation of centrality with %s%s: %.3f%n",
                    truthName, pick.truth(), rank, truth.length, candidates.get(best).name(), truth[best], sign > 0 ? "−" : "", truthName,
                    ModelCentrality.spearman(r.centrality(), better));
        }
        RunFolder.writeAtomically(out, tmp -> {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write("candidate,centrality," + (truthName == null ? "truth" : truthName) + ",picked");
                w.newLine();
                for (int i = 0; i < candidates.size(); i++) {
                    double t = candidates.get(i).truth();
                    w.write(csvField(candidates.get(i).name()) + "," + r.centrality()[i] + "," + (Double.isNaN(t) ? "" : t) + "," + (i == r.pick()));
                    w.newLine();
                }
            }
        });
        System.out.println("wrote " + out);
        return 0;
    }

    /**
     * ModelCentrality with the paper's disentanglement similarity ({@link Disentangling#similarity}):
     * every pair of InfoGAN candidates, each model's Q reading the other's samples.
     */
    private static ModelCentrality.Ranking bySimilarity(List<Candidate> candidates, long seed) {
        io.sparkgan.core.info.InfoCodes first = candidates.get(0).generator().info();
        for (Candidate c : candidates) {
            io.sparkgan.core.info.InfoCodes info = c.generator().info();
            if (info == null || c.q() == null || !java.util.Arrays.equals(info.categories(), first.categories()) || info.continuous() != first.continuous()) {
                throw new UsageException("candidate " + c.name() + " has " + (info == null ? "no InfoGAN codes" : info)
                        + "; expected the codes of " + candidates.get(0).name() + " (" + first + ")");
            }
        }
        int m = candidates.size();
        double[][] sim = new double[m][m];
        for (int i = 0; i < m; i++) {
            sim[i][i] = 1;
            for (int j = i + 1; j < m; j++) {
                Candidate a = candidates.get(i);
                Candidate b = candidates.get(j);
                sim[i][j] = Disentangling.similarity(a.generator(), a.q(), b.generator(), b.q(), seed);
                sim[j][i] = sim[i][j];
            }
        }
        System.out.printf(Locale.ROOT, "%d InfoGAN candidates compared by the FactorVAE score of each one's Q on the other's samples (%d votes each way)%n",
                m, Disentangling.PAIR_VOTES);
        return ModelCentrality.rankBySimilarity(sim);
    }

    private static boolean higherIsBetter(String truthName) {
        return truthName.equals(Disentangling.FACTOR_VAE);
    }

    /** {@code v} as a CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
    static String csvField(String v) {
        return v.matches("(?s).*[,\"\n\r].*") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    /** The candidates the options name, each with its generator (the moving average, if the run keeps one). */
    private List<Candidate> candidates() {
        List<Candidate> out = new ArrayList<>();
        if (from.models != null) {
            for (Path run : from.models) {
                RunConfig c = stored(run, "--models");
                CheckpointStore store = store(run);
                List<Integer> its = store.iterations();
                if (its.isEmpty()) {
                    throw new UsageException("--models '" + run + "' has no checkpoint yet");
                }
                int it = its.get(its.size() - 1);
                // Named as given: runs of one comparison share their folder names (mdgan, flgan, ...).
                Map<String, byte[]> parts = store.load(it);
                out.add(new Candidate(run.toString(), c, generator(c, parts), finalTruth(run, c), q(c, run, it, parts)));
            }
        } else if (from.checkpoints != null) {
            RunConfig c = stored(from.checkpoints, "--checkpoints");
            CheckpointStore store = store(from.checkpoints);
            Map<Integer, Double> recorded = recordedTruth(from.checkpoints, c);
            for (int it : store.iterations()) {
                Map<String, byte[]> parts = store.load(it);
                out.add(new Candidate("iteration " + it, c, generator(c, parts), recorded.getOrDefault(it, Double.NaN), q(c, from.checkpoints, it, parts)));
            }
        } else {
            RunConfig c = stored(from.workers, "--workers");
            if (!c.getStrategy().equals("flgan")) {
                throw new UsageException("--workers '" + from.workers + "' is a " + c.getStrategy() + " run; expected an flgan run (its workers each train a generator)");
            }
            List<Integer> its = store(from.workers).iterations();
            if (its.isEmpty()) {
                throw new UsageException("--workers '" + from.workers + "' has no checkpoint yet");
            }
            int it = its.get(its.size() - 1);
            String uri = from.workers.resolve(RunFolder.CHECKPOINTS).toUri().toString();
            for (int w = 0; w < c.getWorkers(); w++) {
                CheckpointStore ws = new CheckpointStore(WorkerJob.workerStoreUri(uri, w));
                if (!ws.iterations().contains(it)) {
                    throw new UsageException("--workers '" + from.workers + "': worker " + w + " has no checkpoint at iteration " + it);
                }
                // A worker's generator is the one it trained in its last round, before the driver averaged it; so is its D.
                Map<String, byte[]> parts = ws.load(it);
                io.sparkgan.core.Discriminator q = io.sparkgan.core.info.InfoCodes.on(c)
                        ? new io.sparkgan.core.Discriminator(Gan.readDiscriminator(c, parts, ModelParts.DISCRIMINATOR), Gan.objective(c)) : null;
                out.add(new Candidate("worker " + w, c, Gan.generator(c, ModelParts.network(parts, ModelParts.GENERATOR)), Double.NaN, q));
            }
        }
        return out;
    }

    private static RunConfig stored(Path run, String option) {
        if (!Files.isRegularFile(run.resolve(RunFolder.RUN_JSON))) {
            throw new UsageException(option + " '" + run + "' is not a run folder (no run.json)");
        }
        return Resume.stored(run, option);
    }

    private static CheckpointStore store(Path run) {
        return new CheckpointStore(run.resolve(RunFolder.CHECKPOINTS).toUri().toString());
    }

    /** Discriminator 0 of a run's checkpoint at {@code it}, whose Q reads codes, for an InfoGAN run; null otherwise. */
    private static io.sparkgan.core.Discriminator q(RunConfig c, Path run, int it, Map<String, byte[]> parts) {
        return io.sparkgan.core.info.InfoCodes.on(c) ? Refining.discriminators(c, run, it, parts).get(0) : null;
    }

    private static Generator generator(RunConfig c, Map<String, byte[]> parts) {
        return Gan.restoredGenerator(c, ModelParts.network(parts, ModelParts.GENERATOR), parts).averaged();
    }

    /** The metric against real data a run of this dataset records, or null. */
    private static String truthName(RunConfig c) {
        if (io.sparkgan.core.info.InfoCodes.on(c)) {
            return c.getDataset().equals(io.sparkgan.data.DSprites.NAME) ? Disentangling.FACTOR_VAE : null;
        }
        if (Datasets.isMixture(c.getDataset())) {
            return "reverse_kl";
        }
        return DataSources.NAMED.containsKey(c.getDataset()) ? "fid" : null;
    }

    private static double finalTruth(Path run, RunConfig c) {
        String name = truthName(c);
        Path f = run.resolve(RunFolder.FINAL_JSON);
        if (name == null || !Files.isRegularFile(f)) {
            return Double.NaN;
        }
        Object v = new RunFolder(run).readJsonMap(RunFolder.FINAL_JSON).get(name);
        return v instanceof Number num ? num.doubleValue() : Double.NaN;
    }

    /** The run's metric at each evaluated iteration, from its metrics.csv. */
    private static Map<Integer, Double> recordedTruth(Path run, RunConfig c) {
        Map<Integer, Double> m = new java.util.HashMap<>();
        String name = truthName(c);
        Path csv = run.resolve("metrics.csv");
        if (name == null || !Files.isRegularFile(csv)) {
            return m;
        }
        try {
            List<String> lines = Files.readAllLines(csv);
            List<String> header = List.of(lines.get(0).split(",", -1));
            int col = header.indexOf(name);
            for (String line : lines.subList(1, lines.size())) {
                String[] cells = line.split(",", -1);
                if (col >= 0 && col < cells.length && !cells[col].isEmpty()) {
                    m.put(Integer.parseInt(cells[0]), Double.parseDouble(cells[col]));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("note: " + csv + " is unreadable (" + e.getMessage() + "); the table has no " + name);
        }
        return m;
    }

    /** The cached evaluation classifier of the candidates' dataset, or null (then the samples themselves are compared). */
    private static EvaluationClassifier classifier(RunConfig c) {
        if (!DataSources.NAMED.containsKey(c.getDataset())) {
            return null;
        }
        Path folder = Path.of(RunData.classifierCache(c), EvaluationClassifier.folderName(c.getDataset(), c.getSeed()));
        if (!Files.isDirectory(folder)) {
            throw new UsageException("no cached evaluation classifier for " + c.getDataset() + " at " + folder
                    + "; run `bin/sparkgan data score " + c.getDataset() + "` first");
        }
        return EvaluationClassifier.load(folder.toString());
    }
}
