package io.sparkgan.cli;

import io.sparkgan.core.run.MetricsCsv;
import io.sparkgan.core.run.RunFolder;
import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The comparison report: {@code summary.csv} (one row per strategy) and {@code report.html} with the
 * budget, the seeds, what each metric means, a summary table, each strategy's samples on shared axes
 * and each metric plotted against iteration, wall seconds and bytes moved. Everything it shows is read
 * back from the strategies' run folders, so the report is exactly what the runs wrote.
 *
 * <p>With several seeds each strategy has one run folder per seed ({@code <strategy>/seed-<s>/}); the
 * report gives the mean, the standard deviation and the min–max range over seeds of every final
 * figure, and marks a strategy best on a metric only when its mean is best and its min–max range does
 * not overlap the runner-up's ({@link #judge}). One seed shows no spread, so then nothing is marked.
 */
final class Report {
    static {
        Fonts.load();
    }

    static final Map<String, String> AXES = new LinkedHashMap<>();

    static {
        AXES.put("iteration", "iteration (generator updates)");
        AXES.put("wall_s", "wall seconds");
        AXES.put("bytes_moved", "MB moved (all directions)");
    }

    /** Prefix of a seed's run folder under its strategy's folder. */
    static final String SEED_FOLDER = "seed-";

    /** What a figure means, in one line, and whether higher is better (null: neither, e.g. a loss). */
    record Meaning(String text, Boolean higherIsBetter) {
        String better() {
            return higherIsBetter == null ? "" : higherIsBetter ? "higher" : "lower";
        }
    }

    /** What figure {@code f} means (null when unknown); a refined_* figure means its base figure after refinement. */
    static Meaning meaning(String f) {
        if (f.startsWith(Refining.PREFIX) && MEANINGS.containsKey(f.substring(Refining.PREFIX.length()))) {
            Meaning base = MEANINGS.get(f.substring(Refining.PREFIX.length()));
            return new Meaning(base.text() + ", after Langevin refinement of the final samples with the discriminators' energy (DCD)", base.higherIsBetter());
        }
        return MEANINGS.get(f);
    }

    /** The figures the report knows how to explain; others are shown without a meaning or direction. */
    static final Map<String, Meaning> MEANINGS = new LinkedHashMap<>();

    static {
        MEANINGS.put("modes_covered", new Meaning("mixture modes that received at least one high-quality sample (of 25 for grid25, 8 for ring8)", true));
        MEANINGS.put("high_quality_pct", new Meaning("% of generated samples within 3 standard deviations of their nearest mode", true));
        MEANINGS.put("reverse_kl", new Meaning("KL(p ‖ uniform) of the high-quality samples over their nearest modes, in nats; 0 means every mode equally often", false));
        MEANINGS.put("classifier_score", new Meaning("the Inception-score formula with the evaluation classifier: confident and varied classes (at most the number of classes)", true));
        MEANINGS.put("fid", new Meaning("Fréchet distance between the evaluation classifier's features of real test images and of generated ones", false));
        MEANINGS.put(RunExecutor.TEST_ERROR, new Meaning("semi-supervised GAN: % of held-out samples its classifier gets wrong", false));
        MEANINGS.put(SemiSupervisedEvaluation.D_TEST_ERROR, new Meaning("semi-supervised GAN: % of held-out samples discriminator 0's classifier gets wrong, at each evaluation (MD-GAN's final classifier is the ensemble of every worker's)", false));
        MEANINGS.put(Autoencoding.RECONSTRUCTION, new Meaning("adversarial autoencoder: mean squared error per coordinate of held-out samples encoded and decoded", false));
        MEANINGS.put(Disentangling.MIG, new Meaning("InfoGAN: mutual information gap of Q's reading of real images against their known factors (0 to 1)", true));
        MEANINGS.put(Disentangling.FACTOR_VAE, new Meaning("InfoGAN: FactorVAE score of Q's reading of real images against their known factors (0 to 1)", true));
        MEANINGS.put("d_loss", new Meaning("discriminator loss at the last logged iteration (a training signal, not a quality measure)", null));
        MEANINGS.put("g_loss", new Meaning("generator loss at the last logged iteration (a training signal, not a quality measure)", null));
        MEANINGS.put("wall_s", new Meaning("wall-clock seconds of training, evaluation included", false));
        MEANINGS.put("bytes_total", new Meaning("bytes serialised for transfer, all directions (driver→workers, workers→driver, worker↔worker)", false));
        MEANINGS.put("bytes_to_workers", new Meaning("bytes sent from the driver to the workers", null));
        MEANINGS.put("bytes_from_workers", new Meaning("bytes sent from the workers to the driver", null));
        MEANINGS.put("bytes_between_workers", new Meaning("bytes moved between workers (MD-GAN's discriminator swaps)", null));
        MEANINGS.put("worker_compute_s", new Meaning("seconds the workers spent on GAN work, summed over workers", null));
        MEANINGS.put("worker_restores", new Meaning("times a worker's state was restored from a checkpoint (after a lost executor)", null));
        MEANINGS.put("iterations_lost", new Meaning("discriminator iterations redone after restores", null));
    }

    /** Figures only final.json holds: a semi-supervised run's classifier error, an adversarial autoencoder's reconstruction error. */
    static final List<String> FINAL_ONLY = List.of(RunExecutor.TEST_ERROR, Autoencoding.RECONSTRUCTION);

    /** The columns after the metrics, in summary.csv and the report's cost table. */
    static final List<String> COST_COLUMNS = List.of("bytes_to_workers", "bytes_from_workers", "bytes_between_workers", "bytes_total",
            "worker_compute_s", "worker_restores", "iterations_lost");

    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
        new Color(148, 103, 189), new Color(140, 86, 75)};

    private Report() {}

    /** A strategy's run folder: {@code DIR/<strategy>/}, or {@code DIR/<strategy>/seed-<s>/} when a comparison has several seeds. */
    static Path runDir(Path dir, String strategy, long seed, boolean severalSeeds) {
        return severalSeeds ? dir.resolve(strategy).resolve(SEED_FOLDER + seed) : dir.resolve(strategy);
    }

    /** One run folder of the comparison: finished ({@code fin} is final.json) or diverged ({@code fin} is diverged.json). */
    record Run(String strategy, Long seed, Path dir, Map<?, ?> fin, List<Map<String, String>> rows, Map<?, ?> config) {
        String label() {
            return seed == null ? strategy : strategy + " seed " + seed;
        }

        boolean diverged() {
            return fin.containsKey(RunExecutor.DIVERGED_AT);
        }
    }

    /**
     * The record of how the run in {@code runDir} ended: final.json when it finished (a resumed run that
     * had diverged before may have both files), else diverged.json, else null.
     */
    static Path endRecord(Path runDir) {
        for (String name : List.of(RunFolder.FINAL_JSON, RunFolder.DIVERGED_JSON)) {
            if (Files.isRegularFile(runDir.resolve(name))) {
                return runDir.resolve(name);
            }
        }
        return null;
    }

    /** Whether {@code runDir} holds a finished run or one that diverged. */
    static boolean ended(Path runDir) {
        return endRecord(runDir) != null;
    }

    /** A comparison with one run per strategy, in {@code DIR/<strategy>/}. */
    static void write(Path dir, List<String> strategies, String command) throws java.io.IOException {
        Map<String, List<Long>> seeds = new LinkedHashMap<>();
        strategies.forEach(s -> seeds.put(s, List.of()));
        write(dir, seeds, command);
    }

    /**
     * Writes summary.csv, plots/ and report.html.
     *
     * @param seeds per strategy, in order, the seeds of its run folders {@code DIR/<strategy>/seed-<s>/};
     *              an empty list for the single run folder {@code DIR/<strategy>/}
     */
    static void write(Path dir, Map<String, List<Long>> seeds, String command) throws java.io.IOException {
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        for (Map.Entry<String, List<Long>> e : seeds.entrySet()) {
            List<Run> list = new ArrayList<>();
            List<Long> ss = e.getValue().isEmpty() ? java.util.Collections.singletonList(null) : e.getValue();
            for (Long seed : ss) {
                Path d = seed == null ? dir.resolve(e.getKey()) : runDir(dir, e.getKey(), seed, true);
                Path end = endRecord(d);
                Map<?, ?> fin = RunFolder.JSON.readValue((end != null ? end : d.resolve(RunFolder.FINAL_JSON)).toFile(), Map.class);
                Map<?, ?> config = Files.isRegularFile(d.resolve(RunFolder.RUN_JSON))
                        ? (Map<?, ?>) new RunFolder(d).readJsonMap(RunFolder.RUN_JSON).get("config") : null;
                list.add(new Run(e.getKey(), seed, d, fin, MetricsCsv.read(d.resolve(RunFolder.METRICS_CSV)), config == null ? Map.of() : config));
            }
            runs.put(e.getKey(), list);
        }
        boolean several = runs.values().stream().anyMatch(l -> l.size() > 1);
        // The evaluator's metrics (mode coverage on 2-D data, classifier score and FID on images), then the losses.
        LinkedHashSet<String> metrics = new LinkedHashSet<>();
        for (List<Run> l : runs.values()) {
            for (Run r : l) {
                metrics.addAll(MetricsCsv.metricColumns(r.dir().resolve(RunFolder.METRICS_CSV)));
            }
        }
        // Figures a run reports once, at its end (final.json only, no curve).
        for (String m : FINAL_ONLY) {
            if (runs.values().stream().flatMap(List::stream).anyMatch(r -> r.fin().containsKey(m))) {
                metrics.add(m);
            }
        }
        metrics.add("d_loss");
        metrics.add("g_loss");
        // A run with refinement configured also scored its final samples after it (final.json only, no curve).
        List<String> scored = new ArrayList<>();
        for (String m : metrics) {
            scored.add(m);
            if (runs.values().stream().flatMap(List::stream).anyMatch(r -> r.fin().containsKey(Refining.PREFIX + m))) {
                scored.add(Refining.PREFIX + m);
            }
        }
        List<String> figures = new ArrayList<>(List.of("wall_s"));
        figures.addAll(scored);
        figures.addAll(COST_COLUMNS);
        boolean anyDiverged = runs.values().stream().flatMap(List::stream).anyMatch(Run::diverged);
        if (several) {
            writeSeedsSummaryCsv(dir.resolve("summary.csv"), figures, runs, anyDiverged);
        } else {
            List<String> columns = new ArrayList<>(List.of("strategy", "workers", "iteration"));
            columns.addAll(figures);
            if (anyDiverged) {
                // The diverged row's figures are empty; this column says where it stopped.
                columns.add(RunExecutor.DIVERGED_AT);
            }
            writeSummaryCsv(dir.resolve("summary.csv"), columns, runs);
        }
        Path plots = dir.resolve("plots");
        Files.createDirectories(plots);
        List<String> images = new ArrayList<>();
        for (String metric : metrics) {
            for (Map.Entry<String, String> axis : AXES.entrySet()) {
                String name = metric + "_vs_" + axis.getKey() + ".png";
                chart(plots.resolve(name), metric, axis.getKey(), axis.getValue(), runs);
                images.add("plots/" + name);
            }
        }
        Map<Run, String> samples = samplePictures(dir, runs);
        writeHtml(dir.resolve("report.html"), runs, scored, images, samples, command);
    }

    // ---- numbers ----

    /** Mean, sample standard deviation (NaN for one value) and range of one figure over seeds. */
    record Stats(int n, double mean, double std, double min, double max) {
        static Stats of(List<Double> values) {
            double[] v = values.stream().filter(x -> x != null && Double.isFinite(x)).mapToDouble(Double::doubleValue).toArray();
            if (v.length == 0) {
                return null;
            }
            double mean = Arrays.stream(v).average().orElseThrow();
            double ss = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum();
            return new Stats(v.length, mean, v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : Double.NaN,
                    Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow());
        }
    }

    /** Which strategy, if any, is best on one figure, and why not otherwise. */
    record Verdict(String best, String note) {
        static final String NO_CLEAR_BEST = "no clear best";
    }

    /**
     * The best strategy on a figure, only where the spread over seeds allows it: the best mean whose
     * min–max range does not overlap the runner-up's (for higher-is-better its minimum is above the
     * runner-up's maximum; for lower-is-better its maximum is below the runner-up's minimum). With fewer
     * than two seeds for some strategy there is no spread to judge by, and nothing is marked.
     *
     * @param stats per strategy; a null entry (no finite value) takes no part
     */
    static Verdict judge(Map<String, Stats> stats, boolean higherIsBetter) {
        List<Map.Entry<String, Stats>> ranked = stats.entrySet().stream().filter(e -> e.getValue() != null)
                .sorted(Comparator.comparingDouble(e -> higherIsBetter ? -e.getValue().mean() : e.getValue().mean()))
                .collect(Collectors.toList());
        if (ranked.size() < 2) {
            return new Verdict(null, "fewer than two strategies to compare");
        }
        if (ranked.stream().anyMatch(e -> e.getValue().n() < 2)) {
            return new Verdict(null, "one seed: no spread to judge by");
        }
        Stats best = ranked.get(0).getValue();
        Stats runnerUp = ranked.get(1).getValue();
        boolean apart = higherIsBetter ? best.min() > runnerUp.max() : best.max() < runnerUp.min();
        return apart ? new Verdict(ranked.get(0).getKey(), "") : new Verdict(null, Verdict.NO_CLEAR_BEST);
    }

    private static Double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }

    private static Map<String, Stats> stats(Map<String, List<Run>> runs, String figure) {
        Map<String, Stats> m = new LinkedHashMap<>();
        runs.forEach((s, l) -> m.put(s, Stats.of(l.stream().map(r -> number(r.fin().get(figure))).toList())));
        return m;
    }

    // ---- summary.csv ----

    private static void writeSummaryCsv(Path file, List<String> columns, Map<String, List<Run>> runs) {
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", columns));
        for (List<Run> l : runs.values()) {
            Map<?, ?> f = l.get(0).fin();
            List<String> v = new ArrayList<>();
            for (String c : columns) {
                Object o = f.get(c);
                v.add(o == null ? "" : String.valueOf(o));
            }
            lines.add(String.join(",", v));
        }
        RunFolder.writeAtomically(file, tmp -> Files.write(tmp, lines, StandardCharsets.UTF_8));
    }

    /**
     * Several seeds: per strategy its seeds (space-separated), then per figure {@code _mean},
     * {@code _std} (sample standard deviation), {@code _min} and {@code _max} over seeds, and for a
     * figure with a direction {@code _better} (higher or lower) and {@code _best} ("best" on the best
     * strategy's row, "no clear best" on every row when the ranges do not allow a choice).
     */
    private static void writeSeedsSummaryCsv(Path file, List<String> figures, Map<String, List<Run>> runs, boolean anyDiverged) {
        List<String> header = new ArrayList<>(List.of("strategy", "seeds", "workers", "iteration"));
        Map<String, Verdict> verdicts = new LinkedHashMap<>();
        for (String f : figures) {
            header.addAll(List.of(f + "_mean", f + "_std", f + "_min", f + "_max"));
            Meaning m = meaning(f);
            if (m != null && m.higherIsBetter() != null) {
                header.addAll(List.of(f + "_better", f + "_best"));
                verdicts.put(f, judge(stats(runs, f), m.higherIsBetter()));
            }
        }
        if (anyDiverged) {
            header.add(RunExecutor.DIVERGED_AT);
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", header));
        for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
            Map<?, ?> first = e.getValue().stream().filter(r -> !r.diverged()).findFirst().orElse(e.getValue().get(0)).fin();
            List<String> v = new ArrayList<>(List.of(e.getKey(),
                    e.getValue().stream().map(r -> String.valueOf(r.seed())).collect(Collectors.joining(" ")),
                    String.valueOf(first.get("workers")), first.containsKey("iteration") ? String.valueOf(first.get("iteration")) : ""));
            for (String f : figures) {
                Stats s = Stats.of(e.getValue().stream().map(r -> number(r.fin().get(f))).toList());
                v.addAll(s == null ? List.of("", "", "", "") : List.of(csv(s.mean()), csv(s.std()), csv(s.min()), csv(s.max())));
                Verdict verdict = verdicts.get(f);
                if (verdict != null) {
                    v.add(meaning(f).better());
                    v.add(verdict.best() != null ? (verdict.best().equals(e.getKey()) ? "best" : "") : verdict.note());
                }
            }
            if (anyDiverged) {
                // seed:iteration of each seed that diverged; the means above are over the seeds that finished.
                v.add(e.getValue().stream().filter(Run::diverged).map(r -> r.seed() + ":" + r.fin().get(RunExecutor.DIVERGED_AT))
                        .collect(Collectors.joining(" ")));
            }
            lines.add(String.join(",", v));
        }
        RunFolder.writeAtomically(file, tmp -> Files.write(tmp, lines, StandardCharsets.UTF_8));
    }

    private static String csv(double d) {
        if (!Double.isFinite(d)) {
            return "";
        }
        // Ten significant digits: a mean of 1.24 and 2.12 is 1.68, not 1.6800000000000002.
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d)
                : new java.math.BigDecimal(d).round(new java.math.MathContext(10)).stripTrailingZeros().toPlainString();
    }

    // ---- plots ----

    private static double x(Map<String, String> row, String axis) {
        if (axis.equals("bytes_moved")) {
            return (Long.parseLong(row.get("bytes_to_workers")) + Long.parseLong(row.get("bytes_from_workers"))
                    + Long.parseLong(row.get("bytes_between_workers"))) / 1e6;
        }
        return Double.parseDouble(row.get(axis));
    }

    private static Double value(Map<String, String> row, String metric) {
        String v = row.get(metric);
        return v == null || v.isEmpty() || v.equals("NaN") ? null : Double.parseDouble(v);
    }

    /**
     * One curve per strategy. With several seeds: the mean over seeds at each logged iteration they all
     * reached (x averaged too, for wall seconds), with thin lines of the same colour at the minimum and
     * maximum. The legend sits below the plot, where it covers no point.
     */
    private static void chart(Path png, String metric, String axis, String axisTitle, Map<String, List<Run>> runs) {
        boolean several = runs.values().stream().anyMatch(l -> l.size() > 1);
        int seeds = runs.values().stream().mapToInt(List::size).max().orElse(1);
        XYChart chart = new XYChartBuilder().width(600).height(440).title(metric + " vs " + axis + (several ? ", mean of " + seeds + " seeds" : ""))
                .xAxisTitle(axisTitle).yAxisTitle(metric).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setMarkerSize(4);
        int k = 0;
        for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
            Color colour = PALETTE[k++ % PALETTE.length];
            // iteration -> per seed (x, y)
            TreeMap<Integer, List<double[]>> points = new TreeMap<>();
            for (Run r : e.getValue()) {
                for (Map<String, String> row : r.rows()) {
                    Double y = value(row, metric);
                    if (y != null) {
                        points.computeIfAbsent(Integer.parseInt(row.get("iteration")), i -> new ArrayList<>()).add(new double[] {x(row, axis), y});
                    }
                }
            }
            int n = e.getValue().size();
            List<Double> xs = new ArrayList<>();
            List<Double> mean = new ArrayList<>();
            List<Double> lo = new ArrayList<>();
            List<Double> hi = new ArrayList<>();
            for (List<double[]> p : points.values()) {
                if (p.size() < n) {
                    continue; // not every seed has this point: a mean over some seeds would jump
                }
                xs.add(p.stream().mapToDouble(q -> q[0]).average().orElseThrow());
                mean.add(p.stream().mapToDouble(q -> q[1]).average().orElseThrow());
                lo.add(p.stream().mapToDouble(q -> q[1]).min().orElseThrow());
                hi.add(p.stream().mapToDouble(q -> q[1]).max().orElseThrow());
            }
            if (xs.isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(e.getKey(), xs, mean);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineColor(colour);
            s.setMarkerColor(colour);
            if (n > 1) {
                for (List<Double> band : List.of(lo, hi)) {
                    XYSeries b = chart.addSeries(e.getKey() + (band == lo ? " min" : " max"), xs, band);
                    b.setMarker(SeriesMarkers.NONE);
                    b.setLineColor(new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 140));
                    b.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {4f, 3f}, 0f));
                    b.setShowInLegend(false);
                }
            }
        }
        if (several && !chart.getSeriesMap().isEmpty()) {
            // The legend says once what the dashed lines are: a one-point series draws no line, only its legend entry.
            XYSeries note = chart.addSeries("min, max over seeds", new double[] {xsOf(chart)}, new double[] {ysOf(chart)});
            note.setMarker(SeriesMarkers.NONE);
            note.setLineColor(Color.GRAY);
            note.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {4f, 3f}, 0f));
        }
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("no data", new double[] {0}, new double[] {0});
        }
        RunFolder.writeAtomically(png, tmp -> ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", tmp.toFile()));
    }

    private static double xsOf(XYChart chart) {
        return chart.getSeriesMap().values().iterator().next().getXData()[0];
    }

    private static double ysOf(XYChart chart) {
        return chart.getSeriesMap().values().iterator().next().getYData()[0];
    }

    /**
     * Each run's samples picture for the page. 2-D runs that kept their points (samples.csv) are drawn
     * again here on one pair of axes for all strategies and seeds: the real data's extent joined with
     * the central 99% of every run's generated points, so one diverged run does not squash the others.
     * Other runs show their own samples.png.
     */
    private static Map<Run, String> samplePictures(Path dir, Map<String, List<Run>> runs) throws java.io.IOException {
        Map<Run, double[][][]> points = new LinkedHashMap<>();
        for (List<Run> l : runs.values()) {
            for (Run r : l) {
                Path csv = r.dir().resolve(RunData.SAMPLES_CSV);
                if (Files.isRegularFile(csv)) {
                    points.put(r, Plots.readPoints(csv));
                }
            }
        }
        double[] xr = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        double[] yr = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (double[][][] p : points.values()) {
            for (int axis = 0; axis < 2; axis++) {
                double[] range = axis == 0 ? xr : yr;
                for (double[] q : p[0]) {
                    range[0] = Math.min(range[0], q[axis]);
                    range[1] = Math.max(range[1], q[axis]);
                }
                final int a = axis;
                double[] g = Arrays.stream(p[1]).mapToDouble(q -> q[a]).filter(Double::isFinite).sorted().toArray();
                if (g.length > 0) {
                    range[0] = Math.min(range[0], g[(int) Math.floor(0.005 * (g.length - 1))]);
                    range[1] = Math.max(range[1], g[(int) Math.ceil(0.995 * (g.length - 1))]);
                }
            }
        }
        for (double[] range : List.of(xr, yr)) {
            double pad = Math.max(1e-6, 0.05 * (range[1] - range[0]));
            range[0] -= pad;
            range[1] += pad;
        }
        Map<Run, String> pictures = new LinkedHashMap<>();
        for (List<Run> l : runs.values()) {
            for (Run r : l) {
                double[][][] p = points.get(r);
                if (r.diverged()) {
                    continue; // it drew no final samples
                }
                if (p == null) {
                    pictures.put(r, dir.relativize(r.dir()).toString().replace('\\', '/') + "/samples.png");
                } else {
                    String name = "plots/samples_" + r.strategy() + (r.seed() == null ? "" : "_seed-" + r.seed()) + ".png";
                    Plots.scatter(dir.resolve(name), r.label() + ", iteration " + r.fin().get("iteration"), p[0], p[1], xr, yr);
                    pictures.put(r, name);
                }
            }
        }
        return pictures;
    }

    // ---- report.html ----

    /** An adversarial autoencoder's codes of held-out samples, coloured by class, for every run that drew them. */
    private static void codes(StringBuilder h, Map<String, List<Run>> runs, Path dir, boolean several) {
        pictures(h, runs, dir, several, Autoencoding.CODES_PNG, "Codes",
                "The adversarial autoencoder's codes of held-out samples (first two coordinates), coloured by class.", "codes of ");
    }

    /** InfoGAN's latent traversals, for every run that drew them. */
    private static void traversals(StringBuilder h, Map<String, List<Run>> runs, Path dir, boolean several) {
        pictures(h, runs, dir, several, Disentangling.TRAVERSAL_PNG, "Latent traversals",
                "One row per InfoGAN code, varied along the row (categories in turn; continuous codes from -1 to 1), the noise and the other codes fixed.",
                "latent traversals of ");
    }

    /** A section showing picture {@code file} of every run folder that has one. */
    private static void pictures(StringBuilder h, Map<String, List<Run>> runs, Path dir, boolean several, String file, String title, String intro, String alt) {
        List<Run> with = runs.values().stream().flatMap(List::stream).filter(r -> Files.isRegularFile(r.dir().resolve(file))).toList();
        if (with.isEmpty()) {
            return;
        }
        h.append("<h2>").append(title).append("</h2>\n<p>").append(escape(intro)).append("</p>\n");
        h.append("<div class=\"grid\">");
        for (Run r : with) {
            String img = dir.relativize(r.dir()).toString().replace('\\', '/') + "/" + file;
            h.append("<figure><img src=\"").append(img).append("\" width=\"").append(several ? 320 : 400)
                    .append("\" alt=\"").append(alt).append(escape(r.label())).append("\"><figcaption>").append(escape(r.label())).append("</figcaption></figure>");
        }
        h.append("</div>\n");
    }

    private static String fmt(double d) {
        if (!Double.isFinite(d)) {
            return "–";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) d);
        }
        return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%,.1f", d) : String.format(Locale.ROOT, "%.3f", d);
    }

    private static String fmt(String figure, double d) {
        return figure.startsWith("bytes_") && Double.isFinite(d) ? String.format(Locale.ROOT, "%,.2f MB", d / 1e6) : fmt(d);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String config(Map<?, ?> c, String key) {
        Object v = c.get(key);
        return v == null ? "?" : v instanceof Number n ? fmt(n.doubleValue()) : escape(String.valueOf(v));
    }

    private static void writeHtml(Path file, Map<String, List<Run>> runs, List<String> metrics, List<String> images, Map<Run, String> samples,
            String command) {
        boolean several = runs.values().stream().anyMatch(l -> l.size() > 1);
        Run first = runs.values().iterator().next().get(0);
        Map<?, ?> c = first.config();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
                .append("<title>sparkgan comparison</title>\n<style>")
                .append("body{font-family:sans-serif;margin:2em;color:#222;max-width:1200px}")
                .append("code{overflow-wrap:anywhere}")
                .append("table{border-collapse:collapse;max-width:100%;margin-bottom:1em}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top;overflow-wrap:anywhere}")
                .append("th:first-child,td:first-child{text-align:left}td.best{font-weight:bold;background:#e8f4e8}")
                .append(".range{color:#666;font-size:85%}dt{font-weight:bold;margin-top:.4em}dd{margin-left:1.5em}")
                .append("img{max-width:100%;height:auto;margin:4px;border:1px solid #eee}.grid{display:flex;flex-wrap:wrap}")
                .append("figure{margin:4px}figcaption{text-align:center}</style></head><body>\n")
                .append("<h1>Strategy comparison</h1>\n<p><code>").append(escape(command)).append("</code></p>\n");
        // The budget and the seeds: what every strategy got.
        h.append("<h2>Budget</h2>\n<p>Every strategy gets the same budget: <b>").append(config(c, "iterations"))
                .append("</b> generator updates (iterations), batch size <b>").append(config(c, "batch-size"))
                .append("</b>, <b>").append(config(c, "workers")).append("</b> workers (shards: ").append(config(c, "shards"))
                .append("), ").append(config(c, "local-steps")).append(" discriminator step(s) per update, on ")
                .append(config(c, "dataset"));
        if (Datasets.contains(String.valueOf(c.get("dataset")))) {
            h.append(" (").append(config(c, "dataset-size")).append(" rows)");
        }
        h.append(".</p>\n");
        List<Long> seeds = runs.values().stream().flatMap(List::stream).map(Run::seed).filter(java.util.Objects::nonNull).distinct().sorted().toList();
        if (several) {
            h.append("<p>Seeds: <b>").append(seeds.stream().map(String::valueOf).collect(Collectors.joining(", ")))
                    .append("</b>. Each strategy ran once per seed; a seed fixes the data drawn, the shards, the initial weights and every latent code, ")
                    .append("so for one seed all strategies see the same data. Table cells give the <b>mean over seeds</b> and, below it, the ")
                    .append("<b>min–max range</b> (left out where every seed gave the same value; summary.csv also has the standard deviation). A strategy is marked best on a figure only when ")
                    .append("its mean is best and its min–max range does not overlap the runner-up's; otherwise the table says ")
                    .append("&ldquo;no clear best&rdquo;.</p>\n");
        } else {
            h.append("<p>Seed: <b>").append(config(c, "seed")).append("</b>, one run per strategy. One seed shows no spread, so no ")
                    .append("strategy is marked best: differences smaller than the seed-to-seed spread mean little. ")
                    .append("Run <code>sparkgan compare --seeds 1,2,3</code> to judge.</p>\n");
        }
        h.append("<p>Bytes are those each strategy serialised for transfer (driver&rarr;workers, workers&rarr;driver, ")
                .append("worker&harr;worker), cumulative.</p>\n");
        h.append("<h2>Summary</h2>\n");
        for (Run r : runs.values().stream().flatMap(List::stream).filter(Run::diverged).toList()) {
            h.append("<p><b>").append(escape(r.label())).append(" diverged</b> (").append(escape(String.valueOf(r.fin().get("error"))))
                    .append("). Its figures are left out below (&ndash;)").append(several ? " and out of the means over seeds" : "")
                    .append("; its curves stop at its last logged iteration, and its run folder keeps the last good checkpoint.</p>\n");
        }
        h.append(table("Sample quality and losses at the end of training", metrics, runs, several));
        List<String> cost = new ArrayList<>(List.of("wall_s"));
        cost.addAll(COST_COLUMNS);
        h.append(table("Cost", cost, runs, several));
        h.append("<h2>What the figures mean</h2>\n<dl>\n");
        List<String> all = new ArrayList<>(metrics);
        all.addAll(cost);
        for (String m : all) {
            Meaning meaning = meaning(m);
            h.append("<dt>").append(m).append("</dt><dd>").append(meaning == null ? "(reported by the evaluator)" : escape(meaning.text()))
                    .append(meaning == null || meaning.higherIsBetter() == null ? "" : "; <b>" + meaning.better() + " is better</b>")
                    .append("</dd>\n");
        }
        h.append("</dl>\n<h2>Samples</h2>\n");
        if (samples.values().stream().anyMatch(p -> p.startsWith("plots/"))) {
            h.append("<p>Real data as grey circles, generated samples as red crosses, on the same axes for every strategy")
                    .append(several ? " and seed" : "").append(".</p>\n");
        }
        for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
            if (several) {
                h.append("<h3>").append(e.getKey()).append("</h3>\n");
            }
            h.append("<div class=\"grid\">");
            for (Run r : e.getValue()) {
                if (!samples.containsKey(r)) {
                    continue;
                }
                h.append("<figure><img src=\"").append(samples.get(r)).append("\" width=\"").append(several ? 320 : 400)
                        .append("\" alt=\"samples of ").append(r.label()).append("\"><figcaption>").append(r.label()).append("</figcaption></figure>");
            }
            h.append("</div>\n");
        }
        codes(h, runs, file.getParent(), several);
        traversals(h, runs, file.getParent(), several);
        h.append("<h2>Metrics during training</h2>\n");
        if (several) {
            h.append("<p>Solid: the mean over seeds; dashed, same colour: the minimum and maximum over seeds.</p>\n");
        }
        h.append("<div class=\"grid\">");
        for (String img : images) {
            h.append("<img src=\"").append(img).append("\" width=\"460\" alt=\"").append(img).append("\">");
        }
        h.append("</div>\n<p>Each strategy's run folder").append(several ? "s (<code>&lt;strategy&gt;/seed-&lt;s&gt;/</code>: " : " (")
                .append("run.json, metrics.csv, final.json, model/, checkpoints/) are next to this file.</p>\n</body></html>\n");
        RunFolder.writeAtomically(file, tmp -> Files.writeString(tmp, h.toString(), StandardCharsets.UTF_8));
    }

    /**
     * One figure per row and one strategy per column, so the table stays as narrow as the number of
     * strategies however many figures there are; with several seeds a last column names the best.
     */
    private static String table(String caption, List<String> figures, Map<String, List<Run>> runs, boolean several) {
        StringBuilder h = new StringBuilder("<table><caption style=\"text-align:left;font-weight:bold\">").append(caption).append("</caption>\n<tr><th>figure</th><th>better</th>");
        runs.keySet().forEach(s -> h.append("<th>").append(s).append("</th>"));
        if (several) {
            h.append("<th>best</th>");
        }
        h.append("</tr>\n");
        for (String f : figures) {
            Meaning meaning = meaning(f);
            Map<String, Stats> stats = stats(runs, f);
            Verdict verdict = several && meaning != null && meaning.higherIsBetter() != null ? judge(stats, meaning.higherIsBetter()) : null;
            h.append("<tr><td>").append(f).append("</td><td>").append(meaning == null ? "" : meaning.better()).append("</td>");
            for (String s : runs.keySet()) {
                Stats st = stats.get(s);
                boolean best = verdict != null && s.equals(verdict.best());
                h.append(best ? "<td class=\"best\">" : "<td>");
                if (st == null) {
                    h.append("–");
                } else if (st.n() == 1 || st.min() == st.max()) {
                    h.append(fmt(f, st.mean()));
                } else {
                    h.append(fmt(f, st.mean())).append("<br><span class=\"range\">").append(fmt(f, st.min())).append(" – ")
                            .append(fmt(f, st.max())).append("</span>");
                }
                h.append("</td>");
            }
            if (several) {
                h.append("<td>").append(verdict == null ? "" : verdict.best() != null ? "<b>" + verdict.best() + "</b>" : verdict.note()).append("</td>");
            }
            h.append("</tr>\n");
        }
        return h.append("</table>\n").toString();
    }

    /** The embedded datasets, whose size is a setting. */
    private static final class Datasets {
        static boolean contains(String name) {
            return io.sparkgan.data.Datasets.NAMES.contains(name);
        }
    }
}
