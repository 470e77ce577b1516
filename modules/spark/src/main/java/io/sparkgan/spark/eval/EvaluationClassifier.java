package io.sparkgan.spark.eval;

import io.sparkgan.core.checkpoint.ModelParts;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkgan.core.nn.Backprop;
import io.sparkgan.core.nn.ClassifierStep;
import io.sparkgan.core.nn.IterationScope;
import io.sparkgan.core.nn.LearningRateDecay;
import io.sparkgan.core.run.TempNames;
import io.sparkgan.core.train.Evaluator;
import io.sparkgan.data.Samples;
import io.sparkgan.data.VectorFrames;
import io.sparkgan.metrics.ClassifierScore;
import io.sparkgan.metrics.Fid;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The classifier behind the image metrics: a LeNet-style CNN (LeCun et al., "Gradient-Based Learning
 * Applied to Document Recognition", Proc. IEEE 1998) trained on the real data with DL4J's Spark
 * parameter averaging, then used for the classifier score (the Inception-score formula of Salimans et
 * al., "Improved Techniques for Training GANs", NeurIPS 2016) on its class probabilities and for FID
 * (Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium",
 * NeurIPS 2017) on its 500-unit penultimate layer. Inception-v3 would need weights from outside and
 * means little on 28x28 grey images, so the scores use a classifier trained on the dataset itself:
 * values compare runs scored by the same classifier, not numbers published with Inception-v3.
 *
 * <p>Training is the costly part, so {@link #loadOrTrain} keeps the result in
 * {@code <cacheDir>/classifier-<dataset>-seed<seed>/}: the model zip, {@code classifier.json} (what
 * was trained and how well it does) and the feature statistics of the real test split, FID's
 * reference. The folder is written under a temporary name and renamed once complete; a finished
 * folder is never overwritten, and when two writers race the first rename wins and the other loads it.
 *
 * <p>Rows are images in H×W×C order (channel last, row-major) scaled to [-1, 1]. Inference methods are
 * synchronized: a DL4J network is not safe for concurrent use.
 */
public final class EvaluationClassifier implements Evaluator {
    /**
     * Epochs when the caller has no reason to choose, with local[2] (2 workers): MNIST (target 99 %)
     * reached 99.14 % after 4 (91 s), Fashion-MNIST (target 90 %) 90.59 % after 4 (98 s). With a constant rate (no
     * cosine decay) MNIST reached 98.5–99.0 % after 4 and 98.9 % after 6, depending on how rows were
     * dealt to the workers (docs/benchmarks.md). An epoch takes about 20–30 s on 2 cores.
     */
    public static final int DEFAULT_EPOCHS = 4;
    /** Names the network layout in classifier.json, so a cache built for another layout is not reused. */
    public static final String ARCHITECTURE = "lenet-c5x20-p2-c5x50-p2-d500-softmax";
    public static final String CLASSIFIER_SCORE = "classifier_score";
    public static final String FID = "fid";

    static final String MODEL_FILE = "model.zip";
    static final String INFO_FILE = "classifier.json";
    static final String STATS_FILE = "reference-stats.bin";
    static final int BATCH_SIZE = 64;
    static final int AVERAGING_FREQUENCY = 5;
    static final double LEARNING_RATE = 1e-3;
    static final int FEATURES = 500;
    /** Index of the 500-unit dense layer: conv, pool, conv, pool, dense, output. */
    private static final int FEATURE_LAYER = 4;
    private static final int INFERENCE_BATCH = 1000;
    /** Two 5x5 valid convolutions, each followed by 2x2 pooling, need at least 16 pixels a side. */
    static final int MIN_SIDE = 16;
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            // A newer sparkgan may add fields; an older one still reads the ones it knows.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What classifier.json records. */
    public record Info(String dataset, long seed, String architecture, int epochs, int classes,
                       int height, int width, int channels, double testAccuracy, double trainingSeconds,
                       long trainExamples, long testExamples, int workers, int batchSizePerWorker,
                       int averagingFrequency, double learningRate, String created) {}

    private final MultiLayerNetwork net;
    private final Info info;
    private final Fid.FeatureStats reference;
    private final String location;
    /** FID's fixed side, eigendecomposed on first use and then reused by every score. */
    private Fid.Reference referenceFid;

    private EvaluationClassifier(MultiLayerNetwork net, Info info, Fid.FeatureStats reference, String location) {
        this.net = net;
        this.info = info;
        this.reference = reference;
        this.location = location;
    }

    /**
     * Loads the classifier cached for ({@code datasetKey}, {@code seed}) under {@code cacheDir}, or
     * trains it on {@code train} by parameter averaging on {@code spark}'s cluster ({@link
     * #trainOnSpark}), measures it on {@code test}, and caches it.
     *
     * @param datasetKey names the dataset in the cache folder and the log (letters, digits, '.', '_', '-')
     * @param train rows with an ml.linalg vector {@code features} (height·width·channels values in [-1, 1]) and a {@code label} in 0..classes-1
     * @param test the real test split, same columns: test accuracy and FID's reference statistics
     * @param epochs passes over {@code train} ({@link #DEFAULT_EPOCHS} if unsure)
     * @param cacheDir a Hadoop URI or local path; the driver reads and writes it
     * @param log progress and the outcome, one line each (null for none)
     */
    public static EvaluationClassifier loadOrTrain(SparkSession spark, String datasetKey, Dataset<Row> train, Dataset<Row> test,
                                                   int classes, int height, int width, int channels, long seed, int epochs,
                                                   String cacheDir, PrintStream log) {
        PrintStream out = log == null ? new PrintStream(OutputStream.nullOutputStream()) : log;
        if (datasetKey == null || !KEY.matcher(datasetKey).matches()) {
            throw new IllegalArgumentException("dataset key '" + datasetKey + "' is invalid; expected letters, digits, '.', '_' or '-' (it names a folder)");
        }
        checkShape(classes, height, width, channels);
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs " + epochs + " is invalid; expected at least 1");
        }
        String what = "evaluation classifier for " + datasetKey + " (seed " + seed + ")";
        Info wanted = new Info(datasetKey, seed, ARCHITECTURE, epochs, classes, height, width, channels, Double.NaN, Double.NaN,
                0, 0, 0, BATCH_SIZE, AVERAGING_FREQUENCY, LEARNING_RATE, null);
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        try {
            Path root = new Path(cacheDir);
            FileSystem fs = root.getFileSystem(hadoop);
            fs.setWriteChecksum(false); // no .crc twin next to every cached file
            Path target = fs.makeQualified(new Path(root, folderName(datasetKey, seed)));
            if (fs.exists(target)) {
                EvaluationClassifier c = load(fs, target);
                c.requireSameSetup(wanted);
                out.printf(Locale.ROOT, "%s loaded from %s, test accuracy %.1f %%%n", what, target, 100 * c.testAccuracy());
                return c;
            }

            Samples testRows = collectLabelled(test, "test", classes, height * width * channels);
            long trainCount = checkTrainingFrame(train, classes, height * width * channels);
            int workers = JavaSparkContext.fromSparkContext(spark.sparkContext()).defaultParallelism();
            out.printf(Locale.ROOT, "%s: training on %d rows for %d epochs with %d Spark workers (parameter averaging every %d minibatches of %d)%n",
                    what, trainCount, epochs, workers, AVERAGING_FREQUENCY, BATCH_SIZE);
            long t0 = System.nanoTime();
            MultiLayerNetwork net = trainOnSpark(spark, train, classes, height, width, channels, seed, epochs, out, what);
            double seconds = (System.nanoTime() - t0) / 1e9;

            EvaluationClassifier fresh = new EvaluationClassifier(net, wanted, null, target.toString());
            Measured m = fresh.measure(testRows);
            Info info = new Info(datasetKey, seed, ARCHITECTURE, epochs, classes, height, width, channels, m.accuracy, seconds,
                    trainCount, testRows.size(), workers, BATCH_SIZE, AVERAGING_FREQUENCY, LEARNING_RATE, Instant.now().toString());
            EvaluationClassifier trained = new EvaluationClassifier(net, info, m.stats, target.toString());

            // A writer killed mid-write left its folder behind (see TempNames); this one clears it.
            TempNames.clearAbandoned(fs, target.getParent(), Pattern.quote(target.getName()));
            Path tmp = new Path(target.getParent(), TempNames.of(target.getName(), "tmp"));
            try {
                trained.writeTo(fs, tmp);
            } catch (IOException | RuntimeException e) {
                fs.delete(tmp, true);
                throw e;
            }
            if (publish(fs, tmp, target)) {
                out.printf(Locale.ROOT, "%s trained in %.0f s, test accuracy %.1f %%, cached at %s%n", what, seconds, 100 * m.accuracy, target);
                return trained;
            }
            EvaluationClassifier other = load(fs, target);
            other.requireSameSetup(wanted);
            out.printf(Locale.ROOT, "%s trained in %.0f s, but another writer cached one first: loaded from %s, test accuracy %.1f %%%n",
                    what, seconds, target, 100 * other.testAccuracy());
            return other;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the evaluation-classifier cache " + cacheDir + ": " + e.getMessage(), e);
        }
    }

    /** Loads a cached classifier folder (as written by {@link #loadOrTrain}), on any Hadoop file system. */
    public static EvaluationClassifier load(String folder) {
        try {
            Path p = new Path(folder);
            FileSystem fs = p.getFileSystem(new Configuration());
            return load(fs, fs.makeQualified(p));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read evaluation classifier " + folder + ": " + e.getMessage(), e);
        }
    }

    public double testAccuracy() {
        return info.testAccuracy();
    }

    /** The DL4J network itself, for tests that check the fast path's inference against DL4J's. */
    MultiLayerNetwork network() {
        return net;
    }

    public Info info() {
        return info;
    }

    /** The cache folder this classifier lives in. */
    public String location() {
        return location;
    }

    /** Feature statistics of the real test split: FID's reference. */
    public Fid.FeatureStats referenceStats() {
        return reference;
    }

    /** Class probabilities ([n][classes]) of images given as rows ([n][height·width·channels]). */
    public float[][] probabilities(float[][] rows) {
        return probabilities(toInput(rows)).toFloatMatrix();
    }

    /** Class probabilities ([n, classes]) of images given as an [n, height·width·channels] array. */
    public synchronized INDArray probabilities(INDArray rows) {
        if (rows.rows() == 0) {
            return Nd4j.create(DataType.FLOAT, 0, info.classes());
        }
        List<INDArray> parts = new ArrayList<>();
        forEachBatch(rows, (features, probabilities, from) -> parts.add(probabilities));
        return Nd4j.vstack(parts);
    }

    /** The 500 penultimate-layer activations ([n][500], inference mode) of images given as rows. */
    public float[][] features(float[][] rows) {
        return features(toInput(rows)).toFloatMatrix();
    }

    /** The 500 penultimate-layer activations ([n, 500]) of an [n, height·width·channels] array. */
    public synchronized INDArray features(INDArray rows) {
        if (rows.rows() == 0) {
            return Nd4j.create(DataType.FLOAT, 0, FEATURES);
        }
        List<INDArray> parts = new ArrayList<>();
        forEachBatch(rows, (features, probabilities, from) -> parts.add(features));
        return Nd4j.vstack(parts);
    }

    /** Feature statistics of images given as rows (at least 2), without holding all features at once. */
    public synchronized Fid.FeatureStats featureStats(float[][] rows) {
        Fid.Accumulator acc = new Fid.Accumulator(FEATURES);
        forEachBatch(toInput(rows), (features, probabilities, from) -> acc.add(features.toFloatMatrix()));
        return acc.stats();
    }

    /** Classifier score (one split) and FID against the test split of {@code generated} images (at least 2 rows). */
    public ImageScores score(float[][] generated) {
        return score(toInput(generated));
    }

    /** As {@link #score(float[][])}, for an [n, height·width·channels] array. */
    public synchronized ImageScores score(INDArray generated) {
        Fid.Accumulator acc = new Fid.Accumulator(FEATURES);
        float[][] probs = new float[(int) generated.rows()][];
        forEachBatch(generated, (features, probabilities, from) -> {
            acc.add(features.toFloatMatrix());
            float[][] p = probabilities.toFloatMatrix();
            System.arraycopy(p, 0, probs, from, p.length);
        });
        if (referenceFid == null) {
            referenceFid = new Fid.Reference(reference);
        }
        return new ImageScores(ClassifierScore.score(probs), referenceFid.distanceTo(acc.stats()));
    }

    @Override
    public List<String> metricNames() {
        return List.of(CLASSIFIER_SCORE, FID);
    }

    @Override
    public Map<String, Double> evaluate(INDArray samples) {
        ImageScores s = score(samples);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(CLASSIFIER_SCORE, s.classifierScore());
        m.put(FID, s.fid());
        return m;
    }

    // ---------------------------------------------------------------- network

    public static MultiLayerNetwork network(int classes, int height, int width, int channels, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU)
                .updater(new Adam(LEARNING_RATE))
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(FEATURES).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                // DL4J reshapes flat rows as C×H×W; rows are reordered from H×W×C before they get here.
                .setInputType(InputType.convolutionalFlat(height, width, channels))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** One labelled image, already in the C×H×W order DL4J's flat-CNN input expects. */
    record Example(float[] chw, int label) implements Serializable {}

    /** What every worker starts an averaging round from: the averaged parameters, Adam's moments and the step count. */
    record RoundStart(float[] params, float[] updaterState, int iteration, long totalSteps) implements Serializable {}

    /** What a worker returns from a round: its parameters and moments after its minibatches, and their summed loss. */
    record RoundResult(float[] params, float[] updaterState, int steps, double lossSum) implements Serializable {}

    /** Each executor thread's network of a given shape, reused across rounds (its values are overwritten each round). */
    private static final ThreadLocal<Map<String, MultiLayerNetwork>> WORKER_NETS = ThreadLocal.withInitial(HashMap::new);

    /**
     * Data-parallel training by parameter averaging (McDonald, Hall and Mann, NAACL 2010; the scheme
     * of DL4J's {@code ParameterAveragingTrainingMaster}): one balanced partition per Spark worker,
     * rows dealt afresh to the workers each epoch, and rounds in which every worker starts from the
     * averaged parameters and Adam moments, takes {@link #AVERAGING_FREQUENCY} steps on its own
     * minibatches, and returns both for the driver to average. The rate follows a cosine from
     * {@link #LEARNING_RATE} to 0 over the planned steps (Loshchilov and Hutter, SGDR, ICLR 2017):
     * without it MNIST stayed at 98.5–99.0 % after 4 epochs. Deterministic for a seed and worker
     * count: the deal depends on each row's content, not on the order Spark delivers rows in.
     *
     * <p>Why not {@code SparkDl4jMultiLayer}: it trains through {@code MultiLayerNetwork.fit}, DL4J's
     * own layers, whose convolutions took 216 ms per step of 64 images here against 26–30 ms on the
     * fast path ({@link ClassifierStep}; docs/benchmarks.md). The averaging itself is the same.
     */
    static MultiLayerNetwork trainOnSpark(SparkSession spark, Dataset<Row> train, int classes, int height, int width,
                                          int channels, long seed, int epochs, PrintStream out, String what) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int workers = sc.defaultParallelism();
        // One balanced partition per worker (the repartition deals rows round-robin), so every round
        // takes the same number of minibatches from each.
        JavaRDD<Example> examples = train.select(col(VectorFrames.FEATURES), col(VectorFrames.LABEL).cast(DataTypes.DoubleType))
                .javaRDD()
                .map(r -> example(r, classes, height, width, channels))
                .repartition(workers)
                .persist(StorageLevel.MEMORY_AND_DISK());
        MultiLayerNetwork net = Backprop.prepare(network(classes, height, width, channels, seed));
        // The rate follows a cosine from LEARNING_RATE to 0 over the planned steps of one worker.
        long rows = examples.count();
        long totalSteps = (long) epochs * ((rows + (long) workers * BATCH_SIZE - 1) / ((long) workers * BATCH_SIZE) + 1);
        try {
            int iteration = 0;
            for (int e = 0; e < epochs; e++) {
                long t0 = System.nanoTime();
                long epochSeed = seed * 0x9E3779B97F4A7C15L + e;
                // Fresh minibatches each epoch: every row gets a pseudo-random key from the epoch's seed and
                // its own content, which deals it to a worker and orders it there, so the minibatches do
                // not depend on the order in which Spark delivers rows. Deserialized, since every round
                // walks the partition to its own slice.
                JavaRDD<DataSet> batches = examples
                        .mapToPair(ex -> new scala.Tuple2<>(dealKey(epochSeed, ex), ex))
                        .repartitionAndSortWithinPartitions(new org.apache.spark.HashPartitioner(workers))
                        .values()
                        .mapPartitions(it -> minibatches(it, classes), true)
                        .persist(StorageLevel.MEMORY_ONLY());
                long most = batches.mapPartitions(it -> {
                    long n = 0;
                    for (; it.hasNext(); it.next()) {
                        n++;
                    }
                    return List.of(n).iterator();
                }).collect().stream().mapToLong(Long::longValue).max().orElse(0);
                int rounds = (int) ((most + AVERAGING_FREQUENCY - 1) / AVERAGING_FREQUENCY);
                double lossSum = 0;
                long steps = 0;
                for (int r = 0; r < rounds; r++) {
                    Broadcast<RoundStart> start = sc.broadcast(new RoundStart(net.params().toFloatVector(),
                            net.getUpdater().getStateViewArray().toFloatVector(), iteration, totalSteps));
                    int round = r;
                    List<RoundResult> results = batches.mapPartitions(it -> workerRound(it, round, start.value(), classes, height, width, channels, seed)).collect();
                    start.destroy();
                    if (results.isEmpty()) {
                        continue;
                    }
                    average(net, results);
                    int roundSteps = 0;
                    for (RoundResult res : results) {
                        lossSum += res.lossSum();
                        steps += res.steps();
                        roundSteps = Math.max(roundSteps, res.steps());
                    }
                    iteration += roundSteps;
                }
                batches.unpersist(false);
                net.getLayerWiseConfigurations().setIterationCount(iteration);
                out.printf(Locale.ROOT, "%s: epoch %d/%d in %.1f s, training loss %.4f%n",
                        what, e + 1, epochs, (System.nanoTime() - t0) / 1e9, steps == 0 ? Double.NaN : lossSum / steps);
            }
            return net;
        } finally {
            examples.unpersist(false);
        }
    }

    /** One worker's round: minibatches [round·F, (round+1)·F) of its partition, from the broadcast start. */
    private static Iterator<RoundResult> workerRound(Iterator<DataSet> it, int round, RoundStart start, int classes, int height, int width,
                                                     int channels, long seed) {
        long skip = (long) round * AVERAGING_FREQUENCY;
        for (long i = 0; i < skip && it.hasNext(); i++) {
            it.next();
        }
        if (!it.hasNext()) {
            return Collections.emptyIterator();
        }
        MultiLayerNetwork net = WORKER_NETS.get().computeIfAbsent(classes + "x" + height + "x" + width + "x" + channels,
                k -> Backprop.prepare(network(classes, height, width, channels, seed)));
        INDArray params = net.params();
        params.assign(Nd4j.createFromArray(start.params()).reshape(params.shape()));
        INDArray state = net.getUpdater().getStateViewArray();
        state.assign(Nd4j.createFromArray(start.updaterState()).reshape(state.shape()));
        net.getLayerWiseConfigurations().setIterationCount(start.iteration());
        LearningRateDecay decay = new LearningRateDecay("cosine", LEARNING_RATE, start.totalSteps());
        double lossSum = 0;
        int steps = 0;
        for (; steps < AVERAGING_FREQUENCY && it.hasNext(); steps++) {
            DataSet d = it.next();
            lossSum += IterationScope.run("classifier-training", () -> ClassifierStep.step(net, d.getFeatures(), d.getLabels(), decay));
        }
        return List.of(new RoundResult(params.toFloatVector(), state.toFloatVector(), steps, lossSum)).iterator();
    }

    /** The plain mean of the workers' parameters and Adam moments, into {@code net}. */
    private static void average(MultiLayerNetwork net, List<RoundResult> results) {
        INDArray params = net.params();
        INDArray state = net.getUpdater().getStateViewArray();
        float[] p = new float[(int) params.length()];
        float[] s = new float[(int) state.length()];
        for (RoundResult r : results) {
            for (int i = 0; i < p.length; i++) {
                p[i] += r.params()[i];
            }
            for (int i = 0; i < s.length; i++) {
                s[i] += r.updaterState()[i];
            }
        }
        float n = results.size();
        for (int i = 0; i < p.length; i++) {
            p[i] /= n;
        }
        for (int i = 0; i < s.length; i++) {
            s[i] /= n;
        }
        params.assign(Nd4j.createFromArray(p).reshape(params.shape()));
        state.assign(Nd4j.createFromArray(s).reshape(state.shape()));
    }

    private static Example example(Row r, int classes, int height, int width, int channels) {
        Vector v = r.getAs(0);
        int dim = height * width * channels;
        if (v.size() != dim) {
            throw new IllegalArgumentException("a training row has dimension " + v.size() + "; expected " + dim
                    + " (" + height + "x" + width + "x" + channels + ")");
        }
        if (r.isNullAt(1)) {
            throw new IllegalArgumentException("a training row has no label; expected 0 to " + (classes - 1));
        }
        double label = r.getDouble(1);
        if (label != Math.rint(label) || label < 0 || label >= classes) {
            throw new IllegalArgumentException("label " + label + " is invalid; expected an integer 0 to " + (classes - 1));
        }
        float[] hwc = new float[dim];
        for (int j = 0; j < dim; j++) {
            hwc[j] = (float) v.apply(j);
        }
        return new Example(toChw(hwc, height, width, channels), (int) label);
    }

    /** A row's place in an epoch: SplitMix64 of the epoch seed and the row's pixels and label (identical rows tie harmlessly). */
    static long dealKey(long epochSeed, Example ex) {
        long z = epochSeed ^ (Arrays.hashCode(ex.chw()) * 0x9E3779B97F4A7C15L) ^ ((long) ex.label() << 32);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Minibatches of {@link #BATCH_SIZE} in the iterator's order. */
    private static Iterator<DataSet> minibatches(Iterator<Example> it, int classes) {
        List<Example> all = new ArrayList<>();
        it.forEachRemaining(all::add);
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from < all.size(); from += BATCH_SIZE) {
            int n = Math.min(BATCH_SIZE, all.size() - from);
            float[][] x = new float[n][];
            float[][] y = new float[n][classes];
            for (int i = 0; i < n; i++) {
                Example ex = all.get(from + i);
                x[i] = ex.chw();
                y[i][ex.label()] = 1;
            }
            out.add(new DataSet(Nd4j.create(x), Nd4j.create(y)));
        }
        return out.iterator();
    }

    /** Reorders one H×W×C (channel-last) row into C×H×W; a single channel needs no copy. */
    static float[] toChw(float[] hwc, int height, int width, int channels) {
        if (channels == 1) {
            return hwc;
        }
        float[] chw = new float[hwc.length];
        int plane = height * width;
        for (int p = 0; p < plane; p++) {
            for (int ch = 0; ch < channels; ch++) {
                chw[ch * plane + p] = hwc[p * channels + ch];
            }
        }
        return chw;
    }

    /** As {@link #toChw(float[], int, int, int)} for every row of an [n, height·width·channels] array. */
    static INDArray toChw(INDArray hwcRows, int height, int width, int channels) {
        if (channels == 1) {
            return hwcRows;
        }
        long n = hwcRows.rows();
        return hwcRows.reshape('c', n, height, width, channels).permute(0, 3, 1, 2).dup('c')
                .reshape('c', n, (long) channels * height * width);
    }

    // ---------------------------------------------------------------- inference

    private record Measured(double accuracy, Fid.FeatureStats stats) {}

    /** Test accuracy and reference feature statistics in one pass over the test split. */
    private synchronized Measured measure(Samples test) {
        Fid.Accumulator acc = new Fid.Accumulator(FEATURES);
        int[] correct = {0};
        int[] labels = test.labels();
        forEachBatch(toInput(test.features()), (features, probabilities, from) -> {
            acc.add(features.toFloatMatrix());
            INDArray predicted = probabilities.argMax(1);
            for (int i = 0; i < predicted.length(); i++) {
                if (predicted.getInt(i) == labels[from + i]) {
                    correct[0]++;
                }
            }
        });
        return new Measured((double) correct[0] / test.size(), acc.stats());
    }

    @FunctionalInterface
    private interface BatchConsumer {
        /** The batch's 500 penultimate features and its class probabilities, both [rows, ...], outside any workspace. */
        void accept(INDArray features, INDArray probabilities, int from);
    }

    /**
     * Runs the network over {@code rows} (H×W×C order) in batches of {@value #INFERENCE_BATCH}, on the
     * fast path of {@link Backprop}: its forward pass is the training-mode one, which for this
     * network (no dropout, no batch normalisation) is the inference pass, several times faster than
     * DL4J's {@code feedForward} here (docs/benchmarks.md). Each batch runs in its own workspace;
     * the two arrays the consumer gets are copied out of it.
     */
    private void forEachBatch(INDArray rows, BatchConsumer consumer) {
        int dim = info.height() * info.width() * info.channels();
        if (rows.rank() != 2 || rows.columns() != dim) {
            throw new IllegalArgumentException("images have shape " + Arrays.toString(rows.shape()) + "; expected [n, " + dim + "] ("
                    + info.height() + "x" + info.width() + "x" + info.channels() + " rows)");
        }
        long n = rows.rows();
        for (long from = 0; from < n; from += INFERENCE_BATCH) {
            long start = from;
            long to = Math.min(n, from + INFERENCE_BATCH);
            INDArray[] out = IterationScope.run("classifier-inference", () -> {
                INDArray batch = rows.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, to),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()).castTo(DataType.FLOAT);
                Backprop.Forward f = Backprop.forward(net, toChw(batch, info.height(), info.width(), info.channels()));
                return new INDArray[] {f.layerOutput(FEATURE_LAYER).detach(), f.output().detach()};
            });
            consumer.accept(out[0], out[1], (int) from);
        }
    }

    private INDArray toInput(float[][] rows) {
        int dim = info.height() * info.width() * info.channels();
        if (rows.length == 0) {
            return Nd4j.create(DataType.FLOAT, 0, dim);
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != dim) {
                throw new IllegalArgumentException("image row " + i + " has dimension " + rows[i].length + "; expected " + dim
                        + " (" + info.height() + "x" + info.width() + "x" + info.channels() + ")");
            }
        }
        return Nd4j.create(rows);
    }

    // ---------------------------------------------------------------- validation

    private static void checkShape(int classes, int height, int width, int channels) {
        if (classes < 2) {
            throw new IllegalArgumentException("classes " + classes + " is invalid; expected at least 2");
        }
        if (height < MIN_SIDE || width < MIN_SIDE || channels < 1) {
            throw new IllegalArgumentException("image shape " + height + "x" + width + "x" + channels
                    + " is too small for the LeNet classifier; expected at least " + MIN_SIDE + "x" + MIN_SIDE + "x1");
        }
    }

    private static Samples collectLabelled(Dataset<Row> frame, String which, int classes, int dim) {
        requireLabel(frame, which);
        Samples s = VectorFrames.collect(frame);
        if (s.dimension() != dim) {
            throw new IllegalArgumentException("the " + which + " rows have dimension " + s.dimension() + "; expected " + dim);
        }
        if (s.size() < 2) {
            throw new IllegalArgumentException("the " + which + " split has " + s.size() + " row; expected at least 2");
        }
        for (int i = 0; i < s.size(); i++) {
            int y = s.labels()[i];
            if (y < 0 || y >= classes) {
                throw new IllegalArgumentException("the " + which + " split has label " + y + " (row " + i + "); expected 0 to " + (classes - 1));
            }
        }
        return s;
    }

    /** Checks what can be checked before any training: columns, the first row's dimension, the label range. */
    private static long checkTrainingFrame(Dataset<Row> train, int classes, int dim) {
        requireLabel(train, "training");
        Row r = train.agg(count(col(VectorFrames.LABEL)), min(col(VectorFrames.LABEL)), max(col(VectorFrames.LABEL))).first();
        long n = r.getLong(0);
        if (n == 0) {
            throw new IllegalArgumentException("the training data has no labelled rows; expected at least one");
        }
        double lo = ((Number) r.get(1)).doubleValue();
        double hi = ((Number) r.get(2)).doubleValue();
        if (lo < 0 || hi >= classes) {
            throw new IllegalArgumentException("the training labels range from " + lo + " to " + hi + "; expected 0 to " + (classes - 1));
        }
        Vector first = train.select(VectorFrames.FEATURES).first().getAs(0);
        if (first.size() != dim) {
            throw new IllegalArgumentException("the training rows have dimension " + first.size() + "; expected " + dim);
        }
        return n;
    }

    private static void requireLabel(Dataset<Row> frame, String which) {
        VectorFrames.validateSchema(frame.schema());
        if (!Arrays.asList(frame.schema().fieldNames()).contains(VectorFrames.LABEL)) {
            throw new IllegalArgumentException("the " + which + " data has no '" + VectorFrames.LABEL
                    + "' column; expected class labels 0..classes-1 (columns: " + String.join(", ", frame.schema().fieldNames()) + ")");
        }
    }

    private void requireSameSetup(Info wanted) {
        String have = setup(info);
        String want = setup(wanted);
        if (!have.equals(want)) {
            throw new IllegalArgumentException("the cached evaluation classifier " + location + " was trained with " + have
                    + ", not " + want + "; delete the folder or use another cache dir");
        }
    }

    private static String setup(Info i) {
        return i.architecture() + ", " + i.classes() + " classes, " + i.height() + "x" + i.width() + "x" + i.channels()
                + ", " + i.epochs() + " epochs";
    }

    // ---------------------------------------------------------------- cache folder

    public static String folderName(String datasetKey, long seed) {
        return "classifier-" + datasetKey + "-seed" + seed;
    }

    /** Writes the three files into {@code dir}; classifier.json last, though only the rename makes the folder visible. */
    private void writeTo(FileSystem fs, Path dir) throws IOException {
        if (!fs.mkdirs(dir)) {
            throw new IOException("cannot create " + dir);
        }
        try (FSDataOutputStream o = fs.create(new Path(dir, MODEL_FILE), false)) {
            ModelSerializer.writeModel(net, o, false);
        }
        try (FSDataOutputStream o = fs.create(new Path(dir, STATS_FILE), false)) {
            reference.write(o);
        }
        try (FSDataOutputStream o = fs.create(new Path(dir, INFO_FILE), false)) {
            o.write(JSON.writeValueAsBytes(info));
        }
    }

    /**
     * Renames the complete folder {@code tmp} to {@code target} unless a finished one is already
     * there; returns whether {@code tmp} became the cache. Hadoop's local file system (and HDFS)
     * move a folder <em>into</em> an existing target rather than failing, so a writer that lost the
     * race between the check and the rename finds its folder nested inside the winner's and removes it.
     */
    static boolean publish(FileSystem fs, Path tmp, Path target) throws IOException {
        if (!fs.exists(target) && fs.rename(tmp, target)) {
            Path nested = new Path(target, tmp.getName());
            if (fs.exists(nested)) {
                fs.delete(nested, true);
                return false;
            }
            return true;
        }
        fs.delete(tmp, true);
        if (!fs.exists(target)) {
            throw new IOException("rename " + tmp + " -> " + target + " failed");
        }
        return false;
    }

    private static EvaluationClassifier load(FileSystem fs, Path dir) throws IOException {
        for (String f : List.of(INFO_FILE, STATS_FILE, MODEL_FILE)) {
            if (!fs.exists(new Path(dir, f))) {
                throw new IllegalArgumentException("the evaluation-classifier cache " + dir + " has no " + f
                        + "; expected a folder written by loadOrTrain (delete it to retrain)");
            }
        }
        try {
            Info info;
            try (InputStream in = fs.open(new Path(dir, INFO_FILE))) {
                info = JSON.readValue(in, Info.class);
            }
            Fid.FeatureStats stats;
            try (InputStream in = fs.open(new Path(dir, STATS_FILE))) {
                stats = Fid.FeatureStats.read(in);
            }
            MultiLayerNetwork net;
            Path model = new Path(dir, MODEL_FILE);
            // Our reader, not DL4J's: a cached model never gets to deserialize Java objects or load classes (ModelParts).
            try (InputStream in = fs.open(model)) {
                net = ModelParts.readNetwork(in.readAllBytes(), false, model.toString());
            }
            return new EvaluationClassifier(net, info, stats, dir.toString());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the evaluation-classifier cache " + dir + " is unreadable (" + e.getMessage()
                    + "); expected a folder written by loadOrTrain (delete it to retrain)", e);
        }
    }
}
