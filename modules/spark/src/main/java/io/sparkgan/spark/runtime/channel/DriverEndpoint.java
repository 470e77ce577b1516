package io.sparkgan.spark.runtime.channel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.apache.spark.SparkConf;

/**
 * Where the driver's {@link ChannelServer} listens ({@link #bind()}) and the host its tasks connect
 * to ({@link #connectHost()}), taken from the Spark configuration so the exchange is reachable
 * exactly where Spark's own driver endpoint is, and nowhere else.
 *
 * <p><b>What it protects against:</b> listening on every interface, or on the machine's public
 * address when executors only need loopback, exposes the port to networks that have no business
 * with it. Rules, first match wins:
 * <ol>
 *   <li>local mode ({@code spark.master} starting with {@code local}, including {@code local-cluster}):
 *       the loopback address; every task runs on this machine;</li>
 *   <li>{@code spark.driver.bindAddress}, if set and not a wildcard: the interface Spark's own driver
 *       endpoint binds, chosen by the user for this purpose;</li>
 *   <li>{@code spark.driver.host} (which a running SparkContext always sets): the address executors
 *       already use to reach the driver. A wildcard {@code spark.driver.bindAddress} (0.0.0.0, common
 *       in containers) falls through to this rule instead of opening every interface.</li>
 * </ol>
 * Tasks connect to {@code spark.driver.host} (the advertised name), or to the loopback address in
 * local mode.
 */
public record DriverEndpoint(InetAddress bind, String connectHost) {
    /** The endpoint for a driver running with {@code conf}. */
    public static DriverEndpoint of(SparkConf conf) {
        String master = conf.get("spark.master", "");
        if (master.startsWith("local")) {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            return new DriverEndpoint(loopback, loopback.getHostAddress());
        }
        String host = conf.get("spark.driver.host", "").trim();
        String bindAddress = conf.get("spark.driver.bindAddress", "").trim();
        try {
            if (!bindAddress.isEmpty()) {
                InetAddress bind = InetAddress.getByName(bindAddress);
                if (!bind.isAnyLocalAddress()) {
                    return new DriverEndpoint(bind, host.isEmpty() ? bind.getHostAddress() : host);
                }
            }
            if (host.isEmpty()) {
                throw new IllegalStateException("neither spark.driver.host nor a specific spark.driver.bindAddress is set, so the exchange "
                        + "does not know where executors reach the driver; set spark.driver.host");
            }
            InetAddress bind = InetAddress.getByName(host);
            if (bind.isAnyLocalAddress()) {
                throw new IllegalStateException("spark.driver.host is the wildcard address " + host + "; set it to the address executors reach the driver at");
            }
            return new DriverEndpoint(bind, host);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot resolve the driver address for the exchange: " + e.getMessage(), e);
        }
    }
}
