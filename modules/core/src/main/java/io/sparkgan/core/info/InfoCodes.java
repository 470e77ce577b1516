package io.sparkgan.core.info;

import io.sparkgan.core.GanRandom;
import io.sparkgan.core.config.Setting;
import io.sparkgan.core.config.SettingValues;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The structured latent codes of InfoGAN (Chen, Duan, Houthooft, Schulman, Sutskever and Abbeel,
 * "InfoGAN: Interpretable Representation Learning by Information Maximizing Generative Adversarial
 * Nets", NeurIPS 2016) and the paired draws of InfoGAN-CR's contrastive regulariser (Lin,
 * Thekumparampil, Fanti and Oh, "InfoGAN-CR and ModelCentrality: Self-supervised Model Training and
 * Selection for Disentangling GANs", ICML 2020): their settings, declared once here, where they sit
 * in the generator's input, and how they are drawn.
 *
 * <p>The generator's input is {@code [noise (latent-dim), class one-hot (conditional objectives),
 * one one-hot per categorical code, the continuous codes]}. Categorical codes are uniform over their
 * categories, continuous ones uniform on [−1, 1] (as both papers draw them). Each code is one
 * <em>factor</em>: categorical codes first, then continuous ones.
 *
 * <p>What travels with a generated batch ({@link io.sparkgan.core.Batch#codes()}, to MD-GAN's
 * workers too) is one row per sample: the category index of each categorical code, the value of
 * each continuous code and, with the contrastive regulariser, the factor the sample's pair shares
 * (−1 when the row is not in a pair). Pairs are rows (2j, 2j + 1): the batch size must be even so
 * that MD-GAN's blocks of b rows never split a pair.
 *
 * <p>Pairs (Lin et al. 2020, §3): factor k is drawn uniformly; both rows share its value and the
 * noise, and every other code is drawn independently for each row, at least the <em>gap</em> apart
 * for continuous codes (values drawn in [−1 + g/2, 1 − g/2] and pushed g/2 apart each, as the
 * authors' code does; a different category for categorical ones). The paper's progressive training
 * is the schedule: the regulariser starts at iteration {@link #CR_FROM} (InfoGAN alone before), with
 * gap {@link #CR_GAP} until {@link #CR_GAP_UNTIL} and 0 after. Outside the schedule every row is
 * drawn independently, so a generated batch is always distributed as G's samples are.
 */
public final class InfoCodes implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final Setting<String> CATEGORICAL = Setting.parsed("info-categorical", String.class, "",
            "comma-separated category counts such as 10 or 10,4", InfoCodes::parseCategories,
            "InfoGAN categorical codes: their category counts, comma-separated (Chen et al. 2016 use 10 on MNIST; empty: none).");
    public static final Setting<Integer> CONTINUOUS = Setting.integer("info-continuous", 0,
            "InfoGAN continuous codes, each uniform on [-1, 1] (Chen et al. 2016: 2 on MNIST; Lin et al. 2020: 5 on dSprites).")
            .nonNegative("none");
    public static final Setting<Double> WEIGHT = Setting.number("info-weight", 1.0,
            "lambda of InfoGAN's mutual-information term, for D/Q and G (Chen et al. 2016: 1; Lin et al. 2020: 0.05 on dSprites).").positive();
    public static final Setting<Double> CR_WEIGHT = Setting.number("cr-weight", 0.0,
            "alpha of InfoGAN-CR's contrastive regulariser, for G and the pair classifier (Lin et al. 2020: 2 on dSprites; 0: off).")
            .nonNegative("off");
    public static final Setting<Integer> CR_FROM = Setting.integer("cr-from", 0,
            "Iteration after which the contrastive regulariser starts (progressive training: InfoGAN alone before).")
            .nonNegative("from the start");
    public static final Setting<Double> CR_GAP = Setting.number("cr-gap", 0.0,
            "Least distance between the unshared continuous codes of a pair until cr-gap-until (the authors' code uses 1.9, then 0, on some datasets).").inRange(0, 2);
    public static final Setting<Integer> CR_GAP_UNTIL = Setting.integer("cr-gap-until", 0,
            "Iteration after which the gap is 0.").nonNegative("never a gap");

    /** The settings, in order. */
    public static final List<Setting<?>> SETTINGS = List.of(CATEGORICAL, CONTINUOUS, WEIGHT, CR_WEIGHT, CR_FROM, CR_GAP, CR_GAP_UNTIL);

    /** Dimensions per factor of the pair classifier's embedding (see {@link InfoGan}). */
    public static final int EMBEDDING = 4;

    private final int[] categories;
    private final int continuous;
    private final double crWeight;
    private final int crFrom;
    private final double crGap;
    private final int crGapUntil;

    public InfoCodes(int[] categories, int continuous, double crWeight, int crFrom, double crGap, int crGapUntil) {
        this.categories = categories.clone();
        this.continuous = continuous;
        this.crWeight = crWeight;
        this.crFrom = crFrom;
        this.crGap = crGap;
        this.crGapUntil = crGapUntil;
    }

    /** The codes configuration {@code c} asks for, or null when it asks for none. */
    public static InfoCodes of(SettingValues c) {
        int[] cats = parseCategoryCounts(c.get(CATEGORICAL));
        int cont = c.get(CONTINUOUS);
        if (cats.length == 0 && cont == 0) {
            return null;
        }
        return new InfoCodes(cats, cont, c.get(CR_WEIGHT), c.get(CR_FROM), c.get(CR_GAP), c.get(CR_GAP_UNTIL));
    }

    /** The discriminator outputs the codes of configuration {@code c} add after the objective's own (0 without codes). */
    public static int extraOutputs(SettingValues c) {
        InfoCodes codes = of(c);
        return codes == null ? 0 : codes.qWidth() + codes.pairWidth();
    }

    /** Whether configuration {@code c} asks for InfoGAN codes. */
    public static boolean on(SettingValues c) {
        return of(c) != null;
    }

    /**
     * Null when the codes of {@code c} can be trained with batches of {@code batchSize}, else the
     * one-line reason.
     */
    public static String problem(SettingValues c, int batchSize) {
        InfoCodes codes = of(c);
        if (codes == null) {
            return c.get(CR_WEIGHT) > 0 ? "cr-weight " + c.get(CR_WEIGHT) + " needs InfoGAN codes; expected info-categorical or info-continuous" : null;
        }
        if (codes.contrastive() && codes.factors() < 2) {
            return "cr-weight " + codes.crWeight + " needs at least 2 codes to tell apart, got " + codes.factors()
                    + "; expected more info-categorical or info-continuous codes";
        }
        if (codes.contrastive() && batchSize % 2 != 0) {
            return "batch-size " + batchSize + " must be even with cr-weight > 0 (generated rows come in pairs)";
        }
        return null;
    }

    private static String parseCategories(String text) {
        int[] counts = parseCategoryCounts(text);
        return Arrays.stream(counts).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
    }

    /** The category counts of a setting value such as {@code 10,4} (empty: none). */
    static int[] parseCategoryCounts(String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) {
            return new int[0];
        }
        List<Integer> counts = new ArrayList<>();
        for (String part : t.split(",")) {
            int k;
            try {
                k = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                k = -1;
            }
            if (k < 2) {
                throw new IllegalArgumentException("info-categorical '" + text + "' is not a list of category counts; expected whole numbers >= 2 such as 10 or 10,4");
            }
            counts.add(k);
        }
        return counts.stream().mapToInt(Integer::intValue).toArray();
    }

    public int[] categories() {
        return categories.clone();
    }

    public int continuous() {
        return continuous;
    }

    /** Codes, each a factor: the categorical ones, then the continuous ones. */
    public int factors() {
        return categories.length + continuous;
    }

    /** Whether the contrastive regulariser is on (at some iteration). */
    public boolean contrastive() {
        return crWeight > 0;
    }

    public double crWeight() {
        return crWeight;
    }

    /** Columns the codes take in the generator's input: one-hot categories, then continuous values. */
    public int inputWidth() {
        return Arrays.stream(categories).sum() + continuous;
    }

    /** Q's outputs: the logits of every categorical code, then the mean of every continuous one. */
    public int qWidth() {
        return inputWidth();
    }

    /** The pair classifier's embedding outputs (0 without the regulariser). */
    public int pairWidth() {
        return contrastive() ? factors() * EMBEDDING : 0;
    }

    /** Columns of a batch's code rows: one per factor, plus the pair's shared factor with the regulariser. */
    public int codeColumns() {
        return factors() + (contrastive() ? 1 : 0);
    }

    /** Whether iteration {@code t} (1-based) draws pairs for the regulariser. */
    public boolean pairsAt(int t) {
        return contrastive() && t > crFrom;
    }

    /** The gap at iteration {@code t}. */
    public double gapAt(int t) {
        return t <= crGapUntil ? crGap : 0;
    }

    /**
     * Codes for {@code n} generated samples.
     *
     * @param inputs the codes as generator inputs, [n, {@link #inputWidth()}] row-major
     * @param codes the code rows that travel with the batch, [n, {@link #codeColumns()}] row-major
     * @param paired whether rows (2j, 2j + 1) are pairs (their noise must then be shared too)
     */
    public record Draw(double[] inputs, double[] codes, boolean paired) {}

    /**
     * Draws the codes of {@code n} samples with {@code rng}: independent rows, or pairs when
     * {@code iteration} (1-based; 0 for sampling outside training) is in the regulariser's schedule.
     */
    public Draw draw(GanRandom rng, int n, int iteration) {
        int width = inputWidth();
        int cols = codeColumns();
        double[] in = new double[n * width];
        double[] codes = new double[n * cols];
        boolean paired = iteration > 0 && pairsAt(iteration);
        if (!paired) {
            for (int i = 0; i < n; i++) {
                drawAlone(rng, in, codes, i);
            }
            return new Draw(in, codes, false);
        }
        double gap = gapAt(iteration);
        int i = 0;
        for (; i + 1 < n; i += 2) {
            int shared = rng.nextInt(factors());
            int[] ca = new int[categories.length];
            int[] cb = new int[categories.length];
            double[] ua = new double[continuous];
            double[] ub = new double[continuous];
            for (int f = 0; f < categories.length; f++) {
                ca[f] = rng.nextInt(categories[f]);
                if (f == shared) {
                    cb[f] = ca[f];
                } else if (gap > 0) {
                    // A different category: the categorical form of "at least the gap apart".
                    cb[f] = (ca[f] + 1 + rng.nextInt(categories[f] - 1)) % categories[f];
                } else {
                    cb[f] = rng.nextInt(categories[f]);
                }
            }
            for (int c = 0; c < continuous; c++) {
                int f = categories.length + c;
                if (f == shared) {
                    ua[c] = uniform(rng, -1, 1);
                    ub[c] = ua[c];
                } else {
                    double a = uniform(rng, -1 + gap / 2, 1 - gap / 2);
                    double b = uniform(rng, -1 + gap / 2, 1 - gap / 2);
                    double sign = a > b ? 1 : -1;
                    ua[c] = a + sign * gap / 2;
                    ub[c] = b - sign * gap / 2;
                }
            }
            put(in, codes, i, ca, ua, shared);
            put(in, codes, i + 1, cb, ub, shared);
        }
        if (i < n) {
            // An odd last row (sampling only: training batches are even) is drawn alone.
            drawAlone(rng, in, codes, i);
        }
        return new Draw(in, codes, true);
    }

    /** Draws row {@code row}'s codes from the prior, in no pair. */
    private void drawAlone(GanRandom rng, double[] in, double[] codes, int row) {
        int[] cat = new int[categories.length];
        double[] cont = new double[continuous];
        for (int f = 0; f < categories.length; f++) {
            cat[f] = rng.nextInt(categories[f]);
        }
        for (int f = 0; f < continuous; f++) {
            cont[f] = uniform(rng, -1, 1);
        }
        put(in, codes, row, cat, cont, -1);
    }

    /**
     * The generator-input columns of codes given as code rows ({@link #codeColumns()} or
     * {@link #factors()} wide): a latent traversal sets one factor's column and reads the inputs here.
     */
    public double[] inputs(double[] codeRows, int n) {
        int cols = codeRows.length / Math.max(1, n);
        double[] in = new double[n * inputWidth()];
        double[] scratch = new double[n * codeColumns()];
        for (int i = 0; i < n; i++) {
            int[] cat = new int[categories.length];
            double[] cont = new double[continuous];
            for (int f = 0; f < categories.length; f++) {
                cat[f] = (int) codeRows[i * cols + f];
                if (cat[f] < 0 || cat[f] >= categories[f]) {
                    throw new IllegalArgumentException("categorical code " + f + " is " + cat[f] + "; expected 0.." + (categories[f] - 1));
                }
            }
            for (int c = 0; c < continuous; c++) {
                cont[c] = codeRows[i * cols + categories.length + c];
            }
            put(in, scratch, i, cat, cont, -1);
        }
        return in;
    }

    private void put(double[] in, double[] codes, int row, int[] cat, double[] cont, int shared) {
        int width = inputWidth();
        int cols = codeColumns();
        int at = row * width;
        for (int f = 0; f < categories.length; f++) {
            in[at + cat[f]] = 1;
            at += categories[f];
            codes[row * cols + f] = cat[f];
        }
        for (int c = 0; c < continuous; c++) {
            in[at + c] = cont[c];
            codes[row * cols + categories.length + c] = cont[c];
        }
        if (contrastive()) {
            codes[row * cols + factors()] = shared;
        }
    }

    private static double uniform(GanRandom rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    @Override
    public String toString() {
        return "info codes " + Arrays.toString(categories) + " categorical, " + continuous + " continuous"
                + (contrastive() ? ", contrastive " + crWeight : "");
    }
}
