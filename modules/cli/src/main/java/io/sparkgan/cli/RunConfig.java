package io.sparkgan.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.sparkgan.data.Datasets;
import io.sparkgan.spark.StrategyConfig;

/**
 * Everything a {@code sparkgan train} run is configured by: the strategy settings plus the data.
 * YAML files use the flag names as keys ({@code batch-size: 64}).
 */
@JsonPropertyOrder({"strategy", "dataset", "dataset-size", "workers", "seed", "iterations", "batch-size"})
public class RunConfig extends StrategyConfig {
    private static final long serialVersionUID = 1L;

    private String dataset = "grid25";
    private int datasetSize = 25_000;

    @Override
    public void validate() {
        Datasets.validateName(dataset);
        if (datasetSize <= 0) {
            throw new IllegalArgumentException("dataset-size must be positive, got " + datasetSize);
        }
        super.validate();
    }

    public String getDataset() { return dataset; }
    public RunConfig setDataset(String dataset) { this.dataset = dataset; return this; }
    public int getDatasetSize() { return datasetSize; }
    public RunConfig setDatasetSize(int datasetSize) { this.datasetSize = datasetSize; return this; }

}
