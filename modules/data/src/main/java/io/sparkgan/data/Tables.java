package io.sparkgan.data;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Parquet and CSV sources. Values are taken as they are. One Spark job checks the whole source up
 * front and the driver reports the first bad row by its index (counting data rows from 0 in the
 * order Spark reads them, which for a single file is file order) and its file: a non-finite or
 * missing feature, feature vectors of different lengths, or a label that is not a class index.
 * The check returns its findings as data, so no message is lost in Spark's exception wrapping.
 */
final class Tables {
    private static final String FILE_COLUMN = "__sparkgan_file";
    private static final String RAGGED_COLUMN = "__sparkgan_ragged_line";

    private Tables() {}

    /** {@code parquet:<path>}: a vector {@code features} column and an optional numeric {@code label}. */
    static LoadedData parquet(SparkSession spark, String spec, String path, int partitions) {
        requireExists(spark, spec, path);
        Dataset<Row> raw;
        try {
            raw = spark.read().parquet(path);
        } catch (Exception e) {
            throw new IllegalArgumentException(spec + ": cannot be read as Parquet (" + firstLine(root(e)) + ")", e);
        }
        try {
            VectorFrames.validateSchema(raw.schema());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(spec + ": " + e.getMessage(), e);
        }
        StructType schema = raw.schema();
        int featureIndex = schema.fieldIndex(VectorFrames.FEATURES);
        int labelIndex = Arrays.asList(schema.fieldNames()).contains(VectorFrames.LABEL) ? schema.fieldIndex(VectorFrames.LABEL) : -1;
        Extractor extract = row -> {
            Vector v = row.isNullAt(featureIndex) ? null : row.getAs(featureIndex);
            return v == null ? null : v.toArray();
        };
        return load(spark, spec, raw, extract, extract, labelIndex, i -> "feature " + i, partitions, "");
    }

    /**
     * {@code csv:<path>} with a header row: every numeric column except {@code label} is a feature
     * (in column order); other columns are ignored.
     */
    static LoadedData csv(SparkSession spark, String spec, String path, int partitions) {
        requireExists(spark, spec, path);
        Dataset<Row> raw;
        try {
            raw = spark.read().option("header", "true").option("inferSchema", "true").csv(path);
        } catch (Exception e) {
            throw new IllegalArgumentException(spec + ": cannot be read as CSV (" + firstLine(root(e)) + ")", e);
        }
        StructType schema = raw.schema();
        int fields = schema.fields().length;
        // Spark fills a short line with nulls and cuts a long one to the header's width without a
        // word; read again with a corrupt-record column, which Spark sets on exactly those lines.
        Dataset<Row> withRaggedLines = spark.read().option("header", "true").option("columnNameOfCorruptRecord", RAGGED_COLUMN)
                .schema(schema.add(RAGGED_COLUMN, DataTypes.StringType, true)).csv(path);
        int raggedIndex = fields;
        List<Integer> features = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        int labelIndex = -1;
        for (int i = 0; i < schema.fields().length; i++) {
            StructField f = schema.fields()[i];
            boolean numeric = f.dataType() instanceof NumericType;
            if (f.name().equals(VectorFrames.LABEL)) {
                if (!numeric) {
                    throw new IllegalArgumentException(spec + ": column 'label' holds " + f.dataType().simpleString()
                            + " values; expected class indices 0, 1, 2, ...");
                }
                labelIndex = i;
            } else if (numeric) {
                features.add(i);
            } else {
                ignored.add(f.name());
            }
        }
        if (features.isEmpty()) {
            throw new IllegalArgumentException(spec + ": has no numeric columns besides 'label'; expected a header row and numeric feature columns (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        int[] idx = features.stream().mapToInt(Integer::intValue).toArray();
        String[] names = schema.fieldNames();
        Extractor extract = row -> {
            double[] v = new double[idx.length];
            for (int j = 0; j < idx.length; j++) {
                // A missing value (short line, empty field) is reported by the check before any use.
                v[j] = row.isNullAt(idx[j]) ? Double.NaN : ((Number) row.get(idx[j])).doubleValue();
            }
            return v;
        };
        Extractor checked = row -> {
            if (!row.isNullAt(raggedIndex)) {
                throw new BadRow(fieldCount(row.getString(raggedIndex), fields));
            }
            for (int j = 0; j < idx.length; j++) {
                if (row.isNullAt(idx[j])) {
                    throw new MissingValue(j);
                }
            }
            return extract.values(row);
        };
        String note = ignored.isEmpty() ? "" : "; ignored non-numeric columns: " + String.join(", ", ignored);
        return load(spark, spec, withRaggedLines, checked, extract, labelIndex, j -> "column " + j + " ('" + names[idx[j]] + "')", partitions, note);
    }

    /** What is wrong with a line whose field count differs from the header's. */
    private static String fieldCount(String line, int headerFields) {
        // Quoted fields may hold commas; only an unquoted line can be counted by splitting.
        int n = line.split(",", -1).length;
        String count = line.indexOf('"') < 0 ? "it has " + n + (n == 1 ? " field" : " fields") : "its field count differs from the header's";
        return count + " but the header has " + headerFields + "; expected the same number of fields on every line";
    }

    /** A row's features, or null when the whole vector is missing. */
    private interface Extractor extends Serializable {
        double[] values(Row row);
    }

    private interface ColumnName extends Serializable {
        String of(int column);
    }

    /** Thrown inside the check for a line that is not a row of the table; caught there and turned into a finding. */
    private static final class BadRow extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String problem;

        BadRow(String problem) {
            super(null, null, false, false);
            this.problem = problem;
        }
    }

    /** Thrown inside the check for a missing CSV value; caught there and turned into a finding. */
    private static final class MissingValue extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int column;

        MissingValue(int column) {
            super(null, null, false, false);
            this.column = column;
        }
    }

    /** What the check found in one partition. */
    private static final class Stats implements Serializable {
        private static final long serialVersionUID = 1L;
        long count;
        int dimension = -1;
        double maxLabel = -1;
        long badRow = -1;
        String badFile;
        String problem;
    }

    /**
     * Runs the check ({@code checked} may throw {@link MissingValue}), then builds the frame with
     * {@code extract}.
     */
    private static LoadedData load(SparkSession spark, String spec, Dataset<Row> raw, Extractor checked, Extractor extract, int labelIndex,
            ColumnName column, int partitions, String note) {
        Dataset<Row> withFile = raw.withColumn(FILE_COLUMN, functions.input_file_name());
        int fileIndex = withFile.schema().fieldIndex(FILE_COLUMN);
        List<Stats> stats;
        try {
            stats = withFile.javaRDD().mapPartitions(rows -> {
                Stats s = new Stats();
                while (rows.hasNext() && s.problem == null) {
                    Row row = rows.next();
                    String problem = check(row, checked, labelIndex, column, s);
                    if (problem != null) {
                        s.problem = problem;
                        s.badRow = s.count;
                        s.badFile = row.getString(fileIndex);
                    }
                    s.count++;
                }
                return List.of(s).iterator();
            }).collect();
        } catch (Exception e) {
            // A file Spark cannot parse (corrupt Parquet, unreadable CSV) fails the job; name the spec and the root cause.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new IllegalArgumentException(spec + ": cannot be read (" + firstLine(root) + ")", e);
        }
        long offset = 0;
        int dimension = -1;
        double maxLabel = -1;
        for (Stats s : stats) {
            if (s.dimension >= 0 && dimension < 0) {
                dimension = s.dimension;
            } else if (s.dimension >= 0 && s.dimension != dimension) {
                throw new IllegalArgumentException(spec + ": row " + offset + " has " + s.dimension + " features but row 0 has " + dimension
                        + "; expected the same number in every row");
            }
            if (s.problem != null) {
                throw new IllegalArgumentException(spec + ": row " + (offset + s.badRow) + " of " + s.badFile + ": " + s.problem);
            }
            maxLabel = Math.max(maxLabel, s.maxLabel);
            offset += s.count;
        }
        if (offset == 0) {
            throw new IllegalArgumentException(spec + ": holds no rows; expected at least one");
        }
        boolean labelled = labelIndex >= 0;
        JavaRDD<Row> rows = raw.javaRDD().map((Function<Row, Row>) row -> {
            Vector v = Vectors.dense(extract.values(row));
            return labelled ? RowFactory.create(v, ((Number) row.get(labelIndex)).doubleValue()) : RowFactory.create(v);
        });
        Dataset<Row> frame = spark.createDataFrame(rows, VectorFrames.schema(labelled));
        int current = frame.rdd().getNumPartitions();
        if (partitions > 0 && partitions < current) {
            frame = frame.coalesce(partitions);
        } else if (partitions > current) {
            frame = frame.repartition(partitions);
        }
        int classes = labelled ? (int) maxLabel + 1 : 0;
        String description = spec + " (" + offset + " rows of " + dimension + " features" + (labelled ? ", " + classes + " classes" : "") + note + ")";
        return new LoadedData(frame, dimension, classes, null, description, List.of(), offset);
    }

    /** The first problem of one row (updating the partition's dimension and largest label), or null. */
    private static String check(Row row, Extractor extract, int labelIndex, ColumnName column, Stats s) {
        double[] v;
        try {
            v = extract.values(row);
        } catch (MissingValue e) {
            return column.of(e.column) + " is empty; expected a number";
        } catch (BadRow e) {
            return e.problem;
        }
        if (v == null) {
            return "the features are missing (null); expected a vector";
        }
        if (s.dimension < 0) {
            s.dimension = v.length;
        } else if (v.length != s.dimension) {
            return "it has " + v.length + " features but the rows before it have " + s.dimension + "; expected the same number in every row";
        }
        for (int j = 0; j < v.length; j++) {
            if (!Double.isFinite(v[j])) {
                return column.of(j) + " holds " + v[j] + "; expected finite numbers";
            }
        }
        if (labelIndex >= 0) {
            if (row.isNullAt(labelIndex)) {
                return "the label is empty; expected a class index 0, 1, 2, ...";
            }
            double y = ((Number) row.get(labelIndex)).doubleValue();
            if (!(y >= 0 && y == Math.rint(y) && y < 1 << 20)) {
                return "label " + y + " is not a class index; expected 0, 1, 2, ...";
            }
            s.maxLabel = Math.max(s.maxLabel, y);
        }
        return null;
    }

    private static void requireExists(SparkSession spark, String spec, String path) {
        Path p = new Path(path);
        try {
            FileStatus[] matches = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).globStatus(p);
            if (matches == null || matches.length == 0) {
                throw new IllegalArgumentException(spec + ": " + path + " does not exist");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(spec + ": cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** The innermost cause: Spark wraps a reader's own message (the file and what is wrong) in job-failure text. */
    static Throwable root(Throwable e) {
        Throwable r = e;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r;
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
