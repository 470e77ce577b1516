package io.sparkgan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import io.sparkgan.core.train.RunInterruptedException;
import io.sparkgan.core.train.StopSignal;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sparkgan} command. Bad input is reported as one line naming the value and what is
 * allowed, with exit code 2, before any Spark job starts; other failures exit 1.
 */
@Command(name = "sparkgan", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Train GANs on data split across Spark workers (MD-GAN, FL-GAN, standalone).",
        subcommands = {TrainCommand.class, CompareCommand.class, SampleCommand.class, ClassifyCommand.class, SelectCommand.class, BenchCommand.class, DataCommand.class, ReportCommand.class})
public final class Main implements Runnable {
    String[] args;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required: train, compare, sample, bench, data or report");
    }

    public static void main(String[] args) {
        int code = execute(args);
        // A driver that YARN runs in its application master (spark-submit --deploy-mode cluster) must
        // return from main: System.exit, even with 0, makes the master report the application FAILED
        // ("Shutdown hook called before final status was reported").
        if (code == 0 && "cluster".equals(System.getProperty("spark.submit.deployMode"))) {
            return;
        }
        System.exit(code);
    }

    /** Runs the command line and returns the exit code (used by tests without exiting the JVM). */
    public static int execute(String... args) {
        System.setProperty("java.awt.headless", "true");
        StopSignal.reset();
        Signals.install();
        Fonts.load();
        Main main = new Main();
        main.args = args;
        // A later flag overrides an earlier one, as it overrides the config file.
        CommandLine cl = new CommandLine(main).setOverwrittenOptionsAllowed(true);
        // One flag per configuration setting, derived from the settings' declarations.
        ConfigOptions.addSettingFlags(cl.getSubcommands().get("train").getCommandSpec(), java.util.Set.of());
        ConfigOptions.addSettingFlags(cl.getSubcommands().get("compare").getCommandSpec(), java.util.Set.of(io.sparkgan.spark.StrategyConfig.STRATEGY));
        ConfigOptions.describeFromSettings(cl.getSubcommands().get("sample").getCommandSpec(), io.sparkgan.core.refine.Refinement.SETTINGS);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(ex.getCommandLine().getCommandName() + ": " + ex.getMessage().lines().findFirst().orElse("")
                    + " (see --help)");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter err = c.getErr();
            if (ex instanceof UsageException) {
                err.println(c.getCommandName() + ": " + ex.getMessage());
                err.flush();
                return 2;
            }
            if (StopSignal.requested()) {
                // A stop request ends whatever was running; say where it stopped, not what broke on the way.
                err.println(c.getCommandName() + ": " + stopped(ex));
                err.flush();
                return Signals.exitCode(StopSignal.cause());
            }
            if (System.getenv("SPARKGAN_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            // Our own I/O errors name the file ("cannot write checkpoint <dir>: <reason>"); their cause names only the reason.
            String message = ex instanceof java.io.UncheckedIOException && ex.getMessage() != null
                    ? ex.getMessage().lines().findFirst().orElse(ex.getMessage()) : rootMessage(ex);
            err.println(c.getCommandName() + ": failed: " + message + (System.getenv("SPARKGAN_DEBUG") == null ? " (set SPARKGAN_DEBUG=1 for the stack trace)" : ""));
            err.flush();
            return 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes Errors on; this one the user can act on, so it gets the one-line treatment too.
            CommandLine.ParseResult parsed = cl.getParseResult();
            String command = parsed == null || parsed.subcommand() == null ? "sparkgan" : parsed.subcommand().commandSpec().name();
            if (System.getenv("SPARKGAN_DEBUG") != null) {
                e.printStackTrace(cl.getErr());
            }
            cl.getErr().println(outOfMemory(command, e));
            cl.getErr().flush();
            return 1;
        }
    }

    /**
     * The line for an OutOfMemoryError: its innermost reason (JavaCPP's "physicalBytes (…) >
     * maxPhysicalBytes (…)", or "Java heap space") and the two limits to raise, since ND4J's arrays
     * live outside the heap.
     */
    static String outOfMemory(String command, OutOfMemoryError e) {
        return command + ": failed: out of memory: " + rootMessage(e) + "; expected more memory for this JVM (SPARKGAN_JAVA_OPTS: -Xmx for the heap,"
                + " -Dorg.bytedeco.javacpp.maxphysicalbytes for the whole process, ND4J's arrays included) or smaller networks, batches or fewer workers";
    }

    /** The line that reports a stopped command. */
    static String stopped(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof Stopped s) {
                return s.getMessage();
            }
            if (t instanceof RunInterruptedException r) {
                return r.getMessage() + " (SIG" + StopSignal.cause() + ")";
            }
        }
        return "stopped by SIG" + StopSignal.cause() + " before training began; nothing to resume";
    }

    /** A command stopped by a signal, with what the user can do next. */
    static final class Stopped extends RuntimeException {
        Stopped(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String m = r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    static void deleteRecursively(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        } catch (IOException ignored) {
            // scratch space only
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sparkgan " + Provenance.version()};
        }
    }
}
