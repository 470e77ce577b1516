package io.sparkgan.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;

/** The JavaSparkContext behind a Dataset. */
final class JavaSparkContexts {
    private JavaSparkContexts() {}

    static JavaSparkContext of(Dataset<?> frame) {
        return JavaSparkContext.fromSparkContext(frame.sparkSession().sparkContext());
    }
}
