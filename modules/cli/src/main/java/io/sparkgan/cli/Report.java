package io.sparkgan.cli;

import io.sparkgan.core.run.MetricsCsv;
import io.sparkgan.core.run.RunFolder;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The comparison report: {@code summary.csv} (one row per strategy) and {@code report.html} with
 * each metric plotted against iteration, wall seconds and bytes moved, and each strategy's samples.
 * Everything it shows is read back from the strategies' run folders, so the report is exactly what
 * the runs wrote.
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

    private Report() {}

    static void write(Path dir, List<String> strategies, String command) throws java.io.IOException {
        Map<String, List<Map<String, String>>> rows = new LinkedHashMap<>();
        Map<String, Map<?, ?>> finals = new LinkedHashMap<>();
        for (String s : strategies) {
            rows.put(s, MetricsCsv.read(dir.resolve(s).resolve(RunFolder.METRICS_CSV)));
            finals.put(s, RunFolder.JSON.readValue(dir.resolve(s).resolve(RunFolder.FINAL_JSON).toFile(), Map.class));
        }
        // The evaluator's metrics (mode coverage on 2-D data, classifier score and FID on images), then the losses.
        java.util.LinkedHashSet<String> metrics = new java.util.LinkedHashSet<>();
        for (String s : strategies) {
            metrics.addAll(MetricsCsv.metricColumns(dir.resolve(s).resolve(RunFolder.METRICS_CSV)));
        }
        metrics.add("d_loss");
        metrics.add("g_loss");
        List<String> columns = new ArrayList<>(List.of("strategy", "workers", "iteration", "wall_s"));
        for (String m : metrics) {
            columns.add(m);
            // A run with refinement configured also scored its final samples after it (final.json only).
            if (finals.values().stream().anyMatch(f -> f.containsKey(Refining.PREFIX + m))) {
                columns.add(Refining.PREFIX + m);
            }
        }
        columns.addAll(List.of("bytes_to_workers", "bytes_from_workers", "bytes_between_workers", "bytes_total", "worker_compute_s", "worker_restores", "iterations_lost"));
        writeSummaryCsv(dir.resolve("summary.csv"), columns, finals);
        Path plots = dir.resolve("plots");
        Files.createDirectories(plots);
        List<String> images = new ArrayList<>();
        for (String metric : metrics) {
            for (Map.Entry<String, String> axis : AXES.entrySet()) {
                String name = metric + "_vs_" + axis.getKey() + ".png";
                chart(plots.resolve(name), metric, axis.getKey(), axis.getValue(), rows);
                images.add("plots/" + name);
            }
        }
        writeHtml(dir.resolve("report.html"), strategies, columns, finals, images, command);
    }

    private static void writeSummaryCsv(Path file, List<String> columns, Map<String, Map<?, ?>> finals) {
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", columns));
        for (Map<?, ?> f : finals.values()) {
            List<String> v = new ArrayList<>();
            for (String c : columns) {
                Object o = f.get(c);
                v.add(o == null ? "" : String.valueOf(o));
            }
            lines.add(String.join(",", v));
        }
        RunFolder.writeAtomically(file, tmp -> Files.write(tmp, lines, StandardCharsets.UTF_8));
    }

    private static double x(Map<String, String> row, String axis) {
        if (axis.equals("bytes_moved")) {
            return (Long.parseLong(row.get("bytes_to_workers")) + Long.parseLong(row.get("bytes_from_workers"))
                    + Long.parseLong(row.get("bytes_between_workers"))) / 1e6;
        }
        return Double.parseDouble(row.get(axis));
    }

    private static void chart(Path png, String metric, String axis, String axisTitle, Map<String, List<Map<String, String>>> rows) {
        XYChart chart = new XYChartBuilder().width(560).height(380).title(metric + " vs " + axisTitle).xAxisTitle(axisTitle).yAxisTitle(metric).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setMarkerSize(4);
        for (Map.Entry<String, List<Map<String, String>>> e : rows.entrySet()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Map<String, String> r : e.getValue()) {
                String v = r.get(metric);
                if (v != null && !v.isEmpty() && !v.equals("NaN")) {
                    xs.add(x(r, axis));
                    ys.add(Double.parseDouble(v));
                }
            }
            if (!xs.isEmpty()) {
                XYSeries s = chart.addSeries(e.getKey(), xs, ys);
                s.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("no data", new double[] {0}, new double[] {0});
        }
        RunFolder.writeAtomically(png, tmp -> ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", tmp.toFile()));
    }

    private static String fmt(Object o) {
        if (o == null) {
            return "–";
        }
        if (o instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format(Locale.ROOT, "%,d", (long) d) : String.format(Locale.ROOT, "%.3f", d);
        }
        return escape(String.valueOf(o));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void writeHtml(Path file, List<String> strategies, List<String> columns, Map<String, Map<?, ?>> finals, List<String> images,
            String command) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sparkgan comparison</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}img{margin:4px;border:1px solid #eee}.grid{display:flex;flex-wrap:wrap}</style></head><body>\n")
                .append("<h1>Strategy comparison</h1>\n<p><code>").append(escape(command)).append("</code></p>\n")
                .append("<p>Same data, shards, seed and number of generator updates for every strategy. Bytes are those each strategy serialised ")
                .append("for transfer (driver&rarr;workers, workers&rarr;driver, worker&harr;worker), cumulative.")
                .append(columns.stream().anyMatch(c -> c.startsWith(Refining.PREFIX))
                        ? " Columns <code>" + Refining.PREFIX + "*</code> score the final evaluation's samples after Langevin refinement with the"
                                + " discriminators' energy (DCD; settings in each run's final.json)." : "")
                .append("</p>\n<h2>Summary</h2>\n<table><tr>");
        for (String c : columns) {
            h.append("<th>").append(c).append("</th>");
        }
        h.append("</tr>\n");
        for (Map<?, ?> f : finals.values()) {
            h.append("<tr>");
            for (String c : columns) {
                h.append("<td>").append(fmt(f.get(c))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<h2>Samples</h2>\n<div class=\"grid\">");
        for (String s : strategies) {
            h.append("<figure><img src=\"").append(s).append("/samples.png\" width=\"420\" alt=\"samples of ").append(s)
                    .append("\"><figcaption>").append(s).append("</figcaption></figure>");
        }
        h.append("</div>\n<h2>Metrics</h2>\n<div class=\"grid\">");
        for (String img : images) {
            h.append("<img src=\"").append(img).append("\" width=\"460\" alt=\"").append(img).append("\">");
        }
        h.append("</div>\n<p>Each strategy's run folder (run.json, metrics.csv, final.json, model/, checkpoints/) is next to this file.</p>\n</body></html>\n");
        RunFolder.writeAtomically(file, tmp -> Files.writeString(tmp, h.toString(), StandardCharsets.UTF_8));
    }
}
