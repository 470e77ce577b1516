package io.sparkgan.cli;

import io.sparkgan.core.run.RunFolder;
import io.sparkgan.spark.SparkSessions;
import io.sparkgan.spark.StrategyConfig;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code sparkgan compare}: every chosen strategy on the same data, shards, seed and number of
 * generator updates, each into its own run folder, then {@code report.html} and {@code summary.csv}.
 */
@Command(name = "compare", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Run several strategies on the same data and budget; write DIR/<strategy>/ run folders, DIR/report.html and DIR/summary.csv.")
final class CompareCommand implements Callable<Integer> {
    /** Generator updates of the default comparison: sized to finish in about five minutes on 2 cores. */
    static final int DEFAULT_ITERATIONS = 2000;

    @ParentCommand
    Main main;

    @Option(names = "--strategies", defaultValue = "mdgan,flgan,standalone", description = "Comma-separated strategies (default: ${DEFAULT-VALUE}).")
    String strategies;
    @Option(names = "--out", paramLabel = "DIR", description = "Folder to create (default: runs/compare-<date>-<time>).")
    Path out;
    @Option(names = "--overwrite", description = "Replace the contents of a non-empty --out.")
    boolean overwrite;
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        RunConfig base = options.resolve(c -> c.setIterations(DEFAULT_ITERATIONS));
        List<String> chosen = new ArrayList<>(new LinkedHashSet<>(List.of(strategies.toLowerCase(Locale.ROOT).split("\\s*,\\s*"))));
        if (chosen.isEmpty() || chosen.contains("")) {
            throw new UsageException("--strategies '" + strategies + "' is empty; expected a comma-separated list of " + StrategyConfig.STRATEGIES);
        }
        for (String s : chosen) {
            if (!StrategyConfig.STRATEGIES.contains(s)) {
                throw new UsageException("--strategies: strategy '" + s + "' is unknown; expected some of " + StrategyConfig.STRATEGIES);
            }
        }
        for (String s : chosen) {
            RunConfig one = Configs.fromMap(Configs.toMap(base));
            one.setStrategy(s);
            one.checkEnergy();
        }
        Path dir = out != null ? out : Path.of("runs", "compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        OutFolder.checkPath(dir);
        if (!RunFolder.isEmptyOrAbsent(dir) && !overwrite) {
            throw new UsageException("--out '" + dir + "' exists and is not empty; choose a new folder or pass --overwrite to replace it");
        }
        Masters.check(options.master);
        RunData.preflight(base);
        try (OutFolder folder = OutFolder.open(dir, overwrite)) {
            SparkSession spark = SparkSessions.getOrCreate("sparkgan-compare", options.master, folder.scratch().resolve("spark"));
            try {
                // Every strategy gets the same data, read and checked once.
                RunData data = RunData.read(spark, base);
                data.prepareScorer(spark, base);
                folder.commit();
                for (String s : chosen) {
                    RunConfig c = Configs.fromMap(Configs.toMap(base));
                    c.setStrategy(s);
                    RunFolder run = RunFolder.create(dir.resolve(s), false);
                    TrainCommand.writeRunJson(run, c, spark, main.args);
                    System.err.println("compare: training " + s + " (" + c.getIterations() + " iterations, " + c.getWorkers() + " workers)");
                    RunExecutor.Outcome o;
                    try {
                        o = RunExecutor.run(spark, c, data, run.dir(), false, s);
                    } catch (io.sparkgan.core.train.RunInterruptedException e) {
                        throw new Main.Stopped("stopped at iteration " + e.iteration() + " of " + s + " (SIG" + io.sparkgan.core.train.StopSignal.cause()
                                + "); " + s + "'s run folder can be continued with: sparkgan train --resume --out " + run.dir(), e);
                    }
                    System.out.println(String.format(Locale.ROOT, "%-10s %s  wall_s=%.1f  bytes=%d", s, RunExecutor.summary(o.metrics()),
                            o.summary().wallSeconds(), o.summary().totalBytes()));
                }
                Report.write(dir, chosen, "sparkgan " + String.join(" ", main.args));
                System.out.println("report: " + dir.resolve("report.html"));
                return 0;
            } finally {
                spark.stop();
            }
        }
    }
}
