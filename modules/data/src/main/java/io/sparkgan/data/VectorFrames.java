package io.sparkgan.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Conversions between driver-side {@link Samples} and DataFrames in the MLlib convention: a
 * {@code features} column of {@code ml.linalg.Vector} and, where the data has classes, a
 * {@code label} column of doubles.
 */
public final class VectorFrames {
    public static final String FEATURES = "features";
    public static final String LABEL = "label";

    private VectorFrames() {}

    public static StructType schema(boolean labelled) {
        List<StructField> f = new ArrayList<>();
        f.add(new StructField(FEATURES, SQLDataTypes.VectorType(), false, Metadata.empty()));
        if (labelled) {
            f.add(new StructField(LABEL, DataTypes.DoubleType, false, Metadata.empty()));
        }
        return new StructType(f.toArray(new StructField[0]));
    }

    public static Dataset<Row> toFrame(SparkSession spark, Samples s) {
        List<Row> rows = new ArrayList<>(s.size());
        for (int i = 0; i < s.size(); i++) {
            double[] v = new double[s.dimension()];
            for (int j = 0; j < v.length; j++) {
                v[j] = s.features()[i][j];
            }
            rows.add(s.labels() == null
                    ? RowFactory.create(Vectors.dense(v))
                    : RowFactory.create(Vectors.dense(v), (double) s.labels()[i]));
        }
        return spark.createDataFrame(rows, schema(s.labels() != null));
    }

    /**
     * Checks that {@code frame} has a vector {@code features} column (and a numeric {@code label} if
     * present) before any data moves; the message names the bad column and what is expected.
     */
    public static void validateSchema(StructType schema) {
        if (!Arrays.asList(schema.fieldNames()).contains(FEATURES)) {
            throw new IllegalArgumentException("the data has no '" + FEATURES + "' column; expected a vector column named '"
                    + FEATURES + "' (columns: " + String.join(", ", schema.fieldNames()) + ")");
        }
        if (!schema.apply(FEATURES).dataType().equals(SQLDataTypes.VectorType())) {
            throw new IllegalArgumentException("column '" + FEATURES + "' has type " + schema.apply(FEATURES).dataType().simpleString()
                    + "; expected an ml.linalg vector");
        }
        if (Arrays.asList(schema.fieldNames()).contains(LABEL) && !(schema.apply(LABEL).dataType() instanceof org.apache.spark.sql.types.NumericType)) {
            throw new IllegalArgumentException("column '" + LABEL + "' has type " + schema.apply(LABEL).dataType().simpleString() + "; expected a number");
        }
    }

    /** Collects a vector frame to the driver (the standalone strategy trains on the union of shards). */
    public static Samples collect(Dataset<Row> frame) {
        validateSchema(frame.schema());
        boolean labelled = Arrays.asList(frame.schema().fieldNames()).contains(LABEL);
        List<Row> rows = labelled ? frame.select(FEATURES, LABEL).collectAsList() : frame.select(FEATURES).collectAsList();
        float[][] x = new float[rows.size()][];
        int[] y = labelled ? new int[rows.size()] : null;
        int dim = -1;
        for (int i = 0; i < x.length; i++) {
            Vector v = rows.get(i).getAs(0);
            if (dim < 0) {
                dim = v.size();
            } else if (v.size() != dim) {
                throw new IllegalArgumentException("row " + i + " has dimension " + v.size() + " but earlier rows have " + dim);
            }
            x[i] = new float[dim];
            for (int j = 0; j < dim; j++) {
                double d = v.apply(j);
                if (!Double.isFinite(d)) {
                    throw new IllegalArgumentException("row " + i + " holds a non-finite value (" + d + ") at index " + j);
                }
                x[i][j] = (float) d;
            }
            if (labelled) {
                y[i] = (int) ((Number) rows.get(i).get(1)).doubleValue();
            }
        }
        if (x.length == 0) {
            throw new IllegalArgumentException("the data is empty; expected at least one row");
        }
        return new Samples(x, y);
    }
}
