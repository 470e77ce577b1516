package io.sparkgan.cli;

import io.sparkgan.core.run.RunFolder;
import io.sparkgan.spark.SparkSessions;
import io.sparkgan.spark.StrategyConfig;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * With several seeds ({@code --seeds}, YAML key {@code seeds}) every strategy runs once per seed into
 * {@code DIR/<strategy>/seed-<s>/}, the data of each seed read once and shared by the strategies, and
 * the report gives mean and spread over seeds. A strategy that diverges does not end the comparison:
 * its run folder records where ({@code diverged.json}), the other strategies still run, the report
 * marks it, and the command exits with 1.
 */
@Command(name = "compare", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Run several strategies on the same data and budget; write DIR/<strategy>/ run folders (DIR/<strategy>/seed-<s>/ with several --seeds), DIR/report.html and DIR/summary.csv.")
final class CompareCommand implements Callable<Integer> {
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
        RunConfig base = options.resolve(c -> {});
        // "" is the setting's default (just --seed), but given as a flag it is a mistake.
        Object flagged = options.given(RunConfig.SEEDS);
        if (flagged != null && String.valueOf(flagged).replace(",", "").isBlank()) {
            throw new UsageException("--seeds '" + flagged + "' is empty; expected " + RunConfig.SEEDS_EXPECTED);
        }
        List<Long> seedList = base.seedList();
        boolean several = seedList.size() > 1;
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
            try {
                // What only some strategies take (an adversarial autoencoder under MD-GAN, say) is refused before any run starts.
                one.validate();
            } catch (IllegalArgumentException e) {
                throw new UsageException("--strategies " + s + ": " + e.getMessage());
            }
            one.checkEnergy();
        }
        Path dir = out != null ? out : Path.of("runs", "compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        OutFolder.checkPath(dir);
        if (!RunFolder.isEmptyOrAbsent(dir) && !overwrite) {
            throw new UsageException("--out '" + dir + "' exists and is not empty; choose a new folder or pass --overwrite to replace it");
        }
        Masters.check(options.master);
        // One configuration per seed; each run folder records its own seed and no seed list.
        Map<Long, RunConfig> perSeed = new LinkedHashMap<>();
        for (long seed : seedList) {
            RunConfig c = Configs.fromMap(Configs.toMap(base));
            c.setSeed(seed);
            c.setSeeds("");
            perSeed.put(seed, c);
        }
        for (RunConfig c : perSeed.values()) {
            RunData.preflight(c);
        }
        try (OutFolder folder = OutFolder.open(dir, overwrite)) {
            SparkSession spark = SparkSessions.getOrCreate("sparkgan-compare", options.master, folder.scratch().resolve("spark"));
            try {
                // Every strategy gets the same data for a seed, read and checked once, and every seed is
                // checked before anything is kept. All seeds are scored by the first seed's evaluation
                // classifier, so the spread over seeds is the GANs', not the classifiers'.
                RunConfig scoring = perSeed.values().iterator().next();
                Map<Long, RunData> data = new LinkedHashMap<>();
                for (Map.Entry<Long, RunConfig> e : perSeed.entrySet()) {
                    RunData d = RunData.read(spark, e.getValue());
                    d.prepareScorer(spark, scoring);
                    data.put(e.getKey(), d);
                }
                folder.commit();
                List<String> diverged = new ArrayList<>();
                for (Map.Entry<Long, RunConfig> e : perSeed.entrySet()) {
                    long seed = e.getKey();
                    for (String s : chosen) {
                        RunConfig c = Configs.fromMap(Configs.toMap(e.getValue()));
                        c.setStrategy(s);
                        String label = several ? s + " seed " + seed : s;
                        RunFolder run = RunFolder.create(Report.runDir(dir, s, seed, several), false);
                        TrainCommand.writeRunJson(run, c, spark, main.args);
                        System.err.println("compare: training " + label + " (" + c.getIterations() + " iterations, " + c.getWorkers() + " workers)");
                        RunExecutor.Outcome o;
                        try {
                            o = RunExecutor.run(spark, c, data.get(seed), run.dir(), false, label);
                        } catch (io.sparkgan.core.train.RunInterruptedException ex) {
                            throw new Main.Stopped("stopped at iteration " + ex.iteration() + " of " + label + " (SIG" + io.sparkgan.core.train.StopSignal.cause()
                                    + "); " + label + "'s run folder can be continued with: sparkgan train --resume --out " + run.dir(), ex);
                        } catch (io.sparkgan.core.train.DivergenceException d) {
                            // A strategy that diverges is a result of the comparison, not the end of it: the others
                            // still run on the same budget, and the report shows where this one stopped.
                            diverged.add(label);
                            System.err.println("compare: " + label + ": " + d.getMessage() + "; going on with the other strategies ("
                                    + run.dir() + " keeps its metrics and checkpoints up to the last good iteration)");
                            continue;
                        }
                        System.out.println(String.format(Locale.ROOT, "%-10s %s%s  wall_s=%.1f  bytes=%d", s, several ? "seed=" + seed + "  " : "",
                                RunExecutor.summary(o.metrics()), o.summary().wallSeconds(), o.summary().totalBytes()));
                    }
                }
                Map<String, List<Long>> layout = new LinkedHashMap<>();
                chosen.forEach(s -> layout.put(s, several ? seedList : List.of()));
                Report.write(dir, layout, "sparkgan " + String.join(" ", main.args));
                System.out.println("report: " + dir.resolve("report.html"));
                if (!diverged.isEmpty()) {
                    System.err.println("compare: " + String.join(", ", diverged) + " diverged; the report and summary.csv mark "
                            + (diverged.size() == 1 ? "it" : "them") + " (column " + RunExecutor.DIVERGED_AT + ")");
                    return 1;
                }
                return 0;
            } finally {
                spark.stop();
            }
        }
    }
}
