package io.sparkgan.spark.ml;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.data.VectorFrames;
import io.sparkgan.spark.StrategyConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained generator as a Spark ML Transformer: each row's {@code seed} (an integer column) becomes
 * a latent code z ~ N(0, I) drawn from that seed, and the output gains a {@code features} vector
 * column holding G(z). The same seed always gives the same sample. Saves and loads with its
 * configuration and training summary ({@code model.write().save(path)}, {@link #load}), through the
 * Hadoop FileSystem, refusing to overwrite unless asked.
 */
public final class GanModel extends Model<GanModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    public static final String SEED = "seed";
    /** The folder of a saved model holding a semi-supervised run's classifier. */
    static final String CLASSIFIER = "classifier";
    /** The file of a saved model holding an adversarial autoencoder's encoder. */
    static final String ENCODER = io.sparkgan.core.aae.AdversarialAutoencoder.ENCODER_PART;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The file beside the model zip holding the generator's sampling state, when it has any. */
    static final String SAMPLING_STATE = ModelParts.extrasPart(ModelParts.GENERATOR);

    private final String uid;
    private final byte[] generatorBytes;
    /** {@link Generator#samplingState} (virtual batch normalisation's reference batch) in ModelParts' arrays format; null for none. */
    private final byte[] samplingBytes;
    private final StrategyConfig config;
    private final Summary summary;
    /** A semi-supervised run's classifier as parts ({@link GanClassifier#parts}); empty otherwise. */
    private final Map<String, byte[]> classifierParts;
    /** An adversarial autoencoder's encoder as a network zip; null otherwise. */
    private final byte[] encoderBytes;

    GanModel(String uid, Generator generator, StrategyConfig config, Summary summary) {
        this(uid, generator, config, summary, List.of(), null);
    }

    /**
     * @param classifier a semi-supervised run's final discriminators (empty for any other run)
     * @param encoder an adversarial autoencoder's final encoder zip (null for any other run)
     */
    GanModel(String uid, Generator generator, StrategyConfig config, Summary summary, List<MultiLayerNetwork> classifier, byte[] encoder) {
        this(uid, serialise(generator.network()), serialise(generator.samplingState()), config, summary, GanClassifier.parts(classifier), encoder);
    }

    private GanModel(String uid, byte[] generatorBytes, byte[] samplingBytes, StrategyConfig config, Summary summary,
            Map<String, byte[]> classifierParts, byte[] encoderBytes) {
        this.uid = uid;
        this.generatorBytes = generatorBytes;
        this.samplingBytes = samplingBytes;
        this.config = config;
        this.summary = summary;
        this.classifierParts = classifierParts;
        this.encoderBytes = encoderBytes;
    }

    /** Whether this model holds an encoder (an adversarial autoencoder's). */
    public boolean hasEncoder() {
        return encoderBytes != null;
    }

    /**
     * The encoder an adversarial autoencoder's run trained, as a Spark ML Transformer adding a
     * {@code code} column; the model's generator is its decoder.
     *
     * @throws IllegalStateException for a model of a GAN
     */
    public GanEncoder encoder() {
        if (!hasEncoder()) {
            throw new IllegalStateException("this model is a GAN's (autoencoder " + config.get(io.sparkgan.core.aae.AdversarialAutoencoder.AUTOENCODER)
                    + "), which has no encoder; expected a run with --autoencoder gaussian, mixture or labelled-mixture");
        }
        return new GanEncoder(uid + "-encoder", encoderBytes);
    }

    /** Whether this model holds a classifier (a semi-supervised run's). */
    public boolean hasClassifier() {
        return !classifierParts.isEmpty();
    }

    /**
     * The classifier a semi-supervised run trained, as a Spark ML Transformer adding
     * {@code prediction} and {@code probability} columns.
     *
     * @throws IllegalStateException for a model of any other objective
     */
    public GanClassifier classifier() {
        if (!hasClassifier()) {
            throw new IllegalStateException("this model's objective is " + config.getObjective()
                    + ", which trains no classifier; expected objective semi-supervised");
        }
        return new GanClassifier(uid + "-classifier", classifierParts, config);
    }

    private static byte[] serialise(Map<String, INDArray> samplingState) {
        if (samplingState.isEmpty()) {
            return null;
        }
        Map<String, io.sparkgan.core.checkpoint.CheckpointStore.PartWriter> parts = new LinkedHashMap<>();
        ModelParts.putArrays(parts, SAMPLING_STATE, samplingState);
        return parts.get(SAMPLING_STATE).toBytes();
    }

    /** The sampling state in {@code bytes} (null: none), checked as any checkpoint part is. */
    private static Map<String, INDArray> samplingState(byte[] bytes) {
        return bytes == null ? Map.of() : ModelParts.arrays(Map.of(SAMPLING_STATE, bytes), SAMPLING_STATE);
    }

    private static byte[] serialise(MultiLayerNetwork net) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(net, bos, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    /** A fresh copy of the generator network, with its sampling state. */
    public Generator generator() {
        return Gan.exportedGenerator(config, readGenerator(generatorBytes), samplingState(samplingBytes));
    }

    /**
     * The generator from its DL4J model zip, through our reader: DL4J's own would deserialize a
     * {@code preprocessor.bin} entry with Java serialization and let the configuration name any
     * class ({@link ModelParts#readNetwork}). A saved model may come from anywhere.
     */
    private static MultiLayerNetwork readGenerator(byte[] zip) {
        return ModelParts.readNetwork(zip, false, ModelParts.GENERATOR);
    }

    public StrategyConfig config() {
        return config;
    }

    public Summary summary() {
        return summary;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!Arrays.asList(schema.fieldNames()).contains(SEED)) {
            throw new IllegalArgumentException("the input has no '" + SEED + "' column; expected an integer column of seeds (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        if (!(schema.apply(SEED).dataType() instanceof IntegralType)) {
            throw new IllegalArgumentException("column '" + SEED + "' has type " + schema.apply(SEED).dataType().simpleString() + "; expected an integer type");
        }
        if (Arrays.asList(schema.fieldNames()).contains(VectorFrames.FEATURES)) {
            throw new IllegalArgumentException("the input already has a '" + VectorFrames.FEATURES + "' column");
        }
        return schema.add(new StructField(VectorFrames.FEATURES, SQLDataTypes.VectorType(), false, org.apache.spark.sql.types.Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        Broadcast<byte[]> g = sc.broadcast(generatorBytes);
        byte[] sampling = samplingBytes;
        GanConfig cfg = config;
        int seedIndex = Arrays.asList(dataset.schema().fieldNames()).indexOf(SEED);
        org.apache.spark.api.java.JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(it -> {
            List<Row> in = new ArrayList<>();
            it.forEachRemaining(in::add);
            if (in.isEmpty()) {
                return in.iterator();
            }
            Generator gen = Gan.exportedGenerator(cfg, readGenerator(g.value()), samplingState(sampling));
            // Each row's input (code, and class for a conditional generator) comes from its own seed.
            INDArray[] codes = new INDArray[in.size()];
            for (int i = 0; i < in.size(); i++) {
                codes[i] = gen.latent(GanRandom.stream(((Number) in.get(i).get(seedIndex)).longValue(), "sample", 0), 1);
            }
            INDArray z = org.nd4j.linalg.factory.Nd4j.vstack(codes);
            INDArray x = gen.sample(z);
            double[][] samples = x.toDoubleMatrix();
            List<Row> result = new ArrayList<>(in.size());
            for (int i = 0; i < in.size(); i++) {
                Object[] values = new Object[in.get(i).size() + 1];
                for (int c = 0; c < in.get(i).size(); c++) {
                    values[c] = in.get(i).get(c);
                }
                values[values.length - 1] = Vectors.dense(samples[i]);
                result.add(RowFactory.create(values));
            }
            return result.iterator();
        });
        return dataset.sparkSession().createDataFrame(rows, out);
    }

    /** {@code n} generated samples, with seeds derived from {@code seed}. */
    public Dataset<Row> generate(SparkSession spark, int n, long seed) {
        List<Row> seeds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            seeds.add(RowFactory.create(GanRandom.derive(seed, "generate", i)));
        }
        StructType schema = new StructType().add(SEED, DataTypes.LongType, false);
        return transform(spark.createDataFrame(seeds, schema).repartition(Math.max(1, Math.min(8, n / 1000))));
    }

    @Override
    public GanModel copy(ParamMap extra) {
        return copyValues(new GanModel(uid, generatorBytes, samplingBytes, config, summary, classifierParts, encoderBytes), extra).setParent(parent());
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<GanModel> read() {
        return new Reader();
    }

    public static GanModel load(String path) {
        return read().load(path);
    }

    private static final class Writer extends MLWriter {
        private final GanModel model;

        Writer(GanModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            try {
                Path dir = new Path(path);
                FileSystem fs = dir.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                fs.mkdirs(dir);
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("class", GanModel.class.getName());
                meta.put("uid", model.uid);
                meta.put("config", JSON.convertValue(model.config, Map.class));
                meta.put("summary", model.summary);
                meta.put("classifier", new ArrayList<>(model.classifierParts.keySet()));
                meta.put("encoder", model.encoderBytes != null);
                try (OutputStream out = fs.create(new Path(dir, "metadata.json"), true)) {
                    JSON.writerWithDefaultPrettyPrinter().writeValue(out, meta);
                }
                try (OutputStream out = fs.create(new Path(dir, io.sparkgan.core.checkpoint.ModelParts.GENERATOR), true)) {
                    out.write(model.generatorBytes);
                }
                Path sampling = new Path(dir, SAMPLING_STATE);
                if (model.samplingBytes != null) {
                    try (OutputStream out = fs.create(sampling, true)) {
                        out.write(model.samplingBytes);
                    }
                } else if (fs.exists(sampling)) {
                    fs.delete(sampling, false); // an overwritten model's, which this one does not have
                }
                Path encoder = new Path(dir, ENCODER);
                if (model.encoderBytes != null) {
                    try (OutputStream out = fs.create(encoder, true)) {
                        out.write(model.encoderBytes);
                    }
                } else if (fs.exists(encoder)) {
                    fs.delete(encoder, false); // an overwritten model's
                }
                Path classifier = new Path(dir, CLASSIFIER);
                if (fs.exists(classifier)) {
                    fs.delete(classifier, true); // an overwritten model's
                }
                for (Map.Entry<String, byte[]> e : model.classifierParts.entrySet()) {
                    try (OutputStream out = fs.create(new Path(classifier, e.getKey()), true)) {
                        out.write(e.getValue());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot save the model to " + path + ": " + e.getMessage(), e);
            }
        }
    }

    private static final class Reader extends MLReader<GanModel> {
        @Override
        public GanModel load(String path) {
            try {
                Path dir = new Path(path);
                FileSystem fs = dir.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                Map<?, ?> meta;
                try (InputStream in = fs.open(new Path(dir, "metadata.json"))) {
                    meta = JSON.readValue(in, Map.class);
                }
                if (!GanModel.class.getName().equals(meta.get("class"))) {
                    throw new IllegalArgumentException(path + " holds a " + meta.get("class") + ", not a " + GanModel.class.getName());
                }
                byte[] g;
                try (InputStream in = fs.open(new Path(dir, ModelParts.GENERATOR))) {
                    g = in.readAllBytes();
                }
                Path samplingPath = new Path(dir, SAMPLING_STATE);
                byte[] sampling = null;
                if (fs.exists(samplingPath)) {
                    try (InputStream in = fs.open(samplingPath)) {
                        sampling = in.readAllBytes();
                    }
                }
                StrategyConfig c = JSON.convertValue(meta.get("config"), StrategyConfig.class);
                Summary s = JSON.convertValue(meta.get("summary"), Summary.class);
                // Refuse a bad or unsafe generator (or one missing its reference batch) now, naming the folder, not later on an executor.
                Gan.exportedGenerator(c, readGenerator(g), samplingState(sampling));
                Map<String, byte[]> classifier = new LinkedHashMap<>();
                if (meta.get("classifier") instanceof List<?> names) {
                    for (Object name : names) {
                        try (InputStream in = fs.open(new Path(new Path(dir, CLASSIFIER), String.valueOf(name)))) {
                            classifier.put(String.valueOf(name), in.readAllBytes());
                        }
                    }
                }
                byte[] encoder = null;
                if (Boolean.TRUE.equals(meta.get("encoder"))) {
                    try (InputStream in = fs.open(new Path(dir, ENCODER))) {
                        encoder = in.readAllBytes();
                    }
                }
                GanModel model = new GanModel((String) meta.get("uid"), g, sampling, c, s, classifier, encoder);
                if (model.hasClassifier()) {
                    model.classifier().local(); // likewise for the classifier's networks
                }
                if (model.hasEncoder()) {
                    model.encoder().local(); // and the encoder's
                }
                return model;
            } catch (IllegalStateException e) {
                throw new IllegalStateException("cannot load a model from " + path + ": " + e.getMessage(), e);
            } catch (IOException | UncheckedIOException e) {
                throw new UncheckedIOException("cannot load a model from " + path + ": " + e.getMessage(),
                        e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
            }
        }
    }
}
