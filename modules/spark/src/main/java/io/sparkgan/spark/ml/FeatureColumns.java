package io.sparkgan.spark.ml;

import io.sparkgan.data.VectorFrames;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the model's transformers share ({@link GanClassifier}, {@link GanEncoder}): a network run
 * on each partition's {@code features} at once, as one matrix, and its results appended to every
 * row as new columns.
 */
final class FeatureColumns {
    private FeatureColumns() {}

    /**
     * {@code schema} with the {@code added} columns after its own, once it is known to have a
     * {@code features} column and none of the added names.
     *
     * @throws IllegalArgumentException naming the missing or clashing column
     */
    static StructType schema(StructType schema, org.apache.spark.sql.types.StructField... added) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(VectorFrames.FEATURES)) {
            throw new IllegalArgumentException("the input has no '" + VectorFrames.FEATURES + "' column; expected a vector column of samples (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        StructType out = schema;
        for (org.apache.spark.sql.types.StructField f : added) {
            if (names.contains(f.name())) {
                throw new IllegalArgumentException("the input already has a '" + f.name() + "' column");
            }
            out = out.add(f);
        }
        return out;
    }

    /** The new columns' values for a partition's samples [rows, features] in float32: one array of values per row. */
    interface Compute extends Serializable {
        Object[][] apply(INDArray x);
    }

    /** {@code dataset} with the columns {@code compute} gives appended; {@code out} is the resulting schema. */
    static Dataset<Row> append(Dataset<?> dataset, StructType out, Compute compute) {
        int featuresIndex = Arrays.asList(dataset.schema().fieldNames()).indexOf(VectorFrames.FEATURES);
        org.apache.spark.api.java.JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(it -> {
            List<Row> in = new ArrayList<>();
            it.forEachRemaining(in::add);
            if (in.isEmpty()) {
                return in.iterator();
            }
            int d = ((Vector) in.get(0).get(featuresIndex)).size();
            double[] flat = new double[in.size() * d];
            for (int i = 0; i < in.size(); i++) {
                System.arraycopy(((Vector) in.get(i).get(featuresIndex)).toArray(), 0, flat, i * d, d);
            }
            Object[][] extra = compute.apply(Nd4j.create(flat, new long[] {in.size(), d}, 'c').castTo(DataType.FLOAT));
            List<Row> result = new ArrayList<>(in.size());
            for (int i = 0; i < in.size(); i++) {
                Row r = in.get(i);
                Object[] values = new Object[r.size() + extra[i].length];
                for (int k = 0; k < r.size(); k++) {
                    values[k] = r.get(k);
                }
                System.arraycopy(extra[i], 0, values, r.size(), extra[i].length);
                result.add(RowFactory.create(values));
            }
            return result.iterator();
        });
        return dataset.sparkSession().createDataFrame(rows, out);
    }
}
