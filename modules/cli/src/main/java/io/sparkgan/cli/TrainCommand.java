package io.sparkgan.cli;

import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.run.MetricsCsv;
import io.sparkgan.core.run.RunFolder;
import io.sparkgan.core.train.Evaluator;
import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.spark.ml.GanEstimator;
import io.sparkgan.spark.ml.GanModel;
import io.sparkgan.spark.ml.Summary;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.data.Datasets;
import io.sparkgan.data.GaussianMixture;
import io.sparkgan.data.VectorFrames;
import io.sparkgan.metrics.ModeCoverage;
import io.sparkgan.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code sparkgan train}: one run into one run folder. */
@Command(name = "train", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Train a GAN and write a run folder (run.json, metrics.csv, final.json, samples.png, checkpoints/).")
final class TrainCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with the same keys as the flags (flags override it).")
    Path config;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder to create (must not exist or be empty).")
    Path out;
    @Option(names = "--overwrite", description = "Replace the contents of a non-empty --out.")
    boolean overwrite;
    @Option(names = "--resume", description = "Continue the run in --out from its latest checkpoint (refuses a changed configuration; --iterations may grow).")
    boolean resume;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not run by spark-submit (default: ${DEFAULT-VALUE}).", defaultValue = "local[*]")
    String master;

    @Option(names = "--strategy", description = "One of: standalone, mdgan, flgan.") String strategy;
    @Option(names = "--workers", paramLabel = "N", description = "Workers, i.e. shards (one Spark partition each).") Integer workers;
    @Option(names = "--k", description = "MD-GAN: generated batches per iteration (0 = ceil(ln N)).") Integer k;
    @Option(names = "--swap-every-epochs", paramLabel = "E", description = "MD-GAN: swap discriminators every E local epochs (0 = never).") Integer swapEveryEpochs;
    @Option(names = "--average-every-epochs", paramLabel = "E", description = "FL-GAN: average G and D every E local epochs.") Integer averageEveryEpochs;
    @Option(names = "--average-every-iterations", paramLabel = "N", description = "FL-GAN: average every N local iterations instead (0 = use epochs).") Integer averageEveryIterations;
    @Option(names = "--dataset", description = "One of: grid25, ring8.") String dataset;
    @Option(names = "--dataset-size", paramLabel = "N") Integer datasetSize;
    @Option(names = "--seed") Long seed;
    @Option(names = "--iterations", paramLabel = "I", description = "Generator updates.") Integer iterations;
    @Option(names = "--batch-size", paramLabel = "b") Integer batchSize;
    @Option(names = "--local-steps", paramLabel = "L", description = "Discriminator steps per iteration.") Integer localSteps;
    @Option(names = "--latent-dim", paramLabel = "D") Integer latentDim;
    @Option(names = "--objective", description = "One of: nonsaturating.") String objective;
    @Option(names = "--generator", paramLabel = "SPEC", description = "kind:w1,w2[:activation[:output]], e.g. mlp:128,128:relu:identity") String generator;
    @Option(names = "--discriminator", paramLabel = "SPEC", description = "kind:w1,w2[:activation], e.g. mlp:128,128:leakyrelu") String discriminator;
    @Option(names = "--generator-lr") Double generatorLr;
    @Option(names = "--discriminator-lr") Double discriminatorLr;
    @Option(names = "--beta1") Double beta1;
    @Option(names = "--beta2") Double beta2;
    @Option(names = "--log-every", paramLabel = "N") Integer logEvery;
    @Option(names = "--eval-every", paramLabel = "N") Integer evalEvery;
    @Option(names = "--eval-samples", paramLabel = "N") Integer evalSamples;
    @Option(names = "--checkpoint-every", paramLabel = "N") Integer checkpointEvery;
    @Option(names = "--keep-checkpoints", paramLabel = "N") Integer keepCheckpoints;

    /** Defaults, then the config file, then the flags; validated. */
    RunConfig resolve() {
        RunConfig c = config != null ? Configs.read(config) : new RunConfig();
        if (strategy != null) c.setStrategy(strategy.toLowerCase(Locale.ROOT));
        if (dataset != null) c.setDataset(dataset.toLowerCase(Locale.ROOT));
        if (workers != null) c.setWorkers(workers);
        if (k != null) c.setK(k);
        if (swapEveryEpochs != null) c.setSwapEveryEpochs(swapEveryEpochs);
        if (averageEveryEpochs != null) c.setAverageEveryEpochs(averageEveryEpochs);
        if (averageEveryIterations != null) c.setAverageEveryIterations(averageEveryIterations);
        if (datasetSize != null) c.setDatasetSize(datasetSize);
        if (seed != null) c.setSeed(seed);
        if (iterations != null) c.setIterations(iterations);
        if (batchSize != null) c.setBatchSize(batchSize);
        if (localSteps != null) c.setLocalSteps(localSteps);
        if (latentDim != null) c.setLatentDim(latentDim);
        if (objective != null) c.setObjective(objective.toLowerCase(Locale.ROOT));
        if (generatorLr != null) c.setGeneratorLr(generatorLr);
        if (discriminatorLr != null) c.setDiscriminatorLr(discriminatorLr);
        if (beta1 != null) c.setBeta1(beta1);
        if (beta2 != null) c.setBeta2(beta2);
        if (logEvery != null) c.setLogEvery(logEvery);
        if (evalEvery != null) c.setEvalEvery(evalEvery);
        if (evalSamples != null) c.setEvalSamples(evalSamples);
        if (checkpointEvery != null) c.setCheckpointEvery(checkpointEvery);
        if (keepCheckpoints != null) c.setKeepCheckpoints(keepCheckpoints);
        try {
            if (generator != null) c.setGenerator(NetworkSpec.parse(generator));
            if (discriminator != null) c.setDiscriminator(NetworkSpec.parse(discriminator));
            c.validate();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return c;
    }

    @Override
    public Integer call() throws java.io.IOException {
        RunConfig c = resolve();
        if (resume && overwrite) {
            throw new UsageException("--resume and --overwrite exclude each other: resume continues the run in --out, overwrite replaces it");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UsageException("--out '" + out + "' is a file; expected a folder to create");
        }
        if (resume) {
            checkResumable(c);
        } else if (!RunFolder.isEmptyOrAbsent(out) && !overwrite) {
            throw new UsageException("--out '" + out + "' exists and is not empty; choose a new folder, or pass --overwrite to replace it or --resume to continue it");
        }
        RunFolder run = RunFolder.create(out, overwrite);
        Path scratch = run.file(".scratch");
        SparkSession spark = SparkSessions.getOrCreate("sparkgan-train", master, scratch.resolve("spark"));
        try {
            Map<String, Object> runJson = new LinkedHashMap<>();
            runJson.put("config", Configs.toMap(c));
            runJson.put("provenance", Provenance.collect(c.getSeed(), spark.version(), main.args));
            if (!resume) {
                run.writeJson(RunFolder.RUN_JSON, runJson);
            }
            GaussianMixture mixture = Datasets.mixture(c.getDataset());
            Dataset<Row> frame = VectorFrames.toFrame(spark, mixture.sample(c.getDatasetSize(), c.getSeed()));
            Evaluator evaluator = new ModeCoverage(mixture.centres(), mixture.std());
            GanModel model;
            List<IterationRecord> rows = new ArrayList<>();
            int from = resume ? new CheckpointStore(run.checkpoints().toUri().toString()).latest().orElse(0) : 0;
            try (MetricsCsv csv = new MetricsCsv(run.file(RunFolder.METRICS_CSV), evaluator.metricNames(), from)) {
                model = new GanEstimator().setConfig(c).setEvaluator(evaluator)
                        .setListener(listeners(new Progress("train " + c.getStrategy(), Progress.isTerminal()), r -> {
                            csv.append(r);
                            rows.add(r);
                        }))
                        .setCheckpointDir(run.checkpoints().toUri().toString()).setResume(resume)
                        .fit(frame);
            }
            Generator g = model.generator();
            Map<String, Double> last = model.summary().metrics().isEmpty()
                    ? evaluator.evaluate(g.sample(g.latent(GanRandom.stream(c.getSeed(), "eval", model.summary().iterations()), c.getEvalSamples())))
                    : model.summary().metrics();
            writeFinal(run, c, model.summary(), rows.isEmpty() ? null : rows.get(rows.size() - 1), last);
            model.write().overwrite().save(run.file("model").toUri().toString());
            double[][] real = sample(VectorFrames.collect(frame).features(), 2500);
            double[][] generated = g.sample(g.latent(GanRandom.stream(c.getSeed(), "plot", 0), 2500)).toDoubleMatrix();
            Plots.samples(run.file("samples.png"), c.getStrategy() + " on " + c.getDataset() + ", iteration " + model.summary().iterations(), real, generated);
            System.out.println(summary(last) + "  ->  " + out);
            return 0;
        } finally {
            spark.stop();
            Main.deleteRecursively(scratch);
        }
    }

    private void checkResumable(RunConfig c) {
        Path runJson = out.resolve(RunFolder.RUN_JSON);
        if (!Files.exists(runJson)) {
            throw new UsageException("--resume: '" + out + "' holds no run (no run.json)");
        }
        RunConfig before = Configs.fromMap((Map<?, ?>) new RunFolder(out).readJsonMap(RunFolder.RUN_JSON).get("config"));
        Map<String, Object> was = Configs.toMap(before);
        Map<String, Object> now = Configs.toMap(c);
        was.remove("iterations");
        now.remove("iterations");
        for (String k : was.keySet()) {
            if (!String.valueOf(was.get(k)).equals(String.valueOf(now.get(k)))) {
                throw new UsageException("--resume: '" + k + "' was " + was.get(k) + " in this run but is now " + now.get(k)
                        + "; a resumed run keeps its configuration (only --iterations may change)");
            }
        }
    }

    private static void writeFinal(RunFolder run, RunConfig c, Summary summary, IterationRecord end, Map<String, Double> metrics) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("strategy", c.getStrategy());
        f.put("dataset", c.getDataset());
        f.put("workers", c.getWorkers());
        f.put("iteration", summary.iterations());
        f.put("wall_s", summary.wallSeconds());
        if (end != null) {
            f.put("d_loss", finite(end.dLoss()));
            f.put("g_loss", finite(end.gLoss()));
        }
        metrics.forEach((k, v) -> f.put(k, finite(v)));
        f.put("bytes_to_workers", summary.bytesToWorkers());
        f.put("bytes_from_workers", summary.bytesFromWorkers());
        f.put("bytes_between_workers", summary.bytesBetweenWorkers());
        f.put("bytes_total", summary.totalBytes());
        f.put("worker_restores", summary.restores());
        f.put("worker_compute_s", summary.workerComputeSeconds());
        f.put("shard_sizes", summary.shardSizes());
        run.writeJson(RunFolder.FINAL_JSON, f);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static String summary(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "  ").append(k).append('=')
                .append(v == Math.rint(v) ? String.valueOf(v.longValue()) : String.format(Locale.ROOT, "%.3f", v)));
        return sb.toString();
    }

    private static double[][] sample(float[][] x, int n) {
        int step = Math.max(1, x.length / n);
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < x.length && out.size() < n; i += step) {
            out.add(new double[] {x[i][0], x[i].length > 1 ? x[i][1] : 0});
        }
        return out.toArray(new double[0][]);
    }

    static TrainingListener listeners(TrainingListener progress, java.util.function.Consumer<IterationRecord> rows) {
        return new TrainingListener() {
            public void onStart(int s, int t) { progress.onStart(s, t); }
            public void onProgress(int i, double d, double g) { progress.onProgress(i, d, g); }
            public void onRecord(IterationRecord r) { rows.accept(r); }
            public void onEnd() { progress.onEnd(); }
        };
    }
}
