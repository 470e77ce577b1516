package io.sparkgan.cli;

import io.sparkgan.core.aae.AdversarialAutoencoder;
import io.sparkgan.core.run.RunFolder;
import io.sparkgan.data.Samples;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What an adversarial autoencoder's run reports besides its decoder's samples (Makhzani et al.
 * 2015, §2): the reconstruction error of held-out data through the final encoder and decoder
 * ({@link #RECONSTRUCTION}, in final.json) and a plot of their codes' first two coordinates,
 * coloured by class ({@link #CODES_PNG}), which the report shows. The encoder is the run's model's
 * ({@link io.sparkgan.spark.ml.GanModel#encoder()}).
 */
final class Autoencoding {
    /** Mean squared reconstruction error per coordinate of the held-out samples, in final.json. */
    static final String RECONSTRUCTION = "reconstruction_mse";
    /** The plot of the held-out samples' codes in a run folder. */
    static final String CODES_PNG = "codes.png";
    /** Held-out samples scored and plotted at most. */
    static final int ROWS = 10_000;

    private Autoencoding() {}

    /**
     * The reconstruction error of {@code test} (its first {@link #ROWS} rows) and the codes plot in
     * {@code run}; empty without held-out samples.
     */
    static Map<String, Double> finish(RunFolder run, RunConfig c, io.sparkgan.core.Generator decoder, MultiLayerNetwork encoder, Samples test) {
        if (test == null || test.size() == 0) {
            return Map.of();
        }
        int n = Math.min(ROWS, test.size());
        float[][] rows = java.util.Arrays.copyOf(test.features(), n);
        INDArray x = Nd4j.create(rows).castTo(decoder.dataType());
        INDArray codes = encoder.output(x, false);
        INDArray diff = decoder.sample(codes).subi(x);
        double norm = diff.norm2Number().doubleValue();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(RECONSTRUCTION, norm * norm / diff.length());
        int[] labels = test.labels() == null ? null : java.util.Arrays.copyOf(test.labels(), n);
        Plots.codes(run.file(CODES_PNG), "codes of " + n + " held-out samples, " + c.get(AdversarialAutoencoder.AUTOENCODER) + " prior",
                codes.toDoubleMatrix(), labels);
        return m;
    }
}
