package io.sparkgan.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {
    private static SparkConf conf(String... kv) {
        SparkConf c = new SparkConf(false);
        for (int i = 0; i < kv.length; i += 2) {
            c.set(kv[i], kv[i + 1]);
        }
        return c;
    }

    @Test
    void executorsGetTheDriversNativeSettingsWhenNothingIsSet() {
        Map<String, String> d = SparkSessions.executorDefaults(conf(), "-avx2");
        assertEquals("1", d.get("spark.executorEnv.OMP_NUM_THREADS"));
        assertEquals("PASSIVE", d.get("spark.executorEnv.OMP_WAIT_POLICY"));
        assertEquals("30s", d.get("spark.locality.wait"));
        assertEquals("-Dorg.bytedeco.javacpp.cachedir=javacpp-cache -Dorg.bytedeco.javacpp.platform.extension=-avx2",
                d.get("spark.executor.extraJavaOptions"));
    }

    @Test
    void usersSettingsWinAndTheirJavaOptionsAreAppendedTo() {
        Map<String, String> d = SparkSessions.executorDefaults(conf(
                "spark.executorEnv.OMP_NUM_THREADS", "4",
                "spark.locality.wait", "3s",
                "spark.executor.extraJavaOptions", "-XX:+UseG1GC -Dorg.bytedeco.javacpp.cachedir=/scratch/jcpp"), "");
        assertFalse(d.containsKey("spark.executorEnv.OMP_NUM_THREADS"));
        assertFalse(d.containsKey("spark.locality.wait"));
        assertEquals("PASSIVE", d.get("spark.executorEnv.OMP_WAIT_POLICY"));
        assertEquals("-XX:+UseG1GC -Dorg.bytedeco.javacpp.cachedir=/scratch/jcpp -Dorg.bytedeco.javacpp.platform.extension=",
                d.get("spark.executor.extraJavaOptions"));
    }

    @Test
    void noBuildChoiceOnTheDriverMeansNoneIsForcedOnExecutors() {
        Map<String, String> d = SparkSessions.executorDefaults(conf(
                "spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.cachedir=x"), null);
        assertFalse(d.containsKey("spark.executor.extraJavaOptions"));
    }
}
