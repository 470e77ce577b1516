package io.sparkgan.spark.ml;

import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.data.VectorFrames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(VectorFrames.FEATURES)) {
            throw new IllegalArgumentException("the input has no '" + VectorFrames.FEATURES + "' column; expected a vector column of samples (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        if (names.contains(CODE)) {
            throw new IllegalArgumentException("the input already has a '" + CODE + "' column");
        }
        return schema.add(new StructField(CODE, SQLDataTypes.VectorType(), false, Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        Broadcast<byte[]> zip = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()).broadcast(encoder);
        int featuresIndex = Arrays.asList(dataset.schema().fieldNames()).indexOf(VectorFrames.FEATURES);
        org.apache.spark.api.java.JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(it -> {
            List<Row> in = new ArrayList<>();
            it.forEachRemaining(in::add);
            if (in.isEmpty()) {
                return in.iterator();
            }
            MultiLayerNetwork net = network(zip.value());
            int d = ((Vector) in.get(0).get(featuresIndex)).size();
            double[] flat = new double[in.size() * d];
            for (int i = 0; i < in.size(); i++) {
                System.arraycopy(((Vector) in.get(i).get(featuresIndex)).toArray(), 0, flat, i * d, d);
            }
            INDArray x = Nd4j.create(flat, new long[] {in.size(), d}, 'c').castTo(net.params().dataType());
            double[][] z = net.output(x, false).toDoubleMatrix();
            List<Row> result = new ArrayList<>(in.size());
            for (int i = 0; i < in.size(); i++) {
                Object[] values = new Object[in.get(i).size() + 1];
                for (int k = 0; k < in.get(i).size(); k++) {
                    values[k] = in.get(i).get(k);
                }
                values[values.length - 1] = Vectors.dense(z[i]);
                result.add(RowFactory.create(values));
            }
            return result.iterator();
        });
        return dataset.sparkSession().createDataFrame(rows, out);
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
