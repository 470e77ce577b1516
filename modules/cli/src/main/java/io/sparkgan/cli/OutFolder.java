package io.sparkgan.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The folder a command writes into ({@code --out}), on probation until the work proper starts.
 * Spark's scratch space lives inside it from the start ({@code .scratch}), so it is created early;
 * until {@link #commit}, closing it puts things back as they were: a folder this command created is
 * removed (with any parents it created), a folder that existed keeps exactly its old contents. So a
 * run refused after Spark started (bad data, an impossible split, an unreachable checkpoint) leaves
 * nothing behind, and {@code --overwrite} clears the old contents only once the new run is known to
 * be able to start.
 */
final class OutFolder implements AutoCloseable {
    static final String SCRATCH = ".scratch";

    private final Path dir;
    /** The outermost folder this command created, or null when {@code dir} existed. */
    private final Path created;
    private final boolean replace;
    private boolean committed;

    private OutFolder(Path dir, Path created, boolean replace) {
        this.dir = dir;
        this.created = created;
        this.replace = replace;
    }

    /**
     * Checks the form of {@code --out} without writing anything.
     *
     * @throws UsageException when it is empty, a file, or inside a file
     */
    static void checkPath(Path out) {
        checkPath(out, "--out");
    }

    /** As {@link #checkPath(Path)} for the folder named by {@code flag}. */
    static void checkPath(Path out, String flag) {
        if (out.toString().isBlank()) {
            throw new UsageException(flag + " is empty; expected a folder to create");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UsageException(flag + " '" + out + "' is a file; expected a folder to create");
        }
        for (Path p = out.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new UsageException(flag + " '" + out + "' is inside '" + p + "', which is a file; expected a folder path");
            }
        }
    }

    /**
     * Creates {@code dir} if needed and checks that files can be written in it.
     *
     * @param replace whether {@link #commit} clears what was in it ({@code --overwrite})
     * @throws UsageException naming the folder and the reason when it cannot be created or written
     */
    static OutFolder open(Path dir, boolean replace) {
        checkPath(dir);
        Path outermost = null;
        for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            outermost = p;
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UsageException("--out '" + dir + "' cannot be created (" + reason(e) + "); expected a folder you can write to");
        }
        OutFolder f = new OutFolder(dir, outermost, replace);
        try {
            writable(dir, "--out '" + dir + "'");
        } catch (UsageException e) {
            f.close();
            throw e;
        }
        return f;
    }

    /** @throws UsageException when no file can be created in {@code dir} */
    static void writable(Path dir, String what) {
        try {
            Files.delete(Files.createTempFile(dir, ".write-check-", ""));
        } catch (IOException e) {
            throw new UsageException(what + " cannot be written (" + reason(e) + "); expected a folder you can write to");
        }
    }

    Path dir() {
        return dir;
    }

    /** Where Spark keeps shuffle files and broadcast blocks for this command. */
    Path scratch() {
        return dir.resolve(SCRATCH);
    }

    /** The work starts: the folder is kept from now on (and, with {@code replace}, emptied of an earlier run). */
    void commit() {
        if (replace) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.filter(p -> !p.getFileName().toString().equals(SCRATCH)).toList()) {
                    Main.deleteRecursively(p);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot clear " + dir + ": " + e.getMessage(), e);
            }
        }
        committed = true;
    }

    /** Removes the scratch space, and before {@link #commit} whatever this command created. Call after Spark stopped. */
    @Override
    public void close() {
        Main.deleteRecursively(scratch());
        if (!committed && created != null) {
            Main.deleteRecursively(created);
        }
    }

    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

}
