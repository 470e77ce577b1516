package io.sparkgan.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Where a run came from: versions, seed, time, host and commit, so it can be replayed. */
public final class Provenance {
    private static final Properties BUILD = load();

    private Provenance() {}

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream("/sparkgan-build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // versions are then reported as unknown
        }
        return p;
    }

    public static String version() {
        return BUILD.getProperty("version", "unknown");
    }

    public static Map<String, Object> collect(long seed, String sparkVersion, String[] args) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sparkgan_version", version());
        m.put("java_version", System.getProperty("java.version"));
        m.put("java_vendor", System.getProperty("java.vendor"));
        m.put("spark_version", sparkVersion);
        m.put("nd4j_version", BUILD.getProperty("dl4j", "unknown"));
        m.put("nd4j_backend", System.getProperty("org.bytedeco.javacpp.platform.extension", "").isEmpty()
                ? "nd4j-native (generic x86_64)" : "nd4j-native" + System.getProperty("org.bytedeco.javacpp.platform.extension"));
        m.put("seed", seed);
        m.put("start_time", Instant.now().toString());
        m.put("host", host());
        m.put("git_commit", gitCommit());
        m.put("command", args == null ? null : String.join(" ", args));
        return m;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return null;
        }
    }

    /** The commit of the checkout bin/sparkgan runs from (SPARKGAN_HOME), when it is a git checkout. */
    static String gitCommit() {
        String home = System.getProperty("sparkgan.home", System.getProperty("user.dir"));
        try {
            Process p = new ProcessBuilder("git", "-C", home, "rev-parse", "HEAD").redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return out.matches("[0-9a-f]{40}") ? out : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }
}
