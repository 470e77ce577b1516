package io.sparkgan.data;

import io.sparkgan.data.idx.Idx;
import io.sparkgan.data.idx.IdxFrames;
import io.sparkgan.data.images.ImageFolder;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Loads real datasets as frames in the {@link VectorFrames} convention. A spec is one of:
 *
 * <ul>
 *   <li>{@code mnist}, {@code fashion-mnist}: the IDX files of the chosen split in
 *       {@code <dataDir>/<name>/} ({@code train-*} or {@code t10k-*}, optionally gzip-compressed
 *       with a {@code .gz} suffix), as written by {@code bin/sparkgan data fetch <name>};
 *   <li>{@code idx:<images>[,<labels>]}: an IDX images file and optionally its labels;
 *   <li>{@code parquet:<path>}: a vector {@code features} column and an optional numeric
 *       {@code label};
 *   <li>{@code csv:<path>}: a header row; every numeric column except {@code label} is a feature;
 *   <li>{@code images:<folder>}: PNG/JPEG images, one sub-folder per class or none (see
 *       {@link ImageFolder}).
 * </ul>
 *
 * <p>Paths may be local or Hadoop URIs ({@code hdfs://}, {@code file://}); they are read with the
 * session's Hadoop configuration. Pixel data (IDX and images) becomes features in [-1, 1]
 * ({@code v / 127.5 - 1}) laid out as in {@link ImageShape}, with labels as doubles; Parquet and CSV
 * values are taken as they are, after a check that they are finite. IDX files and images are read
 * on the executors (the driver only reads headers), and the frame is not cached. For Parquet and
 * CSV, a positive {@code partitions} coalesces the file splits (keeping row order) or repartitions
 * them (a shuffle, so row order changes); 0 keeps Spark's split of the files.
 *
 * <p>Only the named datasets have a test split; for the others the spec names the files to read.
 */
public final class DataSources {
    /** The datasets that live under the data folder, with their class names. */
    public static final Map<String, List<String>> NAMED = Map.of(
            "mnist", List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
            "fashion-mnist", List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"));

    public static final String SPECS = "mnist, fashion-mnist, idx:<images>[,<labels>], parquet:<path>, csv:<path> or images:<folder>";

    private DataSources() {}

    /**
     * Loads the dataset {@code spec} (see the class description).
     *
     * @throws IllegalArgumentException with a one-line message naming the spec or file and what is
     *     expected, when the spec is unknown, the data is missing or malformed
     */
    public static LoadedData load(SparkSession spark, String spec, DataOptions options) {
        validateSpec(spec);
        int partitions = options.partitions() > 0 ? options.partitions() : spark.sparkContext().defaultParallelism();
        if (NAMED.containsKey(spec)) {
            return named(spark, spec, options, partitions);
        }
        int colon = spec.indexOf(':');
        String kind = spec.substring(0, colon);
        String arg = spec.substring(colon + 1).trim();
        if (options.split().equals(DataOptions.TEST)) {
            throw new IllegalArgumentException("data spec '" + spec + "' has no test split (only " + String.join(" and ", NAMED.keySet().stream().sorted().toList())
                    + " do); name the test files in the spec itself and load them as the train split");
        }
        return switch (kind) {
            case "idx" -> idx(spark, spec, arg, options, partitions);
            case "parquet" -> Tables.parquet(spark, spec, arg, options.partitions());
            case "csv" -> Tables.csv(spark, spec, arg, options.partitions());
            default -> images(spark, spec, arg, options, partitions);
        };
    }

    /**
     * Checks the form of a spec without touching any file (for validating a configuration before
     * Spark starts); {@link #load} reports missing or malformed data.
     *
     * @throws IllegalArgumentException naming the spec and the accepted forms
     */
    public static void validateSpec(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("the data spec is empty; expected " + SPECS);
        }
        if (NAMED.containsKey(spec)) {
            return;
        }
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        String arg = colon < 0 ? "" : spec.substring(colon + 1).trim();
        if (colon < 0 || !List.of("idx", "parquet", "csv", "images").contains(kind)) {
            throw new IllegalArgumentException("data spec '" + spec + "' is not understood; expected " + SPECS);
        }
        if (arg.isEmpty()) {
            throw new IllegalArgumentException("data spec '" + spec + "' names no path; expected " + kind + (kind.equals("idx") ? ":<images>[,<labels>]" : ":<path>"));
        }
        if (kind.equals("idx")) {
            String[] parts = arg.split(",", -1);
            if (parts.length > 2 || parts[0].isBlank() || (parts.length == 2 && parts[1].isBlank())) {
                throw new IllegalArgumentException("data spec '" + spec + "' is malformed; expected idx:<images file>[,<labels file>]");
            }
        }
    }

    /**
     * The user-facing error inside a failed Spark job: the {@link IllegalArgumentException} a task
     * threw (found in the cause chain) with its own message, else {@code e} itself.
     */
    public static RuntimeException userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalArgumentException iae) {
                return t == e ? iae : new IllegalArgumentException(iae.getMessage(), e);
            }
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }

    private static LoadedData named(SparkSession spark, String name, DataOptions options, int partitions) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path dir = new Path(new Path(options.dataDir()), name);
        String prefix = options.split().equals(DataOptions.TEST) ? "t10k" : "train";
        String images;
        String labels;
        try {
            FileSystem fs = dir.getFileSystem(conf);
            FileStatus st = status(fs, dir);
            if (st == null || !st.isDirectory()) {
                throw new IllegalArgumentException("dataset '" + name + "' not found under " + dir + "; run `bin/sparkgan data fetch " + name + "` first");
            }
            images = find(fs, dir, name, prefix + "-images-idx3-ubyte");
            labels = find(fs, dir, name, prefix + "-labels-idx1-ubyte");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dataset folder " + dir + ": " + e.getMessage(), e);
        }
        Idx.Header ih = Idx.readHeader(images, Idx.IMAGES_MAGIC, conf);
        Idx.Header lh = Idx.readHeader(labels, Idx.LABELS_MAGIC, conf);
        Idx.checkSameCount(ih, lh);
        List<String> classes = NAMED.get(name);
        int max = Idx.maxLabel(lh, conf);
        if (max >= classes.size()) {
            throw new IllegalArgumentException("labels file " + labels + " holds label " + max + "; expected 0.." + (classes.size() - 1) + " for " + name);
        }
        return idxData(spark, ih, lh, classes.size(), classes, options, partitions,
                name + " " + options.split() + " split from " + dir);
    }

    private static String find(FileSystem fs, Path dir, String name, String file) throws IOException {
        for (String f : List.of(file, file + ".gz")) {
            FileStatus st = status(fs, new Path(dir, f));
            if (st != null && st.isFile()) {
                return new Path(dir, f).toString();
            }
        }
        throw new IllegalArgumentException("dataset '" + name + "' in " + dir + " lacks " + file + "; run `bin/sparkgan data fetch " + name + "` to rebuild it");
    }

    /** The file's status, or null when it does not exist. */
    private static FileStatus status(FileSystem fs, Path p) throws IOException {
        try {
            return fs.getFileStatus(p);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    private static LoadedData idx(SparkSession spark, String spec, String arg, DataOptions options, int partitions) {
        String[] parts = arg.split(",", -1);
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Idx.Header ih = Idx.readHeader(parts[0].trim(), Idx.IMAGES_MAGIC, conf);
        Idx.Header lh = null;
        int classes = 0;
        if (parts.length == 2) {
            lh = Idx.readHeader(parts[1].trim(), Idx.LABELS_MAGIC, conf);
            Idx.checkSameCount(ih, lh);
            classes = Idx.maxLabel(lh, conf) + 1;
        }
        return idxData(spark, ih, lh, classes, List.of(), options, partitions, spec);
    }

    private static LoadedData idxData(SparkSession spark, Idx.Header ih, Idx.Header lh, int classes, List<String> classNames, DataOptions options,
            int partitions, String what) {
        if (ih.count() == 0) {
            throw new IllegalArgumentException("IDX file " + ih.file() + " holds no images; expected at least one");
        }
        ImageShape shape = options.resizeTo() != null ? options.resizeTo() : new ImageShape(ih.rows(), ih.columns(), options.channels());
        String description = what + " (" + ih.count() + " images " + shape + (classes > 0 ? ", " + classes + " classes" : "")
                + (options.resizeTo() != null ? ", resized from " + ih.rows() + "x" + ih.columns() : "") + ")";
        return new LoadedData(IdxFrames.frame(spark, ih, lh, partitions, shape), shape.size(), classes, shape, description, classNames, ih.count());
    }

    private static LoadedData images(SparkSession spark, String spec, String folder, DataOptions options, int partitions) {
        ImageFolder.Listing listing = ImageFolder.list(folder, spark.sparkContext().hadoopConfiguration());
        ImageShape shape = ImageFolder.probe(spark, listing, partitions, options.resizeTo(), options.channels());
        int classes = listing.classNames().size();
        String description = spec + " (" + listing.files().size() + " images " + shape
                + (classes > 0 ? ", " + classes + " classes: " + String.join(", ", listing.classNames()) : "")
                + (options.resizeTo() != null ? ", resized" : "") + ")";
        return new LoadedData(ImageFolder.frame(spark, listing, partitions, shape, options.resizeTo() != null), shape.size(), classes, shape,
                description, listing.classNames(), listing.files().size());
    }
}
