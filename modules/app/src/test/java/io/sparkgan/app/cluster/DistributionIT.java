package io.sparkgan.app.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The distribution tarball, unpacked into a fresh folder: bin/sparkgan runs a comparison in local mode
 * from jars/sparkgan-app.jar and lib/spark/ alone, and keeps ND4J's natives and temp files in the
 * distribution's own scratch/ folder.
 */
class DistributionIT {
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void unpackedDistributionRunsACompare() throws Exception {
        Path dir = ClusterPaths.clusterDir().resolve("dist");
        StandaloneCluster.deleteRecursively(dir);
        Files.createDirectories(dir);
        Path tarball;
        try (Stream<Path> s = Files.list(ClusterPaths.appJar().getParent())) {
            tarball = s.filter(p -> p.getFileName().toString().endsWith("-dist.tar.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no *-dist.tar.gz next to " + ClusterPaths.appJar()));
        }
        Process untar = new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", dir.toString()).inheritIO().start();
        assertTrue(untar.waitFor(2, TimeUnit.MINUTES) && untar.exitValue() == 0, "tar -xzf " + tarball);
        Path home;
        try (Stream<Path> s = Files.list(dir)) {
            home = s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        for (String f : List.of("bin/sparkgan", "jars/sparkgan-app.jar", "lib/jvm.options", "README.md",
                "cluster-configs/standalone/spark-defaults.conf", "cluster-configs/yarn/submit.sh", "cluster-configs/kubernetes/pod-template.yaml")) {
            assertTrue(Files.exists(home.resolve(f)), "the distribution has no " + f);
        }
        assertTrue(Files.isExecutable(home.resolve("bin/sparkgan")) && Files.isExecutable(home.resolve("cluster-configs/standalone/submit.sh")));

        Path out = dir.resolve("compare");
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/sparkgan").toString(), "compare", "--strategies", "mdgan,flgan,standalone",
                "--workers", "2", "--dataset-size", "300", "--iterations", "12", "--batch-size", "16", "--eval-every", "6",
                "--eval-samples", "200", "--log-every", "3", "--generator", "mlp:16:relu", "--discriminator", "mlp:16:leakyrelu",
                "--master", "local[2]", "--out", out.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("compare.log").toFile());
        // Only Java on the PATH: no Maven, no Spark installation, no checkout.
        Map<String, String> env = pb.environment();
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
        env.remove("SPARK_HOME");
        env.remove("CLASSPATH");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(Duration.ofMinutes(4).toSeconds(), TimeUnit.SECONDS), "bin/sparkgan compare did not finish");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("compare.log")));
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        assertTrue(Files.isRegularFile(out.resolve("summary.csv")));
        try (Stream<Path> s = Files.list(home.resolve("scratch/javacpp"))) {
            assertTrue(s.findAny().isPresent(), "ND4J's natives were not unpacked into the distribution's scratch/javacpp");
        }
    }
}
