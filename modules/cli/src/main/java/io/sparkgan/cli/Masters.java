package io.sparkgan.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a Spark master URL before a Spark context is made of it. Spark reports a malformed URL as a
 * 23-line stack trace, and retries an unreachable standalone master for about a minute before
 * giving up with a 112-line one; both are one line here, the second after a single connection
 * attempt per master address.
 */
final class Masters {
    static final String FORMS = "local, local[N], local[*], local[N,F], local-cluster[N,C,M], spark://HOST:PORT[,HOST:PORT...], yarn, k8s://URL or mesos://HOST:PORT";

    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,(\\d+))?\\])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\]");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+):(\\d{1,5})");
    /** Long enough for a master on a slow network to accept a connection; refused ports answer at once. */
    private static final int CONNECT_TIMEOUT_MS = 3000;

    private Masters() {}

    /**
     * The master this process will use: spark-submit's ({@code spark.master}) when it set one, else
     * {@code flag}; checked in form, and for a standalone master, that something listens there.
     *
     * @throws UsageException naming the URL and what is expected
     */
    static void check(String flag) {
        String submitted = System.getProperty("spark.master");
        String master = submitted != null ? submitted : flag;
        String what = submitted != null ? "spark.master '" + master + "'" : "--master '" + master + "'";
        List<InetSocketAddress> standalone = parse(master, what);
        if (!standalone.isEmpty()) {
            probe(standalone, what);
        }
    }

    /** Checks the form; returns the addresses of a standalone master (empty for every other kind). */
    static List<InetSocketAddress> parse(String master, String what) {
        String m = master == null ? "" : master.trim();
        if (m.isEmpty()) {
            throw new UsageException(what + " is empty; expected " + FORMS);
        }
        Matcher local = LOCAL.matcher(m);
        if (local.matches()) {
            if (local.group(1) != null && !local.group(1).equals("*") && Integer.parseInt(local.group(1)) < 1) {
                throw new UsageException(what + " asks for " + local.group(1) + " threads; expected local[N] with N at least 1, or local[*]");
            }
            if (local.group(2) != null && Integer.parseInt(local.group(2)) < 1) {
                throw new UsageException(what + " allows " + local.group(2) + " task failures; expected local[N,F] with F at least 1");
            }
            return List.of();
        }
        Matcher cluster = LOCAL_CLUSTER.matcher(m);
        if (cluster.matches()) {
            for (int g = 1; g <= 3; g++) {
                if (Integer.parseInt(cluster.group(g)) < 1) {
                    throw new UsageException(what + " has a zero; expected local-cluster[WORKERS,CORES,MEMORY_MB], each at least 1");
                }
            }
            return List.of();
        }
        if (m.equals("yarn") || (m.startsWith("k8s://") && m.length() > "k8s://".length())) {
            return List.of();
        }
        if (m.startsWith("mesos://") && m.length() > "mesos://".length()) {
            return List.of();
        }
        if (m.startsWith("spark://")) {
            List<InetSocketAddress> out = new ArrayList<>();
            for (String hp : m.substring("spark://".length()).split(",", -1)) {
                Matcher h = HOST_PORT.matcher(hp.trim());
                int port = h.matches() ? Integer.parseInt(h.group(2)) : -1;
                if (port < 1 || port > 65535) {
                    throw new UsageException(what + " names '" + hp + "' as a master; expected spark://HOST:PORT (port 1-65535), e.g. spark://127.0.0.1:7077");
                }
                String host = h.group(1).startsWith("[") ? h.group(1).substring(1, h.group(1).length() - 1) : h.group(1);
                out.add(InetSocketAddress.createUnresolved(host, port));
            }
            return out;
        }
        throw new UsageException(what + " is not a Spark master URL; expected " + FORMS);
    }

    /** Passes when any of a standalone master's addresses accepts a connection. */
    private static void probe(List<InetSocketAddress> addresses, String what) {
        List<String> failures = new ArrayList<>();
        for (InetSocketAddress a : addresses) {
            String at = a.getHostString() + ":" + a.getPort();
            InetSocketAddress resolved = new InetSocketAddress(a.getHostString(), a.getPort());
            if (resolved.isUnresolved()) {
                failures.add(at + " (unknown host)");
                continue;
            }
            try (Socket s = new Socket()) {
                s.connect(resolved, CONNECT_TIMEOUT_MS);
                return;
            } catch (UnknownHostException e) {
                failures.add(at + " (unknown host)");
            } catch (IOException e) {
                failures.add(at + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            }
        }
        throw new UsageException(what + ": no Spark master answers at " + String.join(", ", failures)
                + "; expected a running standalone master (start one, or check the URL at the top of its web UI)");
    }
}
