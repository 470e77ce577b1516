package io.sparkgan.cli;

import io.sparkgan.core.run.RunFolder;
import io.sparkgan.spark.StrategyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sparkgan report DIR}: rebuilds a comparison's {@code report.html}, {@code summary.csv} and
 * plots from the finished run folders under {@code DIR} (e.g. after a newer version of the report, or
 * when some strategies were run separately into the same folder). Run folders are only read.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Rebuild DIR/report.html, DIR/summary.csv and DIR/plots/ from the finished run folders DIR/<strategy>/.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "A folder written by 'sparkgan compare'.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        List<String> strategies = new ArrayList<>();
        for (String s : StrategyConfig.STRATEGIES) {
            if (Files.isRegularFile(dir.resolve(s).resolve(RunFolder.FINAL_JSON))) {
                strategies.add(s);
            }
        }
        // Keep the order compare used (mdgan, flgan, standalone by default).
        strategies.sort(java.util.Comparator.comparingInt(s -> List.of("mdgan", "flgan", "standalone").indexOf(s)));
        if (strategies.isEmpty()) {
            throw new UsageException("'" + dir + "' holds no finished run folder (<strategy>/final.json); expected a folder written by 'sparkgan compare'");
        }
        Map<?, ?> provenance = (Map<?, ?>) new RunFolder(dir.resolve(strategies.get(0))).readJsonMap(RunFolder.RUN_JSON).get("provenance");
        Object command = provenance == null ? null : provenance.get("command");
        Report.write(dir, strategies, "sparkgan " + (command == null ? "compare" : command));
        System.out.println("report: " + dir.resolve("report.html") + " (" + String.join(", ", strategies) + ")");
        return 0;
    }
}
