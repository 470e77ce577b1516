package io.sparkgan.cli;

import io.sparkgan.core.checkpoint.CheckpointStore;
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

    static Outcome run(SparkSession spark, RunConfig c, Path out, boolean resume, String label) throws java.io.IOException {
        RunFolder run = new RunFolder(out);
        GaussianMixture mixture = Datasets.mixture(c.getDataset());
        Dataset<Row> frame = mixture.frame(spark, c.getDatasetSize(), c.getSeed());
        Evaluator evaluator = new ModeCoverage(mixture.centres(), mixture.std());
        GanModel model;
        List<IterationRecord> rows = new ArrayList<>();
        int from = resume ? new CheckpointStore(run.checkpoints().toUri().toString()).latest().orElse(0) : 0;
        try (MetricsCsv csv = new MetricsCsv(run.file(RunFolder.METRICS_CSV), evaluator.metricNames(), from)) {
            model = new GanEstimator().setConfig(c).setEvaluator(evaluator)
                    .setListener(listeners(new Progress(label, Progress.isTerminal()), r -> {
                        csv.append(r);
                        rows.add(r);
                    }))
                    .setCheckpointDir(run.checkpoints().toUri().toString()).setResume(resume)
                    .fit(frame);
        }
        Generator g = model.generator();
        Map<String, Double> last = model.summary().metrics().isEmpty()
                ? evaluator.score(g, c, model.summary().iterations())
                : model.summary().metrics();
        writeFinal(run, c, model.summary(), rows.isEmpty() ? null : rows.get(rows.size() - 1), last);
        model.write().overwrite().save(run.file("model").toUri().toString());
        double[][] real = toDouble(VectorFrames.collect(frame.limit(2500)).features());
        double[][] generated = g.sample(g.latent(GanRandom.stream(c.getSeed(), "plot", 0), 2500)).toDoubleMatrix();
        Plots.samples(run.file("samples.png"), c.getStrategy() + " on " + c.getDataset() + ", iteration " + model.summary().iterations(), real, generated);
        return new Outcome(model.summary(), last);
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

    private static double[][] toDouble(float[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = x[i][j];
            }
        }
        return out;
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
