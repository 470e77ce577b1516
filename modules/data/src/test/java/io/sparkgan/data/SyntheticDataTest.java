package io.sparkgan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SyntheticDataTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    @Test
    void grid25HasTwentyFiveDistinctModesOnTheGrid() {
        GaussianMixture g = GaussianMixture.grid25();
        Set<String> seen = new HashSet<>();
        for (double[] c : g.centres()) {
            assertTrue(Set.of(-4.0, -2.0, 0.0, 2.0, 4.0).contains(c[0]) && Set.of(-4.0, -2.0, 0.0, 2.0, 4.0).contains(c[1]));
            seen.add(c[0] + "," + c[1]);
        }
        assertEquals(25, seen.size());
        assertEquals(0.05, g.std());
    }

    @Test
    void ring8HasEightDistinctCentresOnTheUnitCircle() {
        GaussianMixture r = GaussianMixture.ring8();
        assertEquals(8, r.modes());
        for (int i = 0; i < 8; i++) {
            assertEquals(1.0, Math.hypot(r.centres()[i][0], r.centres()[i][1]), 1e-12);
            for (int j = 0; j < i; j++) {
                assertTrue(Math.hypot(r.centres()[i][0] - r.centres()[j][0], r.centres()[i][1] - r.centres()[j][1]) > 0.7);
            }
        }
        assertEquals(0.01, r.std());
    }

    @Test
    void samplesAreDeterministicBySeedAndHaveTheStatedSpread() {
        GaussianMixture g = GaussianMixture.grid25();
        Samples a = g.sample(20_000, 3);
        assertArrayEquals(a.features()[17], g.sample(20_000, 3).features()[17]);
        assertNotEquals(a.features()[17][0], g.sample(20_000, 4).features()[17][0]);
        double sq = 0;
        int[] perMode = new int[25];
        for (int i = 0; i < a.size(); i++) {
            double[] c = g.centres()[a.labels()[i]];
            sq += Math.pow(a.features()[i][0] - c[0], 2) + Math.pow(a.features()[i][1] - c[1], 2);
            perMode[a.labels()[i]]++;
        }
        assertEquals(0.05, Math.sqrt(sq / (2 * a.size())), 0.002);
        for (int n : perMode) {
            assertEquals(800, n, 150);
        }
    }

    @Test
    void framesFollowTheMllibConventionAndRoundTrip() {
        Samples s = GaussianMixture.ring8().sample(500, 1);
        Dataset<Row> df = VectorFrames.toFrame(spark, s);
        assertEquals(List.of("features", "label"), List.of(df.schema().fieldNames()));
        assertEquals(500, df.count());
        Samples back = VectorFrames.collect(df);
        assertArrayEquals(s.features()[499], back.features()[499]);
        assertArrayEquals(s.labels(), back.labels());
    }

    @Test
    void aFrameWithoutAVectorFeaturesColumnIsRejectedByName() {
        StructType schema = new StructType().add("x", DataTypes.DoubleType);
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(1.0)), schema);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorFrames.collect(df));
        assertEquals("the data has no 'features' column; expected a vector column named 'features' (columns: x)", e.getMessage());
        StructType wrong = new StructType().add("features", DataTypes.StringType);
        e = assertThrows(IllegalArgumentException.class, () -> VectorFrames.validateSchema(wrong));
        assertEquals("column 'features' has type string; expected an ml.linalg vector", e.getMessage());
    }

    @Test
    void unknownDatasetNamesWhatIsAllowed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.validateName("cifar"));
        assertEquals("dataset 'cifar' is unknown; expected one of [grid25, ring8, dsprites]", e.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> Datasets.mixture("dsprites"));
        assertEquals("dataset 'dsprites' is not a mixture; expected one of [grid25, ring8]", m.getMessage());
    }

    @Test
    void theDistributedFrameHoldsExactlyTheDriverSideSamples() {
        GaussianMixture g = GaussianMixture.grid25();
        Samples local = g.sample(3000, 5);
        Samples distributed = VectorFrames.collect(g.frame(spark, 3000, 5));
        assertEquals(3000, distributed.size());
        for (int i = 0; i < 3000; i += 137) {
            assertArrayEquals(local.features()[i], distributed.features()[i], "sample " + i);
            assertEquals(local.labels()[i], distributed.labels()[i]);
        }
    }
}
