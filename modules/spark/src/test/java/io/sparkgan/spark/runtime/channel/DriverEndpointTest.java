package io.sparkgan.spark.runtime.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DriverEndpointTest {
    private static SparkConf conf(String master) {
        return new SparkConf(false).setMaster(master);
    }

    @Test
    void localModeBindsLoopbackWhateverTheDriverHost() throws Exception {
        for (String master : new String[] {"local", "local[2]", "local[*,4]", "local-cluster[2,1,1024]"}) {
            DriverEndpoint e = DriverEndpoint.of(conf(master).set("spark.driver.host", "10.1.2.3").set("spark.driver.bindAddress", "10.1.2.3"));
            assertEquals(InetAddress.getLoopbackAddress(), e.bind(), master);
            assertEquals(InetAddress.getLoopbackAddress().getHostAddress(), e.connectHost(), master);
        }
    }

    @Test
    void onAClusterTheBindAddressWinsThenTheDriverHostAndNeverTheWildcard() throws Exception {
        DriverEndpoint e = DriverEndpoint.of(conf("spark://m:7077").set("spark.driver.bindAddress", "10.1.2.3").set("spark.driver.host", "driver.example"));
        assertEquals(InetAddress.getByName("10.1.2.3"), e.bind());
        assertEquals("driver.example", e.connectHost(), "tasks use the advertised name, as Spark's own endpoint does");

        e = DriverEndpoint.of(conf("yarn").set("spark.driver.host", "10.4.5.6"));
        assertEquals(InetAddress.getByName("10.4.5.6"), e.bind());
        assertEquals("10.4.5.6", e.connectHost());

        e = DriverEndpoint.of(conf("k8s://https://api:6443").set("spark.driver.bindAddress", "0.0.0.0").set("spark.driver.host", "10.7.8.9"));
        assertEquals(InetAddress.getByName("10.7.8.9"), e.bind(), "a wildcard bindAddress falls through to the driver host");

        assertThrows(IllegalStateException.class, () -> DriverEndpoint.of(conf("spark://m:7077")));
        assertThrows(IllegalStateException.class, () -> DriverEndpoint.of(conf("spark://m:7077").set("spark.driver.host", "0.0.0.0")));
    }
}
