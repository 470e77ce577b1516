package io.sparkgan.cli;

import io.sparkgan.core.run.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sparkgan report DIR}: rebuilds a comparison's {@code report.html}, {@code summary.csv} and
 * plots from the finished (or diverged) run folders under {@code DIR} (e.g. after a newer version of the report, or
 * when some strategies were run separately into the same folder). Run folders are only read.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Rebuild DIR/report.html, DIR/summary.csv and DIR/plots/ from the finished (or diverged) run folders DIR/<strategy>/ (or DIR/<strategy>/seed-<s>/).")
final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "A folder written by 'sparkgan compare'.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        // A strategy's run is DIR/<strategy>/, or one DIR/<strategy>/seed-<s>/ per seed.
        Map<String, List<Long>> runs = new LinkedHashMap<>();
        for (String s : List.of("mdgan", "flgan", "standalone")) {
            if (Report.ended(dir.resolve(s))) {
                runs.put(s, List.of());
            } else if (Files.isDirectory(dir.resolve(s))) {
                List<Long> seeds = new ArrayList<>();
                try (java.util.stream.Stream<Path> kids = Files.list(dir.resolve(s))) {
                    for (Path k : kids.toList()) {
                        String name = k.getFileName().toString();
                        if (name.matches(Report.SEED_FOLDER + "-?[0-9]+") && Report.ended(k)) {
                            seeds.add(Long.parseLong(name.substring(Report.SEED_FOLDER.length())));
                        }
                    }
                }
                if (!seeds.isEmpty()) {
                    seeds.sort(null);
                    runs.put(s, seeds);
                }
            }
        }
        if (runs.isEmpty()) {
            throw new UsageException("'" + dir + "' holds no finished or diverged run folder (<strategy>/final.json or diverged.json, or the same under <strategy>/seed-<s>/); expected a folder written by 'sparkgan compare'");
        }
        String s0 = runs.keySet().iterator().next();
        List<Long> seeds0 = runs.get(s0);
        Path first = seeds0.isEmpty() ? dir.resolve(s0) : Report.runDir(dir, s0, seeds0.get(0), true);
        Map<?, ?> provenance = (Map<?, ?>) new RunFolder(first).readJsonMap(RunFolder.RUN_JSON).get("provenance");
        Object command = provenance == null ? null : provenance.get("command");
        Report.write(dir, runs, "sparkgan " + (command == null ? "compare" : command));
        System.out.println("report: " + dir.resolve("report.html") + " (" + String.join(", ", runs.keySet()) + ")");
        return 0;
    }
}
