package io.sparkgan.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.sparkgan.data.Datasets;
import io.sparkgan.data.DataSources;
import io.sparkgan.spark.StrategyConfig;

/**
 * Everything a {@code sparkgan train} run is configured by: the strategy settings plus the data.
 * YAML files use the flag names as keys ({@code batch-size: 64}).
 */
@JsonPropertyOrder({"preset", "strategy", "dataset", "dataset-size", "data-dir", "shards", "workers", "seed", "iterations", "batch-size"})
public class RunConfig extends StrategyConfig {
    private static final long serialVersionUID = 1L;

    /** The preset the run started from ("" for none); recorded so run.json says where values came from. */
    private String preset = "";
    private String dataset = "grid25";
    private int datasetSize = 25_000;
    /** Where {@code sparkgan data fetch} puts datasets (and where evaluation classifiers are cached); may be a Hadoop URI. */
    private String dataDir = "data";
    /** For {@code images:} datasets: resize every image to HxW ("" keeps the native size, which must then be uniform). */
    private String imageSize = "";
    /** For {@code images:} datasets: 1 (grayscale) or 3 (RGB). */
    private int channels = 1;
    /** Epochs of the evaluation classifier when it must be trained (0 = its default). */
    private int classifierEpochs = 0;

    @Override
    public void validate() {
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
        if (dataDir.isBlank()) {
            throw new IllegalArgumentException("data-dir is empty; expected a folder or URI such as data or hdfs://namenode/data");
        }
        if (datasetSize <= 0) {
            throw new IllegalArgumentException("dataset-size must be positive, got " + datasetSize);
        }
        if (classifierEpochs < 0) {
            throw new IllegalArgumentException("classifier-epochs must be 0 (the default) or positive, got " + classifierEpochs);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        }
        if (!imageSize.isEmpty() && !imageSize.matches("[1-9][0-9]*x[1-9][0-9]*")) {
            throw new IllegalArgumentException("image-size '" + imageSize + "' is not valid; expected HxW, e.g. 28x28");
        }
        // The evaluation classifier is cached by dataset and seed and takes the images as fetched.
        if (DataSources.NAMED.containsKey(dataset) && (channels != 1 || !imageSize.isEmpty())) {
            throw new IllegalArgumentException((channels != 1 ? "channels " + channels : "image-size " + imageSize) + " does not apply to " + dataset
                    + ", whose evaluation classifier takes its 28x28 grayscale images as they are; expected channels and image-size only with images: or idx: data");
        }
        super.validate();
    }

    /** Whether the dataset is one of the embedded 2-D mixtures (generated, scored by mode coverage). */
    public boolean synthetic() {
        return Datasets.NAMES.contains(dataset);
    }

    public String getPreset() { return preset; }
    public RunConfig setPreset(String preset) { this.preset = preset; return this; }
    public String getDataDir() { return dataDir; }
    public RunConfig setDataDir(String dataDir) { this.dataDir = dataDir; return this; }
    public String getImageSize() { return imageSize; }
    public RunConfig setImageSize(String imageSize) { this.imageSize = imageSize; return this; }
    public int getClassifierEpochs() { return classifierEpochs; }
    public RunConfig setClassifierEpochs(int classifierEpochs) { this.classifierEpochs = classifierEpochs; return this; }
    public int getChannels() { return channels; }
    public RunConfig setChannels(int channels) { this.channels = channels; return this; }

    public String getDataset() { return dataset; }
    public RunConfig setDataset(String dataset) { this.dataset = dataset; return this; }
    public int getDatasetSize() { return datasetSize; }
    public RunConfig setDatasetSize(int datasetSize) { this.datasetSize = datasetSize; return this; }

}
