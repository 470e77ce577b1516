package io.sparkgan.spark.ml;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.objective.SemiSupervisedClassifier;
import io.sparkgan.spark.StrategyConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The classifier of a semi-supervised run ({@link SemiSupervisedClassifier}: Salimans et al. 2016,
 * §5) as a Spark ML Transformer: each row's {@code features} vector gains a {@code prediction} (the
 * most probable class, as a double, like Spark's classifiers) and a {@code probability} vector
 * p(y | x). Under MD-GAN the probabilities are the average over every worker's discriminator.
 * Obtained from {@link GanModel#classifier()}, saved and loaded with its {@link GanModel}.
 */
public final class GanClassifier extends Model<GanClassifier> {
    private static final long serialVersionUID = 1L;
    public static final String PREDICTION = "prediction";
    public static final String PROBABILITY = "probability";

    private final String uid;
    /** The discriminators as checkpoint parts ({@link #parts}): network zips and their extra state. */
    private final java.util.Map<String, byte[]> discriminators;
    private final StrategyConfig config;

    GanClassifier(String uid, java.util.Map<String, byte[]> discriminators, StrategyConfig config) {
        this.uid = uid;
        this.discriminators = discriminators;
        this.config = config;
    }

    /** Part name of member {@code i}. */
    static String member(int i) {
        return "discriminator-" + i;
    }

    /**
     * Members {@code nets} as parts, each network's zip with its extra state beside it (spectral
     * normalisation's vectors, say), written now: what {@link GanModel} saves.
     */
    static java.util.LinkedHashMap<String, byte[]> parts(List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> nets) {
        java.util.Map<String, io.sparkgan.core.checkpoint.CheckpointStore.PartWriter> writers = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nets.size(); i++) {
            ModelParts.putNetwork(writers, member(i), nets.get(i));
        }
        java.util.LinkedHashMap<String, byte[]> out = new java.util.LinkedHashMap<>();
        writers.forEach((name, w) -> out.put(name, w.toBytes()));
        return out;
    }

    /** The classifier itself, for use on the driver. */
    public SemiSupervisedClassifier local() {
        return build(discriminators, config);
    }

    static SemiSupervisedClassifier build(java.util.Map<String, byte[]> parts, StrategyConfig config) {
        List<Discriminator> ds = new ArrayList<>();
        io.sparkgan.core.objective.Objective objective = Gan.objective(config);
        for (int i = 0; parts.containsKey(member(i)); i++) {
            // Set up as the run's (spectral normalisation attached) with the saved extra state restored.
            ds.add(new Discriminator(Gan.readDiscriminator(config, parts, member(i)), objective));
        }
        return new SemiSupervisedClassifier(ds);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return FeatureColumns.schema(schema, new StructField(PREDICTION, DataTypes.DoubleType, false, Metadata.empty()),
                new StructField(PROBABILITY, SQLDataTypes.VectorType(), false, Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        Broadcast<java.util.Map<String, byte[]>> zips = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()).broadcast(discriminators);
        StrategyConfig c = config;
        return FeatureColumns.append(dataset, out, x -> {
            double[][] p = build(zips.value(), c).probabilities(x).toDoubleMatrix();
            Object[][] values = new Object[p.length][];
            for (int i = 0; i < p.length; i++) {
                int best = 0;
                for (int k = 1; k < p[i].length; k++) {
                    best = p[i][k] > p[i][best] ? k : best;
                }
                values[i] = new Object[] {(double) best, Vectors.dense(p[i])};
            }
            return values;
        });
    }

    @Override
    public GanClassifier copy(ParamMap extra) {
        return copyValues(new GanClassifier(uid, discriminators, config), extra).setParent(parent());
    }

    @Override
    public String uid() {
        return uid;
    }
}
