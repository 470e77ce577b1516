package io.sparkgan.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.data.DataOptions;
import io.sparkgan.data.DataSources;
import io.sparkgan.data.LoadedData;
import io.sparkgan.data.idx.Idx;
import io.sparkgan.spark.ml.GanEstimator;
import io.sparkgan.spark.ml.GanModel;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hdfs:// paths the README promises, against a real HDFS: an in-process NameNode and DataNode
 * on 127.0.0.1 (Hadoop's MiniDFSCluster, its storage under target/). Data, worker and driver
 * checkpoints, resuming, and saved models all go through HDFS here.
 */
class HdfsTest extends SparkTestBase {
    private static MiniDFSCluster cluster;
    private static FileSystem fs;
    private static String root;

    @BeforeAll
    static void startHdfs() throws IOException {
        Configuration conf = new Configuration();
        java.nio.file.Path base = java.nio.file.Path.of("target", "minidfs-" + UUID.randomUUID()).toAbsolutePath();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
        conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        fs = cluster.getFileSystem();
        root = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    }

    @AfterAll
    static void stopHdfs() {
        if (cluster != null) {
            cluster.shutdown(true);
        }
    }

    private static GanEstimator estimator(int iterations, String checkpoints) {
        return new GanEstimator().setStrategy("mdgan").setWorkers(2).setIterations(iterations).setBatchSize(8).setLatentDim(2)
                .setGenerator("mlp:6:tanh").setDiscriminator("mlp:6:leakyrelu").setSeed(5).setLogEvery(1)
                .setSwapEveryEpochs(1).setCheckpointEvery(3).setCheckpointDir(checkpoints);
    }

    private static List<String> names(String dir) throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(new Path(dir))) {
            names.add(s.getPath().getName());
        }
        names.sort(null);
        return names;
    }

    private static Vector sample(GanModel m, int row) {
        return m.generate(spark, 10, 3).collectAsList().get(row).getAs("features");
    }

    @Test
    void checkpointsResumingAndSavedModelsLiveOnHdfs() throws IOException {
        String whole = root + "/runs/whole";
        GanModel uninterrupted = estimator(9, whole).fit(ring(80));
        // Checkpoints every 3 iterations and at the swap after one local epoch (40 rows / b = 5
        // iterations); the 3 latest are kept.
        assertEquals(List.of("iter-000000005", "iter-000000006", "iter-000000009", "workers"), names(whole));
        for (int w = 0; w < 2; w++) {
            List<String> worker = names(whole + "/workers/worker-0000" + w);
            assertTrue(worker.contains("iter-000000009") && worker.stream().noneMatch(n -> n.startsWith(".")),
                    "worker " + w + " checkpoints, no temporary folders left: " + worker);
        }

        String split = root + "/runs/split";
        estimator(6, split).fit(ring(80));
        GanModel resumed = estimator(9, split).setResume(true).fit(ring(80));
        assertEquals(sample(uninterrupted, 4), sample(resumed, 4), "a run resumed from HDFS ends where the uninterrupted one does");

        String saved = root + "/models/mdgan";
        uninterrupted.write().save(saved);
        assertEquals(sample(uninterrupted, 7), sample(GanModel.load(saved), 7));
    }

    @Test
    void datasetsAreReadFromHdfs() throws IOException {
        // The fetched layout of a named dataset, copied to HDFS as a cluster user would.
        String dataDir = root + "/data";
        int n = 30;
        List<byte[]> images = new ArrayList<>();
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            byte v = (byte) (8 * i);
            images.add(new byte[] {v, v, v, v});
            labels[i] = (byte) (i % 10);
        }
        for (String split : List.of("train", "t10k")) {
            try (OutputStream o = fs.create(new Path(dataDir + "/mnist/" + split + "-images-idx3-ubyte"))) {
                Idx.writeImages(o, 2, 2, images);
            }
            try (OutputStream o = fs.create(new Path(dataDir + "/mnist/" + split + "-labels-idx1-ubyte"))) {
                Idx.writeLabels(o, labels);
            }
        }
        DataOptions options = DataOptions.defaults().withDataDir(dataDir).withPartitions(4);
        LoadedData named = DataSources.load(spark, "mnist", options);
        List<Row> rows = named.frame().collectAsList();
        assertEquals(n, rows.size());
        assertEquals(4, named.frame().rdd().getNumPartitions(), "each partition seeks to its own rows in the HDFS file");
        for (int i : new int[] {0, 13, 29}) {
            double pixel = (8 * i) / 127.5 - 1;
            assertArrayEquals(new double[] {pixel, pixel, pixel, pixel}, ((Vector) rows.get(i).getAs(0)).toArray(), 1e-12, "row " + i);
            assertEquals(i % 10, rows.get(i).getDouble(1), "label of row " + i);
        }

        String parquet = root + "/data/ring.parquet";
        ring(40).write().parquet(parquet);
        LoadedData fromParquet = DataSources.load(spark, "parquet:" + parquet, DataOptions.defaults());
        assertEquals(40, fromParquet.frame().count());
        assertEquals(2, fromParquet.dimension());
        double[] first = ((Vector) ring(40).collectAsList().get(0).getAs(0)).toArray();
        assertTrue(fromParquet.frame().collectAsList().stream().anyMatch(r -> Arrays.equals(first, ((Vector) r.getAs(0)).toArray())));
    }
}
