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
    }
}
