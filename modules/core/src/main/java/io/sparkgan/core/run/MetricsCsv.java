package io.sparkgan.core.run;

import io.sparkgan.core.train.IterationRecord;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code metrics.csv}: the columns {@code iteration,wall_s,d_loss,g_loss} (the contract scripts and
 * notebooks rely on), the cumulative bytes moved ({@code bytes_to_workers}, {@code
 * bytes_from_workers}, {@code bytes_between_workers}), the cumulative worker restores and the
 * discriminator iterations they lost ({@code worker_restores}, {@code iterations_lost}), then one
 * column per evaluation metric, empty on rows that are not evaluation points.
 */
public final class MetricsCsv implements Closeable {
    public static final List<String> BASE_COLUMNS = List.of("iteration", "wall_s", "d_loss", "g_loss",
            "bytes_to_workers", "bytes_from_workers", "bytes_between_workers", "worker_restores", "iterations_lost");

    private final List<String> metricColumns;
    private final BufferedWriter out;

    /**
     * Opens {@code path} for appending. A fresh file gets the header; a resumed run first drops the
     * rows after {@code keepUpTo} (iterations the resumed run will redo) and a last line without its
     * newline (a row a killed process was writing), so no row is lost or repeated. A file that lacks
     * some of this run's metric columns gains them (see {@link #columnMap}).
     */
    public MetricsCsv(Path path, List<String> metricColumns, int keepUpTo) {
        this.metricColumns = List.copyOf(metricColumns);
        try {
            List<String> kept = new ArrayList<>();
            if (Files.exists(path)) {
                String text = Files.readString(path, StandardCharsets.UTF_8);
                // Rows are written whole and then flushed, so only the last line can be cut short.
                List<String> lines = new ArrayList<>(text.lines().toList());
                if (!text.isEmpty() && !text.endsWith("\n") && !lines.isEmpty()) {
                    lines.remove(lines.size() - 1);
                }
                int[] from = lines.isEmpty() ? null : columnMap(path, lines.get(0));
                for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                    if (!line.isBlank() && Integer.parseInt(line.substring(0, line.indexOf(','))) <= keepUpTo) {
                        kept.add(from == null ? line : remap(line, from));
                    }
                }
            }
            kept.add(0, header());
            RunFolder.writeAtomically(path, tmp -> Files.write(tmp, kept, StandardCharsets.UTF_8));
            this.out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where each of this run's columns sits in an existing file's {@code header}: null when they are
     * the same columns in the same order. A file written before a metric existed (a run resumed
     * after an upgrade added, say, {@code d_test_error_pct}) gains the column, empty on its earlier
     * rows; a file with a column this run does not write, or a header cut short, is refused.
     */
    private int[] columnMap(Path path, String existingHeader) {
        if (existingHeader.equals(header())) {
            return null;
        }
        List<String> existing = List.of(existingHeader.split(",", -1));
        List<String> ours = List.of(header().split(","));
        if (!existing.subList(0, Math.min(existing.size(), BASE_COLUMNS.size())).equals(BASE_COLUMNS)
                || !ours.containsAll(existing) || existing.size() != new java.util.HashSet<>(existing).size()) {
            throw new IllegalStateException(path + " has columns " + existingHeader + " but this run writes " + header()
                    + " (a resumed run may only add metric columns)");
        }
        int[] from = new int[ours.size()];
        for (int i = 0; i < from.length; i++) {
            from[i] = existing.indexOf(ours.get(i));
        }
        return from;
    }

    private static String remap(String line, int[] from) {
        String[] v = line.split(",", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < from.length; i++) {
            sb.append(i == 0 ? "" : ",").append(from[i] < 0 || from[i] >= v.length ? "" : v[from[i]]);
        }
        return sb.toString();
    }

    public String header() {
        List<String> cols = new ArrayList<>(BASE_COLUMNS);
        cols.addAll(metricColumns);
        return String.join(",", cols);
    }

    public void append(IterationRecord r) {
        StringBuilder sb = new StringBuilder();
        sb.append(r.iteration()).append(',').append(format(r.wallSeconds())).append(',')
                .append(format(r.dLoss())).append(',').append(format(r.gLoss())).append(',')
                .append(r.traffic().toWorkers()).append(',').append(r.traffic().fromWorkers()).append(',')
                .append(r.traffic().betweenWorkers()).append(',').append(r.restores()).append(',').append(r.lostIterations());
        for (String c : metricColumns) {
            Double v = r.metrics().get(c);
            sb.append(',').append(v == null ? "" : format(v));
        }
        try {
            out.write(sb.toString());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to metrics.csv: " + e.getMessage(), e);
        }
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v);
    }

    /** The evaluation-metric columns of a metrics.csv (those after the base columns), from its header line only. */
    public static List<String> metricColumns(Path path) {
        try (java.io.BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            List<String> metrics = new ArrayList<>();
            for (String column : header == null ? new String[0] : header.split(",")) {
                if (!column.isEmpty() && !BASE_COLUMNS.contains(column)) {
                    metrics.add(column);
                }
            }
            return metrics;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Row values keyed by column, for tests and readers. */
    public static List<Map<String, String>> read(Path path) {
        try {
            List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
            String[] header = lines.get(0).split(",", -1);
            List<Map<String, String>> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] v = line.split(",", -1);
                Map<String, String> row = new java.util.LinkedHashMap<>();
                for (int i = 0; i < header.length; i++) {
                    row.put(header[i], v[i]);
                }
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
