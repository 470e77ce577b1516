package io.sparkgan.data;

import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@link DataSources#load} reads a dataset.
 *
 * @param dataDir folder holding the named datasets ({@code <dataDir>/mnist}, ...); a local path or a
 *     Hadoop URI such as {@code hdfs://nn/data}
 * @param split {@code train} or {@code test}; only the named datasets (mnist, fashion-mnist) have a
 *     test split
 * @param partitions partitions of the loaded frame; 0 means Spark's default parallelism
 * @param imageSize {@code HxW} (height x width, e.g. {@code 32x32}) to resize images to, or null to
 *     keep their native size
 * @param channels 1 (grayscale) or 3 (RGB) for image data
 */
public record DataOptions(String dataDir, String split, int partitions, String imageSize, int channels) implements Serializable {
    public static final String TRAIN = "train";
    public static final String TEST = "test";
    private static final Pattern SIZE = Pattern.compile("(\\d{1,5})x(\\d{1,5})");
    /** Larger images would make feature vectors of hundreds of millions of values. */
    private static final int MAX_SIDE = 4096;

    public DataOptions {
        if (dataDir == null || dataDir.isBlank()) {
            throw new IllegalArgumentException("data folder is empty; expected a path or URI such as data or hdfs://namenode/data");
        }
        if (!TRAIN.equals(split) && !TEST.equals(split)) {
            throw new IllegalArgumentException("split '" + split + "' is unknown; expected train or test");
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions is " + partitions + "; expected 0 (Spark's default parallelism) or more");
        }
        if (imageSize != null) {
            Matcher m = SIZE.matcher(imageSize);
            if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(2)) < 1
                    || Integer.parseInt(m.group(1)) > MAX_SIDE || Integer.parseInt(m.group(2)) > MAX_SIDE) {
                throw new IllegalArgumentException("image size '" + imageSize + "' is invalid; expected HxW (height x width) such as 28x28, each side 1.." + MAX_SIDE);
            }
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels is " + channels + "; expected 1 (grayscale) or 3 (RGB)");
        }
    }

    /** data folder {@code data}, train split, default parallelism, native image size, grayscale. */
    public static DataOptions defaults() {
        return new DataOptions("data", TRAIN, 0, null, 1);
    }

    public DataOptions withDataDir(String dir) {
        return new DataOptions(dir, split, partitions, imageSize, channels);
    }

    public DataOptions withSplit(String s) {
        return new DataOptions(dataDir, s, partitions, imageSize, channels);
    }

    public DataOptions withPartitions(int p) {
        return new DataOptions(dataDir, split, p, imageSize, channels);
    }

    public DataOptions withImageSize(String hxw) {
        return new DataOptions(dataDir, split, partitions, hxw, channels);
    }

    public DataOptions withChannels(int c) {
        return new DataOptions(dataDir, split, partitions, imageSize, c);
    }

    /** The shape images are resized to ({@link #imageSize} with {@link #channels}), or null to keep their size. */
    public ImageShape resizeTo() {
        if (imageSize == null) {
            return null;
        }
        Matcher m = SIZE.matcher(imageSize);
        m.matches();
        return new ImageShape(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), channels);
    }
}
