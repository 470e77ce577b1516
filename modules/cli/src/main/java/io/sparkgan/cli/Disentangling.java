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
 * <p>The metrics are evaluation metrics ({@link #evaluator}), in metrics.csv at every evaluation
 * point and in final.json: Q is read from discriminator 0 as it stands then (the standalone run's D,
 * FL-GAN's averaged D, MD-GAN's discriminator 0, fetched from the worker holding it).
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

    /**
     * {@code inner} (null: none) with, for an InfoGAN run on dSprites, MIG and the FactorVAE score
     * of discriminator 0's Q at every evaluation point; {@code inner} itself otherwise.
     */
    static io.sparkgan.core.train.Evaluator evaluator(RunConfig c, io.sparkgan.core.train.Evaluator inner) {
        if (!InfoCodes.on(c) || !c.getDataset().equals(DSprites.NAME)) {
            return inner;
        }
        return DiscriminatorMetrics.add(inner, java.util.List.of(MIG, FACTOR_VAE), d -> metrics(c, d));
    }

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
        return g.withCodes(Nd4j.tile(base, rows.length, 1), rows);
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

    /** Values a continuous code takes when a FactorVAE vote between models fixes it: the centres of equal bins of [−1, 1]. */
    static final int CODE_BINS = 10;
    /** Votes, vote batch and reference samples of the similarity between two models (fewer than the metric's: it runs for every pair). */
    static final int PAIR_VOTES = 400;
    static final int PAIR_REFERENCE = 2_000;

    /**
     * The similarity of two InfoGAN models in ModelCentrality (Lin et al. 2020, §4): the FactorVAE
     * score of model b's Q reading model a's samples, a's own codes taken as the ground-truth
     * factors (continuous codes in {@link #CODE_BINS} bins), averaged with the same the other way
     * round. Two models that disentangle the same factors agree whatever order their codes are in.
     */
    static double similarity(Generator ga, Discriminator da, Generator gb, Discriminator db, long seed) {
        return (readBy(ga, db, seed) + readBy(gb, da, seed)) / 2;
    }

    /** The FactorVAE score of {@code reader}'s Q on {@code g}'s samples against {@code g}'s codes. */
    static double readBy(Generator g, Discriminator reader, long seed) {
        InfoGan q = InfoGan.of(reader.objective());
        if (g.info() == null || q == null) {
            throw new IllegalArgumentException("the disentanglement similarity compares InfoGAN models; this one has no codes");
        }
        int[] values = codeValues(g.info());
        Disentanglement.Source source = generated(g, q, reader, values, GanRandom.stream(seed, "centrality-noise", 0));
        return Disentanglement.factorVaeScore(source, values, PAIR_VOTES, VOTE_BATCH, PAIR_REFERENCE, GanRandom.stream(seed, "centrality", 0));
    }

    /** The values of each code as a factor: its categories, or {@link #CODE_BINS} for a continuous one. */
    static int[] codeValues(InfoCodes info) {
        int[] v = new int[info.factors()];
        int[] cats = info.categories();
        for (int f = 0; f < v.length; f++) {
            v[f] = f < cats.length ? cats[f] : CODE_BINS;
        }
        return v;
    }

    /** Samples of {@code g} at given code values (fresh noise from {@code noise}), read by {@code q} through {@code d}. */
    private static Disentanglement.Source generated(Generator g, InfoGan q, Discriminator d, int[] values, GanRandom noise) {
        int categorical = g.info().categories().length;
        return new Disentanglement.Source() {
            @Override
            public int[][] factors(int n, int fixed, int value, GanRandom rng) {
                return Disentanglement.uniformFactors(values, n, fixed, value, rng);
            }

            @Override
            public double[][] encode(int[][] f) {
                double[][] rows = new double[f.length][values.length];
                for (int i = 0; i < f.length; i++) {
                    for (int k = 0; k < values.length; k++) {
                        rows[i][k] = k < categorical ? f[i][k] : -1 + (2.0 * f[i][k] + 1) / CODE_BINS;
                    }
                }
                INDArray x = g.sample(g.withCodes(g.latent(noise, f.length), rows));
                return q.predictedCodes(d.inference(() -> d.network().output(x.castTo(d.network().params().dataType()), false)));
            }
        };
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
