package io.sparkgan.data;

/**
 * Samples held on the driver: one feature vector per row, and a class label per row or null.
 */
public record Samples(float[][] features, int[] labels) {
    public Samples {
        if (labels != null && labels.length != features.length) {
            throw new IllegalArgumentException(features.length + " samples but " + labels.length + " labels");
        }
    }

    public int size() {
        return features.length;
    }

    public int dimension() {
        return features.length == 0 ? 0 : features[0].length;
    }
}
