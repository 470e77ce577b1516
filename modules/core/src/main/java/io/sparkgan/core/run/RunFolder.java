package io.sparkgan.core.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The folder one run writes: {@code run.json} (resolved config and provenance), {@code metrics.csv}
 * (one row per logged iteration), {@code final.json} (final metrics), plots, and {@code checkpoints/};
 * a run that diverged has {@code diverged.json} (where and why) instead of {@code final.json}.
 * Whole files are written under a temporary name and renamed, so a crash never leaves a half-written
 * {@code final.json} or plot; {@code metrics.csv} is appended and flushed row by row.
 */
public final class RunFolder {
    public static final String RUN_JSON = "run.json";
    public static final String METRICS_CSV = "metrics.csv";
    public static final String FINAL_JSON = "final.json";
    /** Written instead of final.json by a run that diverged: strategy, workers, the iteration and the reason. */
    public static final String DIVERGED_JSON = "diverged.json";
    public static final String CHECKPOINTS = "checkpoints";

    public static final ObjectMapper JSON = new ObjectMapper()
            
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;

    public RunFolder(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    public Path checkpoints() {
        return dir.resolve(CHECKPOINTS);
    }

    /** True when {@code dir} does not exist or holds nothing. */
    public static boolean isEmptyOrAbsent(Path dir) {
        if (!Files.exists(dir)) {
            return true;
        }
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Creates the folder; with {@code clear}, first deletes what an earlier run left in it. */
    public static RunFolder create(Path dir, boolean clear) {
        try {
            if (clear && Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                        if (!p.equals(dir)) {
                            Files.delete(p);
                        }
                    }
                }
            }
            Files.createDirectories(dir);
            return new RunFolder(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code value} as JSON to {@code name}, atomically. */
    public void writeJson(String name, Object value) {
        writeAtomically(dir.resolve(name), tmp -> JSON.writeValue(tmp.toFile(), value));
    }

    public <T> T readJson(String name, Class<T> type) {
        try {
            return JSON.readValue(dir.resolve(name).toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    public Map<?, ?> readJsonMap(String name) {
        return readJson(name, Map.class);
    }

    /** Writes a file through {@code writer} into a temporary sibling, then renames it into place. */
    public static void writeAtomically(Path target, FileWriter writer) {
        Path tmp = target.resolveSibling(TempNames.of(target.getFileName().toString(), "tmp"));
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            writer.write(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the rename already happened or the write failed
            }
        }
    }

    /** Writes one file given a path to write to. */
    @FunctionalInterface
    public interface FileWriter {
        void write(Path path) throws IOException;
    }
}
