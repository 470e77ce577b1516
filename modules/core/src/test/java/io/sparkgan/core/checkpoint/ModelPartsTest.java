package io.sparkgan.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.nn.NetworkSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class ModelPartsTest {
    @Test
    void aNetworkPartIsDl4jsModelZipUncompressedWithItsOptimizerStateAndStepCount() throws Exception {
        GanConfig c = new GanConfig().setSeed(3).setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 40, 30));
        Discriminator d = Gan.discriminator(c, 20, 0, DataType.FLOAT);
        for (int i = 0; i < 3; i++) {
            d.step(Nd4j.rand(DataType.FLOAT, 8, 20), Nd4j.rand(DataType.FLOAT, 8, 20)); // Adam moments and a step count
        }
        MultiLayerNetwork net = d.network();
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        ModelParts.network(net).write(ours);
        ByteArrayOutputStream dl4j = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, dl4j, true);

        // Read back by our reader, and by DL4J's own: the same network, state and step count.
        MultiLayerNetwork back = ModelParts.network(Map.of("d.zip", ours.toByteArray()), "d.zip");
        MultiLayerNetwork reference = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(dl4j.toByteArray()), true);
        for (MultiLayerNetwork m : new MultiLayerNetwork[] {back, reference}) {
            assertEquals(net.params(), m.params());
            assertEquals(net.getUpdater().getStateViewArray(), m.getUpdater().getStateViewArray());
            assertEquals(3, m.getLayerWiseConfigurations().getIterationCount());
            assertEquals(net.getLayerWiseConfigurations(), m.getLayerWiseConfigurations());
        }
        // The entries DL4J writes, in its order, each stored at about its raw size.
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(ours.toByteArray()))) {
            StringBuilder names = new StringBuilder();
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                names.append(e.getName()).append(' ');
            }
            assertEquals("configuration.json coefficients.bin updaterState.bin ", names.toString());
        }
        assertTrue(ours.size() > 4 * 3 * net.numParams(), "parameters and two moments, uncompressed: " + ours.size());
    }
}
