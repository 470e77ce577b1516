package io.sparkgan.spark.ml;

import io.sparkgan.core.checkpoint.ModelParts;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The encoder q(z|x) of an adversarial autoencoder's run (Makhzani et al. 2015) as a Spark ML
 * Transformer: each row's {@code features} vector gains a {@code code} vector, its latent code
 * (the encoder in inference mode). Under the labelled-mixture prior the codes of class k lie near
 * mixture component k, so the codes cluster the data by class; under MD-GAN the encoder is
 * autoencoder 0's, the one whose decoder the model exports. Obtained from
 * {@link GanModel#encoder()}, saved and loaded with its {@link GanModel}.
 */
public final class GanEncoder extends Model<GanEncoder> {
    private static final long serialVersionUID = 1L;
    public static final String CODE = "code";

    private final String uid;
    /** The encoder network's zip (ModelParts' network format). */
    private final byte[] encoder;

    GanEncoder(String uid, byte[] encoder) {
        this.uid = uid;
        this.encoder = encoder;
    }

    /** The encoder network itself, for use on the driver. */
    public MultiLayerNetwork local() {
        return network(encoder);
    }

    static MultiLayerNetwork network(byte[] zip) {
        return ModelParts.network(java.util.Map.of(io.sparkgan.core.aae.AdversarialAutoencoder.ENCODER_PART, zip),
                io.sparkgan.core.aae.AdversarialAutoencoder.ENCODER_PART);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return FeatureColumns.schema(schema, new StructField(CODE, SQLDataTypes.VectorType(), false, Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        Broadcast<byte[]> zip = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()).broadcast(encoder);
        return FeatureColumns.append(dataset, out, x -> {
            MultiLayerNetwork net = network(zip.value());
            double[][] z = net.output(x.castTo(net.params().dataType()), false).toDoubleMatrix();
            Object[][] values = new Object[z.length][];
            for (int i = 0; i < z.length; i++) {
                values[i] = new Object[] {Vectors.dense(z[i])};
            }
            return values;
        });
    }

    @Override
    public GanEncoder copy(ParamMap extra) {
        return copyValues(new GanEncoder(uid, encoder), extra).setParent(parent());
    }

    @Override
    public String uid() {
        return uid;
    }
}
