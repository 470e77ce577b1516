package io.sparkgan.cli;

import io.sparkgan.core.run.MetricsCsv;
import io.sparkgan.core.run.RunFolder;
import io.sparkgan.core.train.Evaluator;
import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.Generator;
import io.sparkgan.spark.ml.GanEstimator;
import io.sparkgan.spark.ml.GanModel;
import io.sparkgan.spark.ml.Summary;
import io.sparkgan.core.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * One training run into one run folder, shared by {@code train} and {@code compare}: data, the
 * estimator, metrics.csv as it goes, then final.json, the saved model and samples.png.
 */
final class RunExecutor {
    private RunExecutor() {}

    /** Outcome of one run. */
    record Outcome(Summary summary, Map<String, Double> metrics) {}

    /**
     * Trains one run on {@code data} (already read and checked, its scorer prepared) into {@code out}.
     * metrics.csv is opened when the strategy reports where it starts: a resumed run keeps the rows
     * up to the checkpoint it actually continues from, which may be older than the newest one if
     * that one could not be read.
     */
    static Outcome run(SparkSession spark, RunConfig c, RunData data, Path out, boolean resume, String label) throws java.io.IOException {
        RunFolder run = new RunFolder(out);
        // The labelled test split is read at most once per run: the semi-supervised learning curve, the
        // final classifier and the autoencoder's figures all score on it.
        io.sparkgan.data.Samples[] testSplit = new io.sparkgan.data.Samples[1];
        boolean[] testRead = new boolean[1];
        java.util.function.Supplier<io.sparkgan.data.Samples> test = () -> {
            if (!testRead[0]) {
                testSplit[0] = data.labelledTest(spark, c);
                testRead[0] = true;
            }
            return testSplit[0];
        };
        Evaluator evaluator = SemiSupervisedEvaluation.evaluator(c, Disentangling.evaluator(c, data.evaluator(out)), test);
        GanModel model;
        List<IterationRecord> rows = new ArrayList<>();
        List<String> metricNames = evaluator == null ? List.of() : evaluator.metricNames();
        MetricsCsv[] csv = new MetricsCsv[1];
        Progress progress = new Progress(label, Progress.isTerminal());
        TrainingListener opening = new TrainingListener() {
            @Override
            public void onStart(int start, int total) {
                csv[0] = new MetricsCsv(run.file(RunFolder.METRICS_CSV), metricNames, start);
                progress.onStart(start, total);
            }
        };
        try {
            model = new GanEstimator().setConfig(c).setEvaluator(evaluator)
                    .setListener(listeners(opening, progress, r -> {
                        csv[0].append(r);
                        rows.add(r);
                    }, (mode, sizes, histogram) -> recordShards(run, mode, sizes, histogram)))
                    .setCheckpointDir(run.checkpoints().toUri().toString()).setResume(resume)
                    .fit(data.frame);
        } catch (RuntimeException e) {
            // A divergence (possibly wrapped by Spark) is recorded and rethrown unwrapped, so callers catch it by type.
            io.sparkgan.core.train.DivergenceException d = io.sparkgan.core.train.DivergenceException.in(e);
            if (d == null) {
                throw e;
            }
            writeDiverged(run, c, d);
            throw d;
        } finally {
            if (csv[0] != null) {
                csv[0].close();
            }
        }
        Generator g = model.generator();
        Map<String, Double> last = !model.summary().metrics().isEmpty() || evaluator == null
                ? model.summary().metrics()
                : evaluator.score(g, c, model.summary().iterations());
        Map<String, Double> refined = refined(run, c, evaluator, g, model.summary().iterations());
        if (model.hasClassifier()) {
            last = new LinkedHashMap<>(last);
            last.putAll(classifierMetrics(model, test.get()));
        }
        if (io.sparkgan.core.aae.AdversarialAutoencoder.on(c)) {
            last = new LinkedHashMap<>(last);
            last.putAll(Autoencoding.finish(run, c, g, model.encoder().local(), test.get()));
        }
        Disentangling.traversal(run, c, g, data.shape);
        writeFinal(run, c, model.summary(), rows.isEmpty() ? null : rows.get(rows.size() - 1), last, refined);
        model.write().overwrite().save(run.file("model").toUri().toString());
        data.writeSamples(run.file("samples.png"), c.getStrategy() + " on " + c.getDataset() + ", iteration " + model.summary().iterations(), g, c);
        Map<String, Double> all = new LinkedHashMap<>(last);
        all.putAll(refined);
        return new Outcome(model.summary(), all);
    }

    /**
     * With refinement configured: the final evaluation's samples (the same codes) refined with the
     * discriminators of the final checkpoint, and their metrics ({@link Refining#PREFIX}); refining
     * only here keeps it cheap. Empty without refinement or without an evaluator.
     */
    private static Map<String, Double> refined(RunFolder run, RunConfig c, Evaluator evaluator, Generator g, int iteration) {
        io.sparkgan.core.refine.Refinement r = c.refinement();
        if (!r.enabled() || evaluator == null || evaluator.metricNames().isEmpty()) {
            return Map.of();
        }
        io.sparkgan.core.checkpoint.CheckpointStore store = new io.sparkgan.core.checkpoint.CheckpointStore(run.checkpoints().toUri().toString());
        java.util.List<io.sparkgan.core.Discriminator> ds = Refining.discriminators(c, run.dir(), iteration, store.load(iteration));
        org.nd4j.linalg.api.ndarray.INDArray x = g.sample(g.latent(io.sparkgan.core.GanRandom.stream(c.getSeed(), "eval", iteration), c.getEvalSamples()));
        return Refining.refinedMetrics(evaluator, x, r, ds, Refining.stream(c.getSeed(), iteration));
    }

    /** Name of the semi-supervised classifier's test error in final.json and summaries. */
    static final String TEST_ERROR = "test_error_pct";

    /**
     * A semi-supervised run's classifier scored on labelled samples it never trained on: its test
     * error in percent (and the count of misclassified samples); empty without such samples.
     */
    static Map<String, Double> classifierMetrics(GanModel model, io.sparkgan.data.Samples test) {
        if (test == null || test.labels() == null) {
            return Map.of();
        }
        io.sparkgan.core.objective.SemiSupervisedClassifier classifier = model.classifier().local();
        int errors = classifier.errors(org.nd4j.linalg.factory.Nd4j.create(test.features()), test.labels());
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(TEST_ERROR, 100.0 * errors / test.labels().length);
        m.put("test_errors", (double) errors);
        return m;
    }

    /** Adds the split (mode, rows and class histogram per worker) to run.json once the shards exist. */
    private static void recordShards(RunFolder run, String mode, long[] sizes, long[][] histogram) {
        if (!java.nio.file.Files.exists(run.file(RunFolder.RUN_JSON))) {
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> runJson = new LinkedHashMap<>((Map<String, Object>) run.readJsonMap(RunFolder.RUN_JSON));
        List<Map<String, Object>> workers = new ArrayList<>();
        for (int w = 0; w < sizes.length; w++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("worker", w);
            m.put("size", sizes[w]);
            m.put("classes", histogram[w]);
            workers.add(m);
        }
        Map<String, Object> shards = new LinkedHashMap<>();
        shards.put("mode", mode);
        shards.put("workers", workers);
        runJson.put("shards", shards);
        run.writeJson(RunFolder.RUN_JSON, runJson);
    }

    private static void writeFinal(RunFolder run, RunConfig c, Summary summary, IterationRecord end, Map<String, Double> metrics,
            Map<String, Double> refined) throws java.io.IOException {
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
        if (!refined.isEmpty()) {
            f.put("refinement", c.refinement().asMap());
            refined.forEach((k, v) -> f.put(k, finite(v)));
        }
        f.put("bytes_to_workers", summary.bytesToWorkers());
        f.put("bytes_from_workers", summary.bytesFromWorkers());
        f.put("bytes_between_workers", summary.bytesBetweenWorkers());
        f.put("bytes_total", summary.totalBytes());
        f.put("worker_restores", summary.restores());
        f.put("iterations_lost", summary.lostIterations());
        f.put("worker_compute_s", summary.workerComputeSeconds());
        f.put("shard_sizes", summary.shardSizes());
        run.writeJson(RunFolder.FINAL_JSON, f);
        // A resumed run that had diverged before has now finished: final.json is its one record.
        Files.deleteIfExists(run.file(RunFolder.DIVERGED_JSON));
    }

    /**
     * Records a divergence in the run folder (instead of final.json), so that a comparison's report
     * can show the run as diverged, and where, beside the strategies that finished.
     */
    static void writeDiverged(RunFolder run, RunConfig c, io.sparkgan.core.train.DivergenceException d) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("strategy", c.getStrategy());
        f.put("workers", c.getWorkers());
        f.put(DIVERGED_AT, d.iteration());
        f.put("error", d.getMessage());
        run.writeJson(RunFolder.DIVERGED_JSON, f);
    }

    /** diverged.json's key (and summary.csv's column) for the iteration at which a run diverged. */
    static final String DIVERGED_AT = "diverged_at";

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static String summary(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "  ").append(k).append('=')
                .append(v == Math.rint(v) ? String.valueOf(v.longValue()) : String.format(Locale.ROOT, "%.3f", v)));
        return sb.toString();
    }

    /** Receives the shard split. */
    interface ShardsListener {
        void onShards(String mode, long[] sizes, long[][] histogram);
    }

    static TrainingListener listeners(TrainingListener start, TrainingListener progress, java.util.function.Consumer<IterationRecord> rows, ShardsListener shards) {
        return new TrainingListener() {
            public void onStart(int s, int t) { start.onStart(s, t); }
            public void onProgress(int i, double d, double g) { progress.onProgress(i, d, g); }
            public void onRecord(IterationRecord r) {
                rows.accept(r);
                progress.onRecord(r);
            }
            public void onShards(String mode, long[] sizes, long[][] histogram) { shards.onShards(mode, sizes, histogram); }
            public void onEnd() { progress.onEnd(); }
            public void onWarning(String message) { progress.onWarning(message); }
        };
    }
}
