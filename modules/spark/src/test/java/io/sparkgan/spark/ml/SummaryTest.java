package io.sparkgan.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgan.core.train.Traffic;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.strategy.StrategyResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The training summary keeps the final metrics in the order the evaluators gave them, so final.json is the same file from run to run. */
class SummaryTest extends SparkTestBase {
    @Test
    void finalMetricsKeepTheEvaluatorsOrder() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        for (int i = 19; i >= 0; i--) {
            metrics.put("metric_" + i, (double) i);
            order.add("metric_" + i);
        }
        StrategyResult r = new StrategyResult(null, 3, metrics, Traffic.NONE, 1.0, 0, 0, 0, 0);
        Summary s = Summary.of(r, Shards.iid(ring(20), 2, 1));
        assertEquals(order, new ArrayList<>(s.metrics().keySet()));
        assertEquals(metrics, s.metrics());
    }
}
