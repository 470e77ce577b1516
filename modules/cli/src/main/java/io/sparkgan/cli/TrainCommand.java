package io.sparkgan.cli;

import io.sparkgan.core.run.RunFolder;
import io.sparkgan.core.train.RunInterruptedException;
import io.sparkgan.core.train.StopSignal;
import io.sparkgan.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
    @Option(names = "--resume", description = "Continue the run in --out from its latest checkpoint (refuses a changed configuration; --iterations may grow).")
    boolean resume;
    @Option(names = "--strategy", description = "One of: standalone, mdgan, flgan.")
    String strategy;
    @Mixin
    ConfigOptions options;

    RunConfig resolve() {
        RunConfig c = options.resolve(x -> {});
        if (strategy != null) {
            c.setStrategy(strategy.toLowerCase(Locale.ROOT));
            try {
                c.validate();
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        return c;
    }

    @Override
    public Integer call() throws java.io.IOException {
        RunConfig c = resolve();
        if (resume && overwrite) {
            throw new UsageException("--resume and --overwrite exclude each other: resume continues the run in --out, overwrite replaces it");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UsageException("--out '" + out + "' is a file; expected a folder to create");
        }
        if (resume) {
            checkResumable(c);
        } else if (!RunFolder.isEmptyOrAbsent(out) && !overwrite) {
            throw new UsageException("--out '" + out + "' exists and is not empty; choose a new folder, or pass --overwrite to replace it or --resume to continue it");
        }
        RunData.preflight(c);
        RunFolder run = RunFolder.create(out, overwrite);
        Path scratch = run.file(".scratch");
        SparkSession spark = SparkSessions.getOrCreate("sparkgan-train", options.master, scratch.resolve("spark"));
        try {
            if (!resume) {
                writeRunJson(run, c, spark, main.args);
            }
            RunExecutor.Outcome o;
            try {
                o = RunExecutor.run(spark, c, out, resume, "train " + c.getStrategy());
            } catch (RunInterruptedException e) {
                throw new Main.Stopped(e.checkpoint() >= 0
                        ? "stopped at iteration " + e.iteration() + " (SIG" + StopSignal.cause() + "); checkpoint written; resume with: sparkgan train --resume --out " + out
                        : "stopped at iteration " + e.iteration() + " (SIG" + StopSignal.cause() + "); the run kept no checkpoints, so it cannot be resumed", e);
            }
            System.out.println(RunExecutor.summary(o.metrics()) + "  ->  " + out);
            return 0;
        } finally {
            spark.stop();
            Main.deleteRecursively(scratch);
        }
    }

    static void writeRunJson(RunFolder run, RunConfig c, SparkSession spark, String[] args) {
        Map<String, Object> runJson = new LinkedHashMap<>();
        runJson.put("config", Configs.toMap(c));
        runJson.put("provenance", Provenance.collect(c.getSeed(), spark.version(), args));
        run.writeJson(RunFolder.RUN_JSON, runJson);
    }

    private void checkResumable(RunConfig c) {
        Path runJson = out.resolve(RunFolder.RUN_JSON);
        if (!Files.exists(runJson)) {
            throw new UsageException("--resume: '" + out + "' holds no run (no run.json)");
        }
        RunConfig before = Configs.fromMap((Map<?, ?>) new RunFolder(out).readJsonMap(RunFolder.RUN_JSON).get("config"));
        Map<String, Object> was = Configs.toMap(before);
        Map<String, Object> now = Configs.toMap(c);
        was.remove("iterations");
        now.remove("iterations");
        for (String k : was.keySet()) {
            if (!String.valueOf(was.get(k)).equals(String.valueOf(now.get(k)))) {
                throw new UsageException("--resume: '" + k + "' was " + was.get(k) + " in this run but is now " + now.get(k)
                        + "; a resumed run keeps its configuration (only --iterations may change)");
            }
        }
    }
}
