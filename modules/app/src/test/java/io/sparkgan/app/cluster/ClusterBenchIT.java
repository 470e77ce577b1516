package io.sparkgan.app.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Iteration time on the standalone cluster against local mode, same command and jar (docs/benchmarks.md).
 * Not a check: tagged {@code bench}, which the cluster profile leaves out; run it with
 * {@code mvn -B -Pcluster -pl modules/app -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=ClusterBenchIT -Dsparkgan.cluster.excludedGroups=}. Writes target/cluster/bench.txt.
 */
@Tag("bench")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ClusterBenchIT {
    private static final int ITERATIONS = 300;

    @Test
    void iterationTimeOnTheClusterAndInLocalMode() throws Exception {
        Path dir = ClusterPaths.clusterDir().resolve("bench");
        List<String> report = new ArrayList<>();
        try (StandaloneCluster cluster = new StandaloneCluster(dir, 2, 1, "2g")) {
            for (String[] c : List.of(new String[] {"flgan", "--average-every-iterations", "5"},
                    new String[] {"mdgan", "--exchange", "job", "--swap-every-epochs", "0"},
                    new String[] {"mdgan", "--exchange", "session", "--swap-every-epochs", "0"})) {
                List<String> args = new ArrayList<>(Runs.tinyTrain(dir.resolve("unused"), c[0], java.util.Arrays.copyOfRange(c, 1, c.length)));
                args.set(args.indexOf("--iterations") + 1, String.valueOf(ITERATIONS));
                args.set(args.indexOf("--eval-every") + 1, String.valueOf(ITERATIONS));
                args.set(args.indexOf("--checkpoint-every") + 1, String.valueOf(ITERATIONS));
                args.set(args.indexOf("--log-every") + 1, "10");
                String name = String.join("-", c).replace("--", "");
                for (boolean onCluster : new boolean[] {true, false}) {
                    Path out = dir.resolve("runs").resolve(name + (onCluster ? "-cluster" : "-local"));
                    args.set(args.indexOf("--out") + 1, out.toString());
                    SparkSubmitRun submit = onCluster ? cluster.submit()
                            : new SparkSubmitRun(cluster.sparkHome(), "local[2]", "local", cluster.tmp());
                    try (Jvm j = submit.start(name, args, dir.resolve("logs/" + out.getFileName() + ".log"))) {
                        int code = j.waitFor(Duration.ofMinutes(5));
                        report.add(String.format(Locale.ROOT, "%-40s %-8s exit %d  %s", name, onCluster ? "cluster" : "local", code,
                                code == 0 ? msPerIteration(out) : j.tail(1)));
                    }
                }
            }
        }
        Files.write(ClusterPaths.clusterDir().resolve("bench.txt"), report);
        report.forEach(System.out::println);
    }

    /** Median wall time per iteration between consecutive metrics rows, after the first 50 iterations (warm-up). */
    private static String msPerIteration(Path run) throws java.io.IOException {
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        List<Double> per = new ArrayList<>();
        double prevIt = -1;
        double prevWall = 0;
        for (String l : lines.subList(1, lines.size())) {
            String[] cells = l.split(",", -1);
            double it = Double.parseDouble(cells[0]);
            double wall = Double.parseDouble(cells[1]);
            if (prevIt >= 50) {
                per.add((wall - prevWall) / (it - prevIt) * 1000);
            }
            prevIt = it;
            prevWall = wall;
        }
        per.sort(null);
        return per.isEmpty() ? "no rows" : String.format(Locale.ROOT, "median %.1f ms/iteration over %d intervals (min %.1f, max %.1f)",
                per.get(per.size() / 2), per.size(), per.get(0), per.get(per.size() - 1));
    }
}
