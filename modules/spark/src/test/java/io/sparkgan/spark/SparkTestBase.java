package io.sparkgan.spark;

import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.train.IterationRecord;
import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.data.GaussianMixture;
import io.sparkgan.data.VectorFrames;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One real local[2] Spark session per test class, and tiny configurations. */
public abstract class SparkTestBase {
    protected static SparkSession spark;
    protected static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("sparkgan-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    protected static Dataset<Row> ring(int n) {
        return VectorFrames.toFrame(spark, GaussianMixture.ring8().sample(n, 11));
    }

    protected static StrategyConfig tiny(String strategy, int workers, int iterations) {
        StrategyConfig c = new StrategyConfig().setStrategy(strategy).setWorkers(workers);
        c.setSeed(9).setIterations(iterations).setBatchSize(8).setLatentDim(2)
                .setGenerator(NetworkSpec.mlp("tanh", "identity", 6))
                .setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 6))
                .setLogEvery(1).setEvalEvery(1000).setCheckpointEvery(1000);
        return c;
    }

    /** Collects logged rows. */
    public static final class Rows implements TrainingListener {
        public final List<IterationRecord> rows = new ArrayList<>();

        @Override
        public void onRecord(IterationRecord r) {
            rows.add(r);
        }
    }
}
