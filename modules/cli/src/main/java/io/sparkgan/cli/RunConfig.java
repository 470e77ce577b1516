package io.sparkgan.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.sparkgan.core.GanConfig;
import io.sparkgan.data.Datasets;
import java.util.List;

/**
 * Everything a {@code sparkgan train} run is configured by: the shared GAN hyper-parameters plus
 * the data and the strategy. YAML files use the flag names as keys ({@code batch-size: 64}).
 */
@JsonPropertyOrder({"strategy", "dataset", "dataset-size", "seed", "iterations", "batch-size"})
public class RunConfig extends GanConfig {
    private static final long serialVersionUID = 1L;

    public static final List<String> STRATEGIES = List.of("standalone");

    private String strategy = "standalone";
    private String dataset = "grid25";
    private int datasetSize = 25_000;

    @Override
    public void validate() {
        if (!STRATEGIES.contains(strategy)) {
            throw new IllegalArgumentException("strategy '" + strategy + "' is unknown; expected one of " + STRATEGIES);
        }
        Datasets.validateName(dataset);
        if (datasetSize <= 0) {
            throw new IllegalArgumentException("dataset-size must be positive, got " + datasetSize);
        }
        super.validate();
    }

    public String getStrategy() { return strategy; }
    public RunConfig setStrategy(String strategy) { this.strategy = strategy; return this; }
    public String getDataset() { return dataset; }
    public RunConfig setDataset(String dataset) { this.dataset = dataset; return this; }
    public int getDatasetSize() { return datasetSize; }
    public RunConfig setDatasetSize(int datasetSize) { this.datasetSize = datasetSize; return this; }
}
