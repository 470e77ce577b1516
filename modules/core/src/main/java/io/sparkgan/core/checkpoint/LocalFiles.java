package io.sparkgan.core.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system, setting permissions through Java instead of a {@code chmod} process.
 *
 * <p>Why: without Hadoop's native library (which we do not ship), {@link RawLocalFileSystem} forks
 * {@code chmod} for every directory it makes and every file it creates. Measured on this project's
 * checkpoints: 4–6 ms per {@code mkdirs} or {@code create}, and a worker checkpoint of a tiny
 * discriminator took 71 ms with two tasks forking at once, most of an MD-GAN swap's cost
 * (docs/benchmarks.md). Like the raw file system, it writes no {@code .crc} files.
 */
final class LocalFiles extends RawLocalFileSystem {
    private static volatile FileSystem instance;

    /** The shared instance, initialised with {@code conf} on first use. */
    static FileSystem shared(Configuration conf) {
        FileSystem fs = instance;
        if (fs == null) {
            synchronized (LocalFiles.class) {
                if (instance == null) {
                    LocalFiles local = new LocalFiles();
                    try {
                        local.initialize(URI.create("file:///"), conf);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot open the local file system: " + e.getMessage(), e);
                    }
                    instance = local;
                }
                fs = instance;
            }
        }
        return fs;
    }

    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
        if (permission.getStickyBit()) {
            super.setPermission(p, permission); // PosixFilePermission has no sticky bit
            return;
        }
        try {
            Files.setPosixFilePermissions(pathToFile(p).toPath(), PosixFilePermissions.fromString(permission.toString()));
        } catch (UnsupportedOperationException e) {
            super.setPermission(p, permission);
        }
    }
}
