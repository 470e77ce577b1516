package io.sparkgan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TablesTest {
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    Path csv(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    String parquet(String name, List<Row> rows, StructType schema) {
        String p = dir.resolve(name).toString();
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(p);
        return p;
    }

    static double[] features(Row r) {
        return ((Vector) r.getAs(0)).toArray();
    }

    /** The error, with the file URI Spark reports replaced by {@code <file>}. */
    static String message(Runnable r, Path file) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        return e.getMessage().replaceAll("file:/+" + Pattern.quote(file.toString().substring(1)) + "[^:]*", "<file>");
    }

    @Test
    void csvNumericColumnsBecomeTheFeaturesAndLabelStaysApart() throws IOException {
        Path p = csv("a.csv", "a,label,name,b\n1,0,x,2\n3.5,2,y,-4\n0,1,z,1e3\n");
        LoadedData d = DataSources.load(spark, "csv:" + p, DataOptions.defaults());
        assertEquals(2, d.dimension());
        assertEquals(3, d.classes());
        assertNull(d.shape());
        assertEquals("csv:" + p + " (3 rows of 2 features, 3 classes; ignored non-numeric columns: name)", d.description());
        assertEquals(3, d.rows());
        List<Row> rows = d.frame().collectAsList();
        assertArrayEquals(new double[] {1, 2}, features(rows.get(0)));
        assertArrayEquals(new double[] {3.5, -4}, features(rows.get(1)));
        assertArrayEquals(new double[] {0, 1000}, features(rows.get(2)));
        assertEquals(List.of(0.0, 2.0, 1.0), rows.stream().map(r -> r.getDouble(1)).toList());
        assertEquals(Samples.class, VectorFrames.collect(d.frame()).getClass());
    }

    @Test
    void csvWithoutLabelIsUnlabelledAndCanBeCoalesced() throws IOException {
        Path p = csv("u.csv", "x,y,z\n1,2,3\n4,5,6\n");
        LoadedData d = DataSources.load(spark, "csv:" + p, DataOptions.defaults().withPartitions(1));
        assertEquals(0, d.classes());
        assertEquals(List.of("features"), List.of(d.frame().schema().fieldNames()));
        assertEquals(1, d.frame().rdd().getNumPartitions());
        assertArrayEquals(new double[] {4, 5, 6}, features(d.frame().collectAsList().get(1)));
    }

    @Test
    void nonFiniteOrMissingCsvValuesAreNamedByRowAndColumn() throws IOException {
        Path p = csv("nan.csv", "a,b\n1,2\n3,4\n5,NaN\n");
        assertEquals("csv:" + p + ": row 2 of <file>: column 1 ('b') holds NaN; expected finite numbers",
                message(() -> DataSources.load(spark, "csv:" + p, DataOptions.defaults()), p));
        Path inf = csv("inf.csv", "a,b\n1,2\n-Inf,4\n");
        assertEquals("csv:" + inf + ": row 1 of <file>: column 0 ('a') holds -Infinity; expected finite numbers",
                message(() -> DataSources.load(spark, "csv:" + inf, DataOptions.defaults()), inf));
        Path empty = csv("empty.csv", "a,b\n1,2\n3,\n");
        assertEquals("csv:" + empty + ": row 1 of <file>: column 1 ('b') is empty; expected a number",
                message(() -> DataSources.load(spark, "csv:" + empty, DataOptions.defaults()), empty));
        Path longRow = csv("long.csv", "a,b\n1,2\n4,5,6\n7,8\n");
        assertEquals("csv:" + longRow + ": row 1 of <file>: it has 3 fields but the header has 2; expected the same number of fields on every line",
                message(() -> DataSources.load(spark, "csv:" + longRow, DataOptions.defaults()), longRow));
        Path shortRow = csv("short.csv", "a,b,label\n1,2,0\n3,4,1\n5,1\n");
        assertEquals("csv:" + shortRow + ": row 2 of <file>: it has 2 fields but the header has 3; expected the same number of fields on every line",
                message(() -> DataSources.load(spark, "csv:" + shortRow, DataOptions.defaults()), shortRow));
        Path quoted = csv("quoted.csv", "a,b,name\n1,2,\"x, y\"\n3,4,z,w\n");
        assertEquals("csv:" + quoted + ": row 1 of <file>: it has 4 fields but the header has 3; expected the same number of fields on every line",
                message(() -> DataSources.load(spark, "csv:" + quoted, DataOptions.defaults()), quoted));
        Path label = csv("label.csv", "a,label\n1,0\n2,0.5\n");
        assertEquals("csv:" + label + ": row 1 of <file>: label 0.5 is not a class index; expected 0, 1, 2, ...",
                message(() -> DataSources.load(spark, "csv:" + label, DataOptions.defaults()), label));
        Path text = csv("text.csv", "a,b\nx,y\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "csv:" + text, DataOptions.defaults()));
        assertEquals("csv:" + text + ": has no numeric columns besides 'label'; expected a header row and numeric feature columns (columns: a, b)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "csv:" + dir.resolve("none.csv"), DataOptions.defaults()));
        assertEquals("csv:" + dir.resolve("none.csv") + ": " + dir.resolve("none.csv") + " does not exist", e.getMessage());
    }

    @Test
    void parquetRoundTripsWithItsLabels() {
        List<Row> rows = List.of(RowFactory.create(Vectors.dense(1, 2, 3), 1), RowFactory.create(Vectors.dense(-1, 0.5, 7), 0),
                RowFactory.create(Vectors.sparse(3, new int[] {1}, new double[] {9}), 4));
        StructType schema = new StructType().add("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType()).add("label", DataTypes.IntegerType)
                .add("extra", DataTypes.StringType, true);
        String p = parquet("p", rows.stream().map(r -> RowFactory.create(r.get(0), r.get(1), "e")).toList(), schema);
        LoadedData d = DataSources.load(spark, "parquet:" + p, DataOptions.defaults());
        assertEquals(3, d.dimension());
        assertEquals(5, d.classes());
        List<Row> back = d.frame().collectAsList();
        assertEquals(List.of("features", "label"), List.of(d.frame().schema().fieldNames()));
        assertArrayEquals(new double[] {-1, 0.5, 7}, features(back.get(1)));
        assertArrayEquals(new double[] {0, 9, 0}, features(back.get(2)));
        assertEquals(List.of(1.0, 0.0, 4.0), back.stream().map(r -> r.getDouble(1)).toList());
    }

    @Test
    void badParquetIsNamedByRowAndFeature() {
        StructType schema = VectorFrames.schema(false);
        String inf = parquet("inf", List.of(RowFactory.create(Vectors.dense(1, 2)), RowFactory.create(Vectors.dense(1, 2)),
                RowFactory.create(Vectors.dense(3, Double.POSITIVE_INFINITY))), schema);
        assertEquals("parquet:" + inf + ": row 2 of <file>: feature 1 holds Infinity; expected finite numbers",
                message(() -> DataSources.load(spark, "parquet:" + inf, DataOptions.defaults()), Path.of(inf)));
        String ragged = parquet("ragged", List.of(RowFactory.create(Vectors.dense(1, 2)), RowFactory.create(Vectors.dense(1, 2, 3))), schema);
        assertEquals("parquet:" + ragged + ": row 1 of <file>: it has 3 features but the rows before it have 2; expected the same number in every row",
                message(() -> DataSources.load(spark, "parquet:" + ragged, DataOptions.defaults()), Path.of(ragged)));
        String noFeatures = parquet("nf", List.of(RowFactory.create(1.0)), new StructType().add("x", DataTypes.DoubleType));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "parquet:" + noFeatures, DataOptions.defaults()));
        assertEquals("parquet:" + noFeatures + ": the data has no 'features' column; expected a vector column named 'features' (columns: x)", e.getMessage());
    }

    @Test
    void aFileThatIsNotParquetIsNamed() throws IOException {
        Path garbage = csv("garbage.parquet", "this is not parquet at all, it is far too short and has no footer");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSources.load(spark, "parquet:" + garbage, DataOptions.defaults()));
        assertTrue(e.getMessage().startsWith("parquet:" + garbage + ": cannot be read"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aNonFiniteValueInALaterPartitionGetsItsGlobalRowIndex() throws IOException {
        StringBuilder s = new StringBuilder("a,b\n");
        for (int i = 0; i < 50; i++) {
            s.append(i).append(',').append(i == 41 ? "NaN" : "1").append('\n');
        }
        Path p = csv("big.csv", s.toString());
        // Small splits force several partitions, so the index has to be counted across them.
        spark.conf().set("spark.sql.files.maxPartitionBytes", "64");
        try {
            Dataset<Row> raw = spark.read().option("header", "true").csv(p.toString());
            assertTrue(raw.rdd().getNumPartitions() > 2, "partitions: " + raw.rdd().getNumPartitions());
            assertEquals("csv:" + p + ": row 41 of <file>: column 1 ('b') holds NaN; expected finite numbers",
                    message(() -> DataSources.load(spark, "csv:" + p, DataOptions.defaults()), p));
        } finally {
            spark.conf().unset("spark.sql.files.maxPartitionBytes");
        }
    }
}
