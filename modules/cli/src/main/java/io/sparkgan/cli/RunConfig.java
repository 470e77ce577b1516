package io.sparkgan.cli;

import io.sparkgan.core.config.Setting;
import java.util.List;
import io.sparkgan.data.Datasets;
import io.sparkgan.data.DataSources;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.core.refine.Refinement;
import io.sparkgan.spark.strategy.Strategies;

/**
 * Everything a {@code sparkgan train} run is configured by: the strategy settings plus the data.
 * YAML files use the flag names as keys ({@code batch-size: 64}).
 */
public class RunConfig extends StrategyConfig {
    private static final long serialVersionUID = 2L;

    /** The preset the run started from ("" for none); recorded so run.json says where values came from. */
    public static final Setting<String> PRESET = Setting.text("preset", "", "The named setup the run started from (set with --preset; \"\" for none).");
    public static final Setting<String> DATASET = Setting.text("dataset", "grid25",
            "grid25, ring8, dsprites (embedded), mnist, fashion-mnist (after `sparkgan data fetch`), idx:<images>[,<labels>], parquet:<path>, csv:<path> or images:<folder>; paths may be hdfs:// or s3a:// URIs.");
    public static final Setting<Integer> DATASET_SIZE = Setting.integer("dataset-size", 25_000, "Rows drawn for the embedded datasets (grid25, ring8, dsprites).").positive();
    /** Where {@code sparkgan data fetch} puts datasets (and where evaluation classifiers are cached); may be a Hadoop URI. */
    public static final Setting<String> DATA_DIR = Setting.text("data-dir", "data", "Where fetched datasets and cached evaluation classifiers live.")
            .check((n, v) -> v.isBlank() ? "data-dir is empty; expected a folder or URI such as data or hdfs://namenode/data" : null);
    /** For {@code images:} datasets: resize every image to HxW ("" keeps the native size, which must then be uniform). */
    public static final Setting<String> IMAGE_SIZE = Setting.text("image-size", "", "images: datasets: resize every image to HxW (\"\": native size).")
            .check((n, v) -> v.isEmpty() || v.matches("[1-9][0-9]*x[1-9][0-9]*") ? null : "image-size '" + v + "' is not valid; expected HxW, e.g. 28x28");
    public static final Setting<Integer> CHANNELS = Setting.integer("channels", 1, "images: datasets: 1 (grayscale) or 3 (RGB).")
            .check((n, v) -> v == 1 || v == 3 ? null : "channels must be 1 (grayscale) or 3 (RGB), got " + v);
    /** What {@link #SEEDS} accepts, in words. */
    static final String SEEDS_EXPECTED = "comma-separated distinct whole numbers such as 1,2,3";
    /**
     * {@code compare} runs every strategy once per seed, so a comparison is judged on mean and spread
     * rather than on one draw; "" runs {@code seed} alone. A run folder's own configuration has "" here
     * and its seed in {@code seed}; {@code train} refuses a list.
     */
    public static final Setting<String> SEEDS = Setting.text("seeds", "",
            "compare: run every strategy once per seed, e.g. 1,2,3, each into DIR/<strategy>/seed-<s>/, and report mean and spread over seeds (\"\": just --seed).")
            .check((n, v) -> {
                if (v.isEmpty()) {
                    return null;
                }
                try {
                    parseSeeds(v);
                    return null;
                } catch (IllegalArgumentException e) {
                    return e.getMessage();
                }
            });
    public static final Setting<Integer> CLASSIFIER_EPOCHS = Setting.integer("classifier-epochs", 0,
            "Epochs of the evaluation classifier (mnist, fashion-mnist) when it is not cached yet (0: its default).").nonNegative("the default");

    /** Settings listed first in run.json and tables; then the rest in declaration order. */
    private static final List<Setting<?>> FIRST = List.of(PRESET, STRATEGY, DATASET, DATASET_SIZE, DATA_DIR, SHARDS, WORKERS, SEED, SEEDS, ITERATIONS, BATCH_SIZE);
    public static final List<Setting<?>> SETTINGS = ordered();

    private static List<Setting<?>> ordered() {
        java.util.LinkedHashSet<Setting<?>> all = new java.util.LinkedHashSet<>(FIRST);
        all.addAll(StrategyConfig.SETTINGS);
        all.addAll(List.of(IMAGE_SIZE, CHANNELS, CLASSIFIER_EPOCHS));
        // Refinement at the final evaluation (DCD), declared once in Refinement.
        all.addAll(Refinement.SETTINGS);
        return List.copyOf(all);
    }

    @Override
    public List<Setting<?>> settings() {
        return SETTINGS;
    }

    @Override
    public void validate() {
        String dataset = getDataset();
        if (!synthetic()) {
            try {
                DataSources.validateSpec(dataset);
            } catch (IllegalArgumentException e) {
                String kind = dataset.contains(":") ? dataset.substring(0, dataset.indexOf(':')) : "";
                // A known kind with a bad path ("csv:") is told what the path should be, not every kind there is.
                throw new IllegalArgumentException(java.util.List.of("idx", "parquet", "csv", "images").contains(kind)
                        ? e.getMessage().replaceFirst("^data spec", "dataset")
                        : "dataset '" + dataset + "' is not understood; expected " + String.join(", ", Datasets.NAMES) + " (embedded), " + DataSources.SPECS);
            }
        }
        for (Setting<?> s : List.of(DATA_DIR, DATASET_SIZE, CLASSIFIER_EPOCHS, CHANNELS, IMAGE_SIZE, SEEDS)) {
            check(s);
        }
        int channels = getChannels();
        String imageSize = getImageSize();
        // The evaluation classifier is cached by dataset and seed and takes the images as fetched.
        if (DataSources.NAMED.containsKey(dataset) && (channels != 1 || !imageSize.isEmpty())) {
            throw new IllegalArgumentException((channels != 1 ? "channels " + channels : "image-size " + imageSize) + " does not apply to " + dataset
                    + ", whose evaluation classifier takes its 28x28 grayscale images as they are; expected channels and image-size only with images: or idx: data");
        }
        super.validate();
        if (refinement().enabled()) {
            String problem = refinementProblem(this, "refine " + get(Refinement.REFINE));
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        }
    }

    /**
     * Why a run of configuration {@code c} cannot be refined (null when it can), as a one-line
     * message starting with {@code what}. Langevin refinement walks each sample down its own energy,
     * so the discriminator must score samples one by one: the adversarial autoencoder's reads codes,
     * and one with minibatch discrimination scores a sample by the batch around it.
     */
    static String refinementProblem(io.sparkgan.core.GanConfig c, String what) {
        if (io.sparkgan.core.aae.AdversarialAutoencoder.on(c)) {
            return what + " does not apply to the adversarial autoencoder (its discriminator reads codes, not samples); expected refine none";
        }
        if (io.sparkgan.core.stabilizer.Stabilizers.of(c).stream().anyMatch(s -> s instanceof io.sparkgan.core.stabilizer.MinibatchDiscrimination)) {
            return what + " does not apply with stabilizer minibatch-discrimination (its discriminator scores a sample by the batch around it, "
                    + "not on its own); expected refine none";
        }
        return null;
    }

    /** The refinement of the final evaluation (validated: the message names the setting). */
    public Refinement refinement() {
        return new Refinement(get(Refinement.REFINE), get(Refinement.STEPS), get(Refinement.STEP_SIZE), get(Refinement.NOISE), get(Refinement.ENERGY));
    }

    /**
     * Checks that the refinement's energy exists in a model of this run's strategy ({@code worker:K}
     * needs K below its number of discriminators).
     *
     * @throws UsageException naming the choices there are
     */
    void checkEnergy() {
        try {
            refinement().check(Strategies.byName(getStrategy()).discriminators(this));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage() + (getStrategy().equals("mdgan") ? "" : " (a " + getStrategy() + " model has one discriminator)"));
        }
    }

    private <T> void check(Setting<T> s) {
        s.validate(get(s));
    }

    /**
     * The seeds a comparison runs, in the order given: {@code seeds} parsed, or {@code seed} alone
     * when it is empty.
     *
     * @throws IllegalArgumentException naming the bad entry and what is expected
     */
    public List<Long> seedList() {
        return getSeeds().isBlank() ? List.of(getSeed()) : parseSeeds(getSeeds());
    }

    /** Parses a non-empty list of {@link #SEEDS}; the message names the bad entry. */
    static List<Long> parseSeeds(String text) {
        if (text.replace(",", "").isBlank()) {
            throw new IllegalArgumentException("seeds '" + text + "' is empty; expected " + SEEDS_EXPECTED);
        }
        java.util.Set<Long> seen = new java.util.LinkedHashSet<>();
        for (String part : text.split(",", -1)) {
            String t = part.trim();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("seeds '" + text + "' has an empty entry; expected " + SEEDS_EXPECTED);
            }
            long v;
            try {
                v = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("seeds '" + text + "': '" + t + "' is not a whole number; expected " + SEEDS_EXPECTED);
            }
            if (!seen.add(v)) {
                throw new IllegalArgumentException("seeds '" + text + "': " + v + " appears twice; expected " + SEEDS_EXPECTED);
            }
        }
        return List.copyOf(seen);
    }

    /** Whether the dataset is an embedded one (generated from the seed: the 2-D mixtures, scored by mode coverage, and dsprites). */
    public boolean synthetic() {
        return Datasets.NAMES.contains(getDataset());
    }

    public String getPreset() { return get(PRESET); }
    public RunConfig setPreset(String v) { set(PRESET, v); return this; }
    public String getDataDir() { return get(DATA_DIR); }
    public RunConfig setDataDir(String v) { set(DATA_DIR, v); return this; }
    public String getImageSize() { return get(IMAGE_SIZE); }
    public RunConfig setImageSize(String v) { set(IMAGE_SIZE, v); return this; }
    public int getClassifierEpochs() { return get(CLASSIFIER_EPOCHS); }
    public RunConfig setClassifierEpochs(int v) { set(CLASSIFIER_EPOCHS, v); return this; }
    public int getChannels() { return get(CHANNELS); }
    public RunConfig setChannels(int v) { set(CHANNELS, v); return this; }
    public String getSeeds() { return get(SEEDS); }
    public RunConfig setSeeds(String v) { set(SEEDS, v); return this; }
    public String getDataset() { return get(DATASET); }
    public RunConfig setDataset(String v) { set(DATASET, v); return this; }
    public int getDatasetSize() { return get(DATASET_SIZE); }
    public RunConfig setDatasetSize(int v) { set(DATASET_SIZE, v); return this; }
}
