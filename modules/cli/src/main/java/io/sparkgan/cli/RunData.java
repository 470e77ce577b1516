package io.sparkgan.cli;

import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.train.Evaluator;
import io.sparkgan.data.DataOptions;
import io.sparkgan.data.DataSources;
import io.sparkgan.data.Datasets;
import io.sparkgan.data.GaussianMixture;
import io.sparkgan.data.ImageShape;
import io.sparkgan.data.LoadedData;
import io.sparkgan.data.VectorFrames;
import io.sparkgan.metrics.ModeCoverage;
import io.sparkgan.spark.eval.EvaluationClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A run's data and how its samples are judged and shown: the embedded 2-D mixtures (mode coverage,
 * scatter plots) or a loaded dataset (for MNIST and Fashion-MNIST: classifier score and FID from
 * the cached evaluation classifier; for images: sample grids).
 */
final class RunData {
    /** Rows of the real data drawn in scatter plots. */
    static final int PLOT_ROWS = 2500;
    /** The points of a 2-D run's samples.png: {@code kind,x,y} with kind {@code real} or {@code generated}. */
    static final String SAMPLES_CSV = "samples.csv";

    final Dataset<Row> frame;
    /** Image layout, or null for vectors. */
    final ImageShape shape;
    final String description;
    /** What is known about the data, for the checks that must pass before any training. */
    final DataChecks.Facts facts;
    private final GaussianMixture mixture;
    private final LoadedData loaded;
    /** Scores samples: mode coverage, the evaluation classifier, or null; set by {@link #prepareScorer}. */
    private Evaluator scorer;

    private RunData(Dataset<Row> frame, ImageShape shape, String description, DataChecks.Facts facts, GaussianMixture mixture, LoadedData loaded) {
        this.frame = frame;
        this.shape = shape;
        this.description = description;
        this.facts = facts;
        this.mixture = mixture;
        this.loaded = loaded;
    }

    /**
     * Reads the run's data (headers, listings and the table check; the frame itself stays lazy) and
     * checks that the run can work on it: the split across workers, the networks' input size, a
     * conditional objective's labels. Nothing expensive has run when this refuses.
     *
     * @throws UsageException for missing or malformed data and for a run the data cannot support
     */
    static RunData read(SparkSession spark, RunConfig c) {
        RunData d;
        if (c.synthetic()) {
            GaussianMixture mixture = Datasets.isMixture(c.getDataset()) ? Datasets.mixture(c.getDataset()) : null;
            d = new RunData(Datasets.frame(spark, c.getDataset(), c.getDatasetSize(), c.getSeed()), Datasets.imageShape(c.getDataset()), c.getDataset(),
                    DataChecks.Facts.of(c), mixture, null);
        } else {
            LoadedData data;
            try {
                data = DataSources.load(spark, c.getDataset(), options(c));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            } catch (java.io.UncheckedIOException e) {
                // A file system that cannot be reached or read (a wrong hdfs:// address, no permission): the message names the path.
                throw new UsageException(e.getMessage().lines().findFirst().orElse(e.getMessage()));
            }
            d = new RunData(data.frame(), data.shape(), data.description(),
                    new DataChecks.Facts(data.rows(), data.classes(), data.dimension(), data.shape(), data.description()), null, data);
        }
        DataChecks.check(c, d.facts);
        return d;
    }

    /**
     * Makes the scorer: mode coverage for the mixtures, the evaluation classifier for fetched datasets
     * (from the cache, or trained now: the expensive step, so it comes after every check).
     */
    void prepareScorer(SparkSession spark, RunConfig c) {
        if (mixture != null) {
            scorer = new ModeCoverage(mixture.centres(), mixture.std());
        } else if (DataSources.NAMED.containsKey(c.getDataset()) && loaded.shape() != null) {
            scorer = classifier(spark, c, loaded);
        } else {
            System.err.println("note: " + c.getDataset() + " has no evaluation classifier; metrics.csv will hold losses only");
        }
    }

    /** Test samples a semi-supervised run's classifier is scored on, drawn from a mixture's seed stream. */
    static final int MIXTURE_TEST_ROWS = 10_000;

    /**
     * Labelled samples the run never trained on, to score a semi-supervised classifier: a fetched
     * dataset's test split, or fresh draws from an embedded mixture (its components are the
     * classes); null when the data has neither.
     */
    io.sparkgan.data.Samples labelledTest(SparkSession spark, RunConfig c) {
        if (c.synthetic()) {
            return Datasets.sample(c.getDataset(), MIXTURE_TEST_ROWS, GanRandom.derive(c.getSeed(), "test", 0));
        }
        if (!DataSources.NAMED.containsKey(c.getDataset())) {
            return null;
        }
        try {
            return VectorFrames.collect(DataSources.load(spark, c.getDataset(), options(c).withSplit(DataOptions.TEST)).frame());
        } catch (IllegalArgumentException e) {
            return null; // no test split
        }
    }

    /** How one run folder's samples are judged (image runs also write sample grids into it). */
    Evaluator evaluator(Path runDir) {
        return shape == null ? scorer : new ImageEvaluator(scorer, shape, runDir);
    }

    /**
     * Checks, before Spark starts, what can be checked without it: a fetched dataset's folder
     * exists (any Hadoop FileSystem the default configuration reaches), and whatever the data's
     * known facts already rule out (a split or network the embedded mixtures or MNIST cannot take).
     */
    static void preflight(RunConfig c) {
        DataChecks.check(c, DataChecks.Facts.of(c));
        if (!DataSources.NAMED.containsKey(c.getDataset())) {
            return;
        }
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(c.getDataDir()), c.getDataset());
        boolean present;
        try {
            present = dir.getFileSystem(new org.apache.hadoop.conf.Configuration()).exists(dir);
        } catch (java.io.IOException | RuntimeException e) {
            present = true; // a URI only the cluster can reach: leave the check to the run
        }
        if (!present) {
            throw new UsageException("dataset '" + c.getDataset() + "' not found under " + dir + "; run `bin/sparkgan data fetch "
                    + c.getDataset() + "` first (or pass --data-dir)");
        }
    }

    /** The evaluation classifier of a fetched dataset, from the cache or trained now on the run's Spark master. */
    static EvaluationClassifier classifier(SparkSession spark, RunConfig c) {
        return classifier(spark, c, DataSources.load(spark, c.getDataset(), options(c)));
    }

    private static EvaluationClassifier classifier(SparkSession spark, RunConfig c, LoadedData train) {
        LoadedData test;
        try {
            test = DataSources.load(spark, c.getDataset(), options(c).withSplit(DataOptions.TEST));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage()); // a missing or malformed test split, before any training
        }
        ImageShape s = train.shape();
        return EvaluationClassifier.loadOrTrain(spark, c.getDataset(), train.frame(), test.frame(), train.classes(),
                s.height(), s.width(), s.channels(), c.getSeed(),
                c.getClassifierEpochs() > 0 ? c.getClassifierEpochs() : EvaluationClassifier.DEFAULT_EPOCHS,
                classifierCache(c), System.err);
    }

    static DataOptions options(RunConfig c) {
        DataOptions o = DataOptions.defaults().withDataDir(c.getDataDir()).withChannels(c.getChannels());
        return c.getImageSize().isEmpty() ? o : o.withImageSize(c.getImageSize());
    }

    /** Evaluation classifiers are cached beside the data they were trained on. */
    static String classifierCache(RunConfig c) {
        return c.getDataDir() + "/classifiers";
    }

    /**
     * The final picture of a run: a scatter against real points, or an image grid. For 2-D data the
     * points are also written to {@link #SAMPLES_CSV} beside the picture, so a comparison's report can
     * draw every strategy's samples on the same axes.
     */
    void writeSamples(Path png, String title, Generator g, GanConfig c) {
        if (shape == null) {
            double[][] real = toDouble(VectorFrames.collect(frame.limit(PLOT_ROWS)).features());
            double[][] generated = g.sample(g.latent(GanRandom.stream(c.getSeed(), "plot", 0), PLOT_ROWS)).toDoubleMatrix();
            Plots.samples(png, title, real, generated);
            if (generated[0].length == 2) {
                Plots.writePoints(png.resolveSibling(SAMPLES_CSV), real, generated);
            }
        } else {
            ImageEvaluator.writeGrid(png, g, c, shape);
        }
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

    /**
     * Scores image samples with the evaluation classifier (when there is one) and writes a sample
     * grid {@code samples/iter-NNNNNNNNN.png} at every evaluation point.
     */
    static final class ImageEvaluator implements Evaluator {
        private final Evaluator scorer;
        private final ImageShape shape;
        private final Path runDir;

        ImageEvaluator(Evaluator scorer, ImageShape shape, Path runDir) {
            this.scorer = scorer;
            this.shape = shape;
            this.runDir = runDir;
        }

        @Override
        public List<String> metricNames() {
            return scorer == null ? List.of() : scorer.metricNames();
        }

        @Override
        public Map<String, Double> evaluate(INDArray samples) {
            return scorer == null ? Map.of() : scorer.evaluate(samples);
        }

        @Override
        public Map<String, Double> score(Generator g, GanConfig config, int iteration) {
            try {
                Files.createDirectories(runDir.resolve("samples"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            writeGrid(runDir.resolve("samples").resolve(String.format("iter-%09d.png", iteration)), g, config, shape);
            // Without a classifier there is nothing to score: no evaluation samples are drawn.
            return scorer == null ? new java.util.LinkedHashMap<>() : Evaluator.super.score(g, config, iteration);
        }

        /**
         * A 10×10 grid from fixed codes (the same at every evaluation point, so grids can be compared);
         * for a conditional generator row r shows class r.
         */
        static void writeGrid(Path png, Generator g, GanConfig c, ImageShape shape) {
            int n = 100;
            GanRandom rng = GanRandom.stream(c.getSeed(), "grid", 0);
            INDArray z;
            if (g.classes() > 0) {
                int[] labels = new int[n];
                for (int i = 0; i < n; i++) {
                    labels[i] = (i / 10) % g.classes();
                }
                z = g.latent(rng, labels);
            } else {
                z = g.latent(rng, n);
            }
            Plots.imageGrid(png, g.sample(z).toDoubleMatrix(), shape, 10);
        }
    }
}
