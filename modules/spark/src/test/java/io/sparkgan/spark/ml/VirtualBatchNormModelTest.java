package io.sparkgan.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.core.stabilizer.VirtualBatchNorm;
import io.sparkgan.spark.SparkTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model trained with virtual batch normalisation carries its reference batch: the saved model
 * (a plain DL4J generator zip and {@code generator.zip.extra} beside it) loads and samples exactly
 * as the trained generator, on the driver and in {@code transform} on executors; a model folder
 * whose reference batch was lost is refused on load in one line.
 */
class VirtualBatchNormModelTest extends SparkTestBase {
    @TempDir
    Path tmp;

    @Test
    void theSavedModelSamplesExactlyAsTheTrainedGenerator() throws Exception {
        GanModel model = new GanEstimator().setStrategy("mdgan").setWorkers(2).setIterations(6).setBatchSize(8).setLatentDim(2)
                .setGenerator("mlp:6:tanh").setDiscriminator("mlp:6:leakyrelu").setSeed(5).setLogEvery(1)
                .setSetting("stabilizers", "virtual-batch-norm").setSetting("reference-batch", 12).fit(ring(64));
        Generator trained = model.generator();
        assertEquals(12, VirtualBatchNorm.reference(trained.network()).rows());
        INDArray z = trained.latent(GanRandom.stream(3, "t", 0), 9);

        String path = tmp.resolve("model").toString();
        model.write().save(path);
        assertTrue(Files.isRegularFile(tmp.resolve("model").resolve(ModelParts.extrasPart(ModelParts.GENERATOR))));
        GanModel loaded = GanModel.load(path);
        assertEquals(trained.sample(z), loaded.generator().sample(z), "the loaded model");
        // transform draws each row's code from its seed and samples a partition at once: the same as one by one.
        List<Row> rows = loaded.generate(spark, 20, 1).collectAsList();
        List<Row> again = model.generate(spark, 20, 1).collectAsList();
        for (int i = 0; i < 20; i++) {
            long seed = rows.get(i).getLong(0);
            INDArray one = trained.sample(trained.latent(GanRandom.stream(seed, "sample", 0), 1));
            double[] got = rows.get(i).<Vector>getAs("features").toArray();
            assertEquals(again.get(i).<Vector>getAs("features"), rows.get(i).<Vector>getAs("features"));
            for (int d = 0; d < got.length; d++) {
                assertEquals(one.getDouble(0, d), got[d], 1e-5, "row " + i);
            }
        }

        Files.delete(tmp.resolve("model").resolve(ModelParts.extrasPart(ModelParts.GENERATOR)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GanModel.load(path));
        assertEquals("cannot load a model from " + path + ": the exported generator has no reference batch ('reference-batch/z') for virtual-batch-norm",
                e.getMessage());
    }
}
