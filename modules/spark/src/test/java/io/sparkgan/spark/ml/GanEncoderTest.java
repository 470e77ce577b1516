package io.sparkgan.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.data.VectorFrames;
import io.sparkgan.spark.SparkTestBase;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An adversarial autoencoder's encoder (Makhzani et al. 2015) through the Spark ML API, on a real
 * local Spark: every strategy's model carries it, {@link GanEncoder} adds each row's code (the same
 * as the encoder's own output on the driver), it survives save and load, and a GAN's model, or an
 * autoencoder without a checkpoint folder, is refused with one line.
 */
class GanEncoderTest extends SparkTestBase {
    @TempDir
    Path tmp;

    private static GanEstimator aae(String strategy, int workers, String ckpt) {
        GanEstimator e = new GanEstimator().setStrategy(strategy).setWorkers(workers).setIterations(40).setBatchSize(16).setLatentDim(3)
                .setGenerator("mlp:16:relu").setDiscriminator("mlp:16:leakyrelu").setSeed(3).setObjective("nonsaturating")
                .setCheckpointEvery(1000).setEvalEvery(1000).setLogEvery(50);
        e.setSetting("autoencoder", "gaussian");
        e.setSetting("encoder", "mlp:16:leakyrelu");
        if (ckpt != null) {
            e.set(e.checkpointDir(), ckpt);
        }
        return e;
    }

    @Test
    void everyStrategysModelEncodesRowsAsItsEncoderDoesAndKeepsItThroughSaveAndLoad() throws Exception {
        Dataset<Row> data = ring(200);
        for (String s : new String[] {"standalone", "flgan", "mdgan"}) {
            int workers = s.equals("standalone") ? 1 : 2;
            GanModel m = aae(s, workers, tmp.resolve("ckpt-" + s).toUri().toString()).fit(data);
            assertTrue(m.hasEncoder(), s);
            Dataset<Row> coded = m.encoder().transform(data);
            assertEquals(List.of(VectorFrames.FEATURES, VectorFrames.LABEL, GanEncoder.CODE), List.of(coded.columns()), s);
            List<Row> rows = coded.collectAsList();
            assertEquals(200, rows.size());
            double[][] x = rows.stream().map(r -> ((Vector) r.getAs(VectorFrames.FEATURES)).toArray()).toArray(double[][]::new);
            INDArray expected = m.encoder().local().output(Nd4j.create(x).castTo(DataType.FLOAT), false);
            for (int i = 0; i < rows.size(); i++) {
                double[] code = ((Vector) rows.get(i).getAs(GanEncoder.CODE)).toArray();
                assertEquals(3, code.length);
                assertArrayEquals(expected.getRow(i).toDoubleVector(), code, 1e-6, s + ": row " + i);
            }
            String path = tmp.resolve("model-" + s).toString();
            m.write().overwrite().save(path);
            GanModel back = GanModel.load(path);
            assertTrue(back.hasEncoder());
            assertEquals(m.encoder().local().params(), back.encoder().local().params(), s + ": the encoder survives save and load");
        }
    }

    @Test
    void aGansModelHasNoEncoderAndAnAutoencoderNeedsItsCheckpoints() {
        GanModel gan = new GanEstimator().setStrategy("standalone").setIterations(5).setBatchSize(16).setLatentDim(2).setGenerator("mlp:8:relu")
                .setDiscriminator("mlp:8:leakyrelu").setCheckpointEvery(1000).setEvalEvery(1000).fit(ring(100));
        assertFalse(gan.hasEncoder());
        IllegalStateException e = assertThrows(IllegalStateException.class, gan::encoder);
        assertTrue(e.getMessage().startsWith("this model is a GAN's (autoencoder none), which has no encoder"), e.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> aae("standalone", 1, null).fit(ring(100)));
        assertEquals("autoencoder gaussian needs checkpointDir: its encoder is read from the final checkpoint", c.getMessage());
    }
}
