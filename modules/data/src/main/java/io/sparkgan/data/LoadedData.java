package io.sparkgan.data;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A dataset loaded by {@link DataSources#load}: a frame in the {@link VectorFrames} convention
 * ({@code features} vector, {@code label} double when {@code classes > 0}) and what is known about
 * it. The frame is not cached: the caller shards and persists it.
 *
 * @param frame the data; its rows come in the source's order
 * @param dimension values per sample
 * @param classes number of classes (labels are 0..classes-1), 0 when the data is unlabelled
 * @param shape image shape of the samples, null when they are not images
 * @param description one line for logs and reports, e.g. {@code mnist train split from data/mnist}
 * @param classNames a name per class (index = label) where the source has them, else empty
 * @param rows the number of samples (known from headers, listings or the source check, so callers
 *     can judge a split across workers before any job reads the data)
 */
public record LoadedData(Dataset<Row> frame, int dimension, int classes, ImageShape shape, String description, List<String> classNames, long rows) {
    public LoadedData {
        classNames = classNames == null ? List.of() : List.copyOf(classNames);
        if (!classNames.isEmpty() && classNames.size() != classes) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + classes + " classes");
        }
        if (shape != null && shape.size() != dimension) {
            throw new IllegalArgumentException("image shape " + shape + " does not match dimension " + dimension);
        }
    }

    public boolean labelled() {
        return classes > 0;
    }

    /**
     * Fails unless the samples have {@code expectedDimension} values, with a message such as
     * {@code data dimension 784 (28x28x1 images) of mnist train split from data/mnist does not fit the
     * generator mlp:512,512 (expects 2)}.
     *
     * @param what the consumer, e.g. {@code the generator mlp:512,512}
     */
    public void checkFits(int expectedDimension, String what) {
        if (dimension != expectedDimension) {
            throw new IllegalArgumentException("data dimension " + dimension + (shape == null ? "" : " (" + shape + " images)")
                    + " of " + description + " does not fit " + what + " (expects " + expectedDimension + ")");
        }
    }
}
