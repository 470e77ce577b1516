package io.sparkgan.data;

import io.sparkgan.core.GanRandom;
import java.io.Serializable;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * An isotropic mixture of equally weighted Gaussians in the plane, the synthetic benchmark of
 * VEEGAN (Srivastava et al., NeurIPS 2017) and PacGAN (Lin et al., NeurIPS 2018).
 *
 * @param name dataset name
 * @param centres the modes, [M][2]
 * @param std standard deviation of every component
 */
public record GaussianMixture(String name, double[][] centres, double std) implements Serializable {

    /** 25 Gaussians on the grid {-4,-2,0,2,4}², std 0.05. */
    public static GaussianMixture grid25() {
        double[][] c = new double[25][];
        int k = 0;
        for (int i = -2; i <= 2; i++) {
            for (int j = -2; j <= 2; j++) {
                c[k++] = new double[] {2.0 * i, 2.0 * j};
            }
        }
        return new GaussianMixture("grid25", c, 0.05);
    }

    /** 8 Gaussians evenly spaced on the unit circle (8 distinct centres), std 0.01. */
    public static GaussianMixture ring8() {
        double[][] c = new double[8][];
        for (int k = 0; k < 8; k++) {
            double a = 2 * Math.PI * k / 8;
            c[k] = new double[] {Math.cos(a), Math.sin(a)};
        }
        return new GaussianMixture("ring8", c, 0.01);
    }

    public int modes() {
        return centres.length;
    }

    /**
     * Sample {@code i} of the dataset drawn with {@code seed}: a mode chosen uniformly, plus
     * N(0, std²I) noise. Each sample has a stream of its own, so a sample is the same whether it is
     * computed on the driver or on an executor, and datasets are generated in parallel.
     *
     * @return {x, y, mode}
     */
    public double[] sampleAt(long i, long seed) {
        GanRandom rng = GanRandom.stream(seed, "data:" + name, i);
        int m = rng.nextInt(centres.length);
        return new double[] {(float) (centres[m][0] + std * rng.nextGaussian()), (float) (centres[m][1] + std * rng.nextGaussian()), m};
    }

    /** {@code n} samples drawn with {@code seed}, on the driver. */
    public Samples sample(int n, long seed) {
        float[][] x = new float[n][];
        int[] label = new int[n];
        for (int i = 0; i < n; i++) {
            double[] p = sampleAt(i, seed);
            x[i] = new float[] {(float) p[0], (float) p[1]};
            label[i] = (int) p[2];
        }
        return new Samples(x, label);
    }

    /** The same {@code n} samples as a DataFrame ({@code features}, {@code label}), generated on the executors. */
    public Dataset<Row> frame(SparkSession spark, long n, long seed) {
        GaussianMixture self = this;
        int partitions = (int) Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), n / 1000));
        org.apache.spark.api.java.JavaRDD<Row> rows = spark.range(0, n, 1, partitions).javaRDD().map(id -> {
            double[] p = self.sampleAt(id, seed);
            return RowFactory.create(Vectors.dense(p[0], p[1]), p[2]);
        });
        return spark.createDataFrame(rows, VectorFrames.schema(true));
    }
}
