package io.sparkgan.core.checkpoint;

import io.sparkgan.core.run.TempNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A folder of checkpoints on any Hadoop FileSystem (file://, hdfs://, s3a://). Each checkpoint is a
 * sub-folder {@code iter-000001000} holding named parts (model zips, a state JSON). It is written
 * under a temporary name and renamed when complete, so a crash never leaves a checkpoint that looks
 * whole; readers only ever see complete ones. The latest checkpoint is the highest complete
 * iteration, so there is no pointer file to get out of step.
 */
public final class CheckpointStore {
    private static final Pattern NAME = Pattern.compile("iter-(\\d{9})");

    private final Path root;
    private final FileSystem fs;

    /** With Hadoop's default configuration (the site files on the classpath). */
    public CheckpointStore(String uri) {
        this(uri, HadoopConfs.defaults());
    }

    public CheckpointStore(String uri, Configuration hadoopConf) {
        try {
            this.root = new Path(uri);
            String scheme = root.toUri().getScheme();
            if ("file".equals(scheme) || (scheme == null && FileSystem.getDefaultUri(hadoopConf).getScheme().equals("file"))) {
                this.fs = LocalFiles.shared(hadoopConf);
            } else {
                this.fs = root.getFileSystem(hadoopConf);
                // A local file system reached some other way would otherwise get a .crc twin next to every file.
                fs.setWriteChecksum(false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open checkpoint folder " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Whether this store writes through {@link LocalFiles} (a local folder). */
    boolean usesLocalFiles() {
        return fs instanceof LocalFiles;
    }

    public String uri() {
        return root.toString();
    }

    /** Writes one checkpoint atomically (temporary folder, then rename). */
    public void save(int iteration, Map<String, PartWriter> parts) {
        Path target = new Path(root, name(iteration));
        Path tmp = new Path(root, TempNames.of(name(iteration), "tmp"));
        try {
            fs.mkdirs(tmp);
            for (Map.Entry<String, PartWriter> e : parts.entrySet()) {
                try (FSDataOutputStream out = fs.create(new Path(tmp, e.getKey()), false)) {
                    e.getValue().write(out);
                }
            }
            if (fs.exists(target)) {
                // Same iteration written again (a resumed run reaching it twice): keep the old one aside until the new one is in place.
                Path old = new Path(root, TempNames.of(name(iteration), "old"));
                fs.rename(target, old);
                rename(tmp, target);
                fs.delete(old, true);
            } else {
                rename(tmp, target);
            }
        } catch (IOException e) {
            try {
                fs.delete(tmp, true);
            } catch (IOException ignored) {
                // the write error below is the one to report
            }
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("rename " + from + " -> " + to + " failed");
        }
    }

    /** Iterations of the complete checkpoints, ascending. */
    public List<Integer> iterations() {
        List<Integer> out = new ArrayList<>();
        try {
            if (!fs.exists(root)) {
                return out;
            }
            for (FileStatus st : fs.listStatus(root)) {
                Matcher m = NAME.matcher(st.getPath().getName());
                if (st.isDirectory() && m.matches()) {
                    out.add(Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + root + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    public Optional<Integer> latest() {
        List<Integer> all = iterations();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * A checkpoint read back.
     *
     * @param iteration the iteration it was written at
     * @param uri its folder, e.g. {@code file:/runs/a/checkpoints/iter-000000300}
     * @param value what the caller's parser made of its parts
     */
    public record Loaded<T>(int iteration, String uri, T value) {}

    /**
     * The newest checkpoint at or before {@code atMost} that can be read back. Checkpoints are tried
     * newest first: each one's parts go to {@code parse}, and one whose parts cannot be read or that
     * {@code parse} rejects with any runtime exception (a truncated zip, malformed JSON, a missing
     * part) is skipped for the next older one. Each skipped checkpoint is reported through
     * {@code warn} once one is found, as {@code checkpoint <uri> is unreadable (<reason>); using
     * iter-000000200}.
     *
     * <p>Why: writing under a temporary name and renaming means a killed writer never leaves a
     * checkpoint that looks complete, but storage can still return damaged bytes (a full disk, a copy
     * cut short, a file truncated by hand); the previous complete checkpoint is then where a run can
     * continue from. {@code parse} should read every part the caller will use, so that damage is
     * found here rather than halfway through restoring.
     *
     * @param atMost the highest iteration wanted ({@link Integer#MAX_VALUE} for the newest)
     * @param parse turns a checkpoint's parts (by name) into what the caller restores from
     * @param warn receives one line per skipped checkpoint
     * @return empty when there is no checkpoint at or before {@code atMost}
     * @throws IllegalStateException when there are such checkpoints but none can be read; the
     *     message names each one with its reason
     */
    public <T> Optional<Loaded<T>> latestValid(int atMost, Function<Map<String, byte[]>, T> parse, Consumer<String> warn) {
        List<Integer> all = iterations();
        List<String> skipped = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            int it = all.get(i);
            if (it > atMost) {
                continue;
            }
            String uri = new Path(root, name(it)).toString();
            T value;
            try {
                value = parse.apply(load(it));
            } catch (RuntimeException e) {
                skipped.add(uri + " is unreadable (" + reason(e) + ")");
                continue;
            }
            for (String s : skipped) {
                warn.accept("checkpoint " + s + "; using " + name(it));
            }
            return Optional.of(new Loaded<>(it, uri, value));
        }
        if (!skipped.isEmpty()) {
            throw new IllegalStateException("no checkpoint in " + root + " can be read: " + String.join("; ", skipped));
        }
        return Optional.empty();
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            Throwable cause = e.getCause();
            return cause != null && cause != e ? reason(cause) : e.getClass().getSimpleName();
        }
        return m.lines().findFirst().orElse(m).trim();
    }

    /** The parts of checkpoint {@code iteration} as bytes, by name. */
    public Map<String, byte[]> load(int iteration) {
        Path dir = new Path(root, name(iteration));
        Map<String, byte[]> parts = new LinkedHashMap<>();
        try {
            for (FileStatus st : fs.listStatus(dir)) {
                try (InputStream in = fs.open(st.getPath())) {
                    parts.put(st.getPath().getName(), in.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + dir + ": " + e.getMessage(), e);
        }
        return parts;
    }

    /**
     * Deletes all but the newest {@code keep} checkpoints, and the temporary folders of writers on
     * this host that were killed mid-write. A set-aside copy whose replacement never arrived is
     * put back instead: it is the only copy of that checkpoint.
     */
    public void prune(int keep) {
        try {
            TempNames.clearAbandoned(fs, root, NAME.pattern());
            List<Integer> all = iterations();
            for (int i = 0; i < all.size() - keep; i++) {
                fs.delete(new Path(root, name(all.get(i))), true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prune checkpoints in " + root + ": " + e.getMessage(), e);
        }
    }

    static String name(int iteration) {
        return String.format("iter-%09d", iteration);
    }

    /** Writes one part of a checkpoint. */
    @FunctionalInterface
    public interface PartWriter {
        void write(OutputStream out) throws IOException;

        static PartWriter bytes(byte[] data) {
            return out -> out.write(data);
        }

        /** What this writer writes, in memory (a part kept outside a checkpoint: a saved model's). */
        default byte[] toBytes() {
            java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
            try {
                write(bos);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return bos.toByteArray();
        }
    }
}
