package io.sparkgan.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.StrategyConfig;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public Java API, used as a user would: Estimator → Model → samples, save and load. */
class GanEstimatorTest extends SparkTestBase {
    @TempDir
    Path tmp;

    private static GanEstimator tinyEstimator(String strategy) {
        return new GanEstimator().setStrategy(strategy).setWorkers(2).setIterations(8).setBatchSize(8).setLatentDim(2)
                .setGenerator("mlp:6:tanh").setDiscriminator("mlp:6:leakyrelu").setSeed(5).setLogEvery(1);
    }

    @Test
    void fitReturnsAModelThatGeneratesDeterministicSamplesAndSavesAndLoads() throws Exception {
        Rows rows = new Rows();
        GanModel model = tinyEstimator("mdgan").setListener(rows).fit(ring(100));
        assertEquals(8, rows.rows.size());
        assertEquals(8, model.summary().iterations());
        assertTrue(model.summary().bytesToWorkers() > 0 && model.summary().bytesFromWorkers() > 0);
        assertArrayEquals(new long[] {50, 50}, model.summary().shardSizes());
        assertEquals("mdgan", model.config().getStrategy());

        Dataset<Row> samples = model.generate(spark, 30, 1);
        assertEquals(List.of("seed", "features"), List.of(samples.schema().fieldNames()));
        List<Row> a = samples.collectAsList();
        List<Row> b = model.generate(spark, 30, 1).collectAsList();
        assertEquals(30, a.size());
        assertEquals(2, ((Vector) a.get(0).getAs("features")).size());
        assertEquals(a.get(7).<Vector>getAs("features"), b.get(7).<Vector>getAs("features"), "same seed, same sample");
        assertNotEquals(a.get(7).<Vector>getAs("features"), a.get(8).<Vector>getAs("features"));

        String path = tmp.resolve("model").toString();
        model.write().save(path);
        GanModel loaded = GanModel.load(path);
        assertEquals(a.get(3).<Vector>getAs("features"), loaded.generate(spark, 30, 1).collectAsList().get(3).<Vector>getAs("features"));
        assertEquals(model.summary().bytesToWorkers(), loaded.summary().bytesToWorkers());
        assertEquals(model.config().getBatchSize(), loaded.config().getBatchSize());
        assertThrows(Exception.class, () -> model.write().save(path), "an existing model is not overwritten");
        model.write().overwrite().save(path);
    }

    @Test
    void everyStrategyRunsThroughTheSameApi() {
        for (String s : StrategyConfig.STRATEGIES) {
            GanModel m = tinyEstimator(s).setAverageEveryIterations(4).fit(ring(60));
            assertEquals(8, m.summary().iterations(), s);
            assertEquals(5, m.generate(spark, 5, 2).count(), s);
        }
    }

    @Test
    void badInputIsRejectedBeforeAnyDataMoves() {
        StructType noFeatures = new StructType().add("x", DataTypes.DoubleType);
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(1.0)), noFeatures);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tinyEstimator("mdgan").fit(df));
        assertTrue(e.getMessage().startsWith("the data has no 'features' column"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> tinyEstimator("mdgan").setK(3).transformSchema(ring(10).schema()));
        assertEquals("k must be at most the number of workers (2), got 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> tinyEstimator("mdgan").setGenerator("rnn:4").transformSchema(ring(10).schema()));
        assertTrue(e.getMessage().contains("network kind 'rnn' is unknown"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tinyEstimator("gossip"), "the strategy param validates its value");
        e = assertThrows(IllegalArgumentException.class, () -> tinyEstimator("mdgan").setWorkers(200).fit(ring(10)));
        assertEquals("the data has 10 rows but 200 workers were asked for; each worker needs at least one row", e.getMessage());
    }

    @Test
    void theModelRejectsInputWithoutSeeds() {
        GanModel m = tinyEstimator("standalone").setIterations(2).fit(ring(20));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.transform(ring(5)));
        assertTrue(e.getMessage().startsWith("the input has no 'seed' column"), e.getMessage());
    }
}
