package io.sparkgan.cli;

import io.sparkgan.core.GanRandom;
import io.sparkgan.core.objective.SemiSupervised;
import io.sparkgan.core.objective.Objectives;
import io.sparkgan.core.run.RunFolder;
import io.sparkgan.data.DataOptions;
import io.sparkgan.data.DataSources;
import io.sparkgan.data.Datasets;
import io.sparkgan.data.VectorFrames;
import io.sparkgan.spark.SparkSessions;
import io.sparkgan.spark.ml.GanClassifier;
import io.sparkgan.spark.ml.GanModel;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sparkgan classify}: the classifier of a semi-supervised run (Salimans et al. 2016, §5;
 * under MD-GAN every worker's discriminator, averaged) applied to a dataset through its Spark ML
 * transformer ({@link GanModel#classifier()}), predictions written as CSV, and the error printed
 * when the data is labelled.
 */
@Command(name = "classify", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Classify a dataset with a semi-supervised run's classifier: FILE.csv gets one line per sample"
                + " (row, label if known, prediction, one probability per class); prints the error when the data has labels.")
final class ClassifyCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN", description = "A run folder written by 'sparkgan train --objective semi-supervised'.")
    Path model;
    @Option(names = "--dataset", paramLabel = "NAME", description = "Dataset to classify (default: the run's).")
    String dataset;
    @Option(names = "--split", defaultValue = DataOptions.TEST, paramLabel = "SPLIT",
            description = "train or test split of a fetched dataset (default: ${DEFAULT-VALUE}); a mixture draws --n fresh samples.")
    String split;
    @Option(names = "--n", defaultValue = "10000", paramLabel = "N", description = "Samples drawn from an embedded mixture (default: ${DEFAULT-VALUE}).")
    int n;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "FILE.csv; must not exist unless --overwrite.")
    Path out;
    @Option(names = "--overwrite", description = "Replace an existing FILE.")
    boolean overwrite;
    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]", description = "Spark master (default: ${DEFAULT-VALUE}).")
    String master;

    @Override
    public Integer call() throws Exception {
        OutFile.check(out, overwrite, ".csv");
        if (n <= 0) {
            throw new UsageException("--n must be positive, got " + n);
        }
        if (!split.equals(DataOptions.TEST) && !split.equals(DataOptions.TRAIN)) {
            throw new UsageException("--split '" + split + "' is unknown; expected " + DataOptions.TRAIN + " or " + DataOptions.TEST);
        }
        RunConfig c = Resume.stored(model, "--model");
        if (!Objectives.reads(c.getObjective(), SemiSupervised.LABELLED_PER_CLASS)) {
            throw new UsageException("--model '" + model + "' was trained with objective " + c.getObjective()
                    + ", which trains no classifier; expected a run of objective semi-supervised");
        }
        Path saved = model.resolve("model");
        if (!Files.isDirectory(saved)) {
            throw new UsageException("--model '" + model + "' has no saved model yet (the run has not finished)");
        }
        if (dataset != null) {
            c.setDataset(dataset);
        }
        RunData.preflight(c);
        Masters.check(master);
        // Spark's local dirs stay inside the run folder and go when the command ends.
        Path scratch = model.resolve(".scratch-classify-" + java.util.UUID.randomUUID());
        SparkSession spark = SparkSessions.getOrCreate("sparkgan-classify", master, scratch.resolve("spark"));
        try {
            GanModel m = GanModel.load(saved.toUri().toString());
            Dataset<Row> frame = c.synthetic()
                    ? Datasets.frame(spark, c.getDataset(), n, GanRandom.derive(c.getSeed(), "classify", 0))
                    : DataSources.load(spark, c.getDataset(), RunData.options(c).withSplit(split)).frame();
            boolean labelled = List.of(frame.schema().fieldNames()).contains(VectorFrames.LABEL);
            Dataset<Row> predicted = m.classifier().transform(frame);
            List<Row> rows = (labelled ? predicted.select(VectorFrames.LABEL, GanClassifier.PREDICTION, GanClassifier.PROBABILITY)
                    : predicted.select(GanClassifier.PREDICTION, GanClassifier.PROBABILITY)).collectAsList();
            int errors = 0;
            for (Row r : rows) {
                errors += labelled && ((Number) r.get(0)).intValue() != (int) r.getDouble(1) ? 1 : 0;
            }
            RunFolder.writeAtomically(out, tmp -> {
                try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    int classes = ((Vector) rows.get(0).get(labelled ? 2 : 1)).size();
                    StringBuilder head = new StringBuilder("row").append(labelled ? ",label" : "").append(",prediction");
                    for (int k = 0; k < classes; k++) {
                        head.append(",p").append(k);
                    }
                    w.write(head.toString());
                    w.newLine();
                    for (int i = 0; i < rows.size(); i++) {
                        Row r = rows.get(i);
                        StringBuilder sb = new StringBuilder().append(i);
                        if (labelled) {
                            sb.append(',').append(((Number) r.get(0)).intValue());
                        }
                        sb.append(',').append((int) r.getDouble(labelled ? 1 : 0));
                        for (double p : ((Vector) r.get(labelled ? 2 : 1)).toArray()) {
                            sb.append(',').append((float) p);
                        }
                        w.write(sb.toString());
                        w.newLine();
                    }
                }
            });
            if (labelled) {
                System.out.printf(Locale.ROOT, "%s (%s): error %.2f %% (%d of %d misclassified)%n", c.getDataset(),
                        c.synthetic() ? n + " fresh samples" : split + " split", 100.0 * errors / rows.size(), errors, rows.size());
            }
            System.out.println("wrote " + rows.size() + " predictions to " + out);
            return 0;
        } finally {
            spark.stop();
            Main.deleteRecursively(scratch);
        }
    }
}
