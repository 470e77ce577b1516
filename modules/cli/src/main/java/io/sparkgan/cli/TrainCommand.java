package io.sparkgan.cli;

import io.sparkgan.core.run.RunFolder;
import io.sparkgan.core.train.RunInterruptedException;
import io.sparkgan.core.train.StopSignal;
import io.sparkgan.spark.SparkSessions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code sparkgan train}: one run into one run folder. */
@Command(name = "train", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Train a GAN and write a run folder (run.json, metrics.csv, final.json, samples.png, model/, checkpoints/).")
final class TrainCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder to create (must not exist or be empty).")
    Path out;
    @Option(names = "--overwrite", description = "Replace the contents of a non-empty --out.")
    boolean overwrite;
    @Option(names = "--resume", description = "Continue the run in --out from its latest checkpoint with its stored configuration (flags and --config must match it; --iterations may grow, and --lr-decay and --lr-decay-start may change the schedule of the updates still to come).")
    boolean resume;
    @Mixin
    ConfigOptions options;

    /** The configuration: flags over the file over the defaults, or for --resume over the run's stored one. */
    RunConfig resolve(RunConfig stored) {
        RunConfig c = stored == null ? options.resolve(x -> {}) : options.resolveOnto(stored);
        c.checkEnergy();
        return c;
    }

    @Override
    public Integer call() throws java.io.IOException {
        if (resume && overwrite) {
            throw new UsageException("--resume and --overwrite exclude each other: resume continues the run in --out, overwrite replaces it");
        }
        OutFolder.checkPath(out);
        RunConfig stored = resume ? Resume.stored(out) : null;
        RunConfig c = resolve(stored);
        if (!c.getSeeds().isEmpty()) {
            throw new UsageException("seeds '" + c.getSeeds() + "' is for compare; train runs one seed: expected --seed N (and no --seeds or seeds key)");
        }
        if (resume) {
            Resume.compare(stored, c);
            Resume.checkFolder(out);
        } else if (!RunFolder.isEmptyOrAbsent(out) && !overwrite) {
            throw new UsageException("--out '" + out + "' exists and is not empty; choose a new folder, or pass --overwrite to replace it or --resume to continue it");
        }
        Masters.check(options.master);
        RunData.preflight(c);
        try (OutFolder folder = OutFolder.open(out, overwrite)) {
            SparkSession spark = SparkSessions.getOrCreate("sparkgan-train", options.master, folder.scratch().resolve("spark"));
            try {
                RunData data = RunData.read(spark, c);
                if (resume) {
                    Resume.checkCheckpoint(c, out, data.facts);
                }
                data.prepareScorer(spark, c);
                folder.commit();
                RunFolder run = new RunFolder(out);
                if (!resume) {
                    writeRunJson(run, c, spark, main.args);
                } else {
                    recordChanges(run, stored, c);
                }
                RunExecutor.Outcome o;
                try {
                    o = RunExecutor.run(spark, c, data, out, resume, "train " + c.getStrategy());
                } catch (RunInterruptedException e) {
                    throw new Main.Stopped(e.checkpoint() >= 0
                            ? "stopped at iteration " + e.iteration() + " (SIG" + StopSignal.cause() + "); checkpoint written; resume with: sparkgan train --resume --out " + out
                            : "stopped at iteration " + e.iteration() + " (SIG" + StopSignal.cause() + "); the run kept no checkpoints, so it cannot be resumed", e);
                }
                System.out.println(finalLine(c.getStrategy(), o, out));
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    /** The last line of a run: strategy, iterations, wall time, final metrics and the run folder. */
    static String finalLine(String strategy, RunExecutor.Outcome o, Path out) {
        String metrics = RunExecutor.summary(o.metrics());
        return String.format(Locale.ROOT, "train %s: %d iterations in %.1f s wall%s  ->  %s", strategy, o.summary().iterations(),
                o.summary().wallSeconds(), metrics.isEmpty() ? "" : ", " + metrics, out);
    }

    static void writeRunJson(RunFolder run, RunConfig c, SparkSession spark, String[] args) {
        Map<String, Object> runJson = new LinkedHashMap<>();
        runJson.put("config", Configs.toMap(c));
        runJson.put("provenance", Provenance.collect(c.getSeed(), spark.version(), args));
        run.writeJson(RunFolder.RUN_JSON, runJson);
    }

    /**
     * A resumed run that runs longer or with another learning-rate schedule records the new values, so
     * a later bare --resume continues with them and run.json describes the run that was made.
     */
    @SuppressWarnings("unchecked")
    private static void recordChanges(RunFolder run, RunConfig stored, RunConfig now) {
        List<String> changed = Resume.changed(stored, now);
        if (changed.isEmpty()) {
            return;
        }
        // compare() has refused any other change, so these are all CHANGEABLE settings.
        Map<String, Object> is = Configs.toMap(now);
        Map<String, Object> runJson = new LinkedHashMap<>((Map<String, Object>) run.readJsonMap(RunFolder.RUN_JSON));
        Map<String, Object> config = new LinkedHashMap<>((Map<String, Object>) runJson.get("config"));
        changed.forEach(k -> config.put(k, is.get(k)));
        runJson.put("config", config);
        run.writeJson(RunFolder.RUN_JSON, runJson);
    }
}
