package io.sparkgan.cli;

import io.sparkgan.core.Discriminator;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.info.InfoCodes;
import io.sparkgan.core.info.InfoGan;
import io.sparkgan.core.run.RunFolder;
import io.sparkgan.data.DSprites;
import io.sparkgan.data.ImageShape;
import io.sparkgan.metrics.Disentanglement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What an InfoGAN run (Chen et al. 2016; InfoGAN-CR, Lin et al. 2020) reports besides its samples:
 * a latent traversal grid ({@link #TRAVERSAL_PNG}: one row per code, the code varied along the row,
 * everything else fixed) and, on data whose factors are known (dSprites), the disentanglement of
 * Q's reading of real images: MIG and the FactorVAE score ({@link Disentanglement}), in final.json.
 *
 * <p>Q is read from discriminator 0 of the final checkpoint: the standalone run's D, FL-GAN's
 * averaged D, MD-GAN worker 0's D.
 */
final class Disentangling {
    /** The traversal grid in a run folder. */
    static final String TRAVERSAL_PNG = "traversal.png";
    /** Images per traversal row. */
    static final int STEPS = 10;
    /** The metrics' names in final.json. */
    static final String MIG = "mig";
    static final String FACTOR_VAE = "factorvae_score";
    /** Samples of MIG; votes, vote batch and reference samples of the FactorVAE score (Kim and Mnih 2018 take batches of 64 too). */
    static final int MIG_SAMPLES = 10_000;
    static final int VOTES = 1_000;
    static final int VOTE_BATCH = 64;
    static final int REFERENCE = 5_000;

    private Disentangling() {}

    /** The traversal grid of image generator {@code g}, when its data are images. */
    static void traversal(RunFolder run, RunConfig c, Generator g, ImageShape shape) {
        if (shape == null || g.info() == null) {
            return;
        }
        Plots.imageGrid(run.file(TRAVERSAL_PNG), g.sample(traversalInputs(g, c.getSeed())).toDoubleMatrix(), shape, STEPS);
    }

    /**
     * One row of {@link #STEPS} inputs per code: a categorical code through its categories (cycling),
     * a continuous one from −1 to 1; the noise, the class and the other codes those of one draw.
     */
    static INDArray traversalInputs(Generator g, long seed) {
        InfoCodes info = g.info();
        INDArray base = g.latent(GanRandom.stream(seed, "traversal", 0), 1);
        int factors = info.factors();
        int[] cats = info.categories();
        double[][] rows = new double[factors * STEPS][];
        // The base draw's own codes: what every other factor keeps.
        double[] own = new double[factors];
        int at = g.latentDim() + g.classes();
        for (int f = 0; f < cats.length; f++) {
            INDArray onehot = base.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(at, at + cats[f]));
            own[f] = onehot.argMax().getInt(0);
            at += cats[f];
        }
        for (int f = 0; f < info.continuous(); f++) {
            own[cats.length + f] = base.getDouble(0, at + f);
        }
        for (int f = 0; f < factors; f++) {
            for (int s = 0; s < STEPS; s++) {
                double[] r = own.clone();
                r[f] = f < cats.length ? s % cats[f] : -1 + 2.0 * s / (STEPS - 1);
                rows[f * STEPS + s] = r;
            }
        }
        return g.withCodes(Nd4j.repeat(base, rows.length).reshape(rows.length, base.columns()), rows);
    }

    /**
     * MIG and the FactorVAE score of Q's reading of dSprites images, with {@code d} the trained
     * discriminator; empty on other data.
     */
    static Map<String, Double> metrics(RunConfig c, Discriminator d) {
        InfoGan info = InfoGan.of(d.objective());
        if (info == null || !c.getDataset().equals(DSprites.NAME)) {
            return Map.of();
        }
        Disentanglement.Source source = source(info, d);
        GanRandom rng = GanRandom.stream(c.getSeed(), "disentanglement", 0);
        int[][] f = source.factors(MIG_SAMPLES, -1, 0, rng);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(MIG, Disentanglement.mig(source.encode(f), f, DSprites.VALUES));
        m.put(FACTOR_VAE, Disentanglement.factorVaeScore(source, DSprites.VALUES, VOTES, VOTE_BATCH, REFERENCE, rng));
        return m;
    }

    /** dSprites images of given factors, read by Q through discriminator {@code d}. */
    static Disentanglement.Source source(InfoGan info, Discriminator d) {
        return new Disentanglement.Source() {
            @Override
            public int[][] factors(int n, int fixed, int value, GanRandom rng) {
                return Disentanglement.uniformFactors(DSprites.VALUES, n, fixed, value, rng);
            }

            @Override
            public double[][] encode(int[][] f) {
                float[][] x = new float[f.length][];
                for (int i = 0; i < f.length; i++) {
                    x[i] = DSprites.render(f[i]);
                }
                INDArray in = Nd4j.create(x).castTo(d.network().params().dataType());
                return info.predictedCodes(d.inference(() -> d.network().output(in, false)));
            }
        };
    }
}
