package io.sparkgan.core.checkpoint;

import static io.sparkgan.core.run.TempNamesTest.deadPid;
import static io.sparkgan.core.run.TempNamesTest.ownedBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.run.TempNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    @TempDir
    Path dir;

    @Test
    void theLocalFileSystemSetsPosixPermissionsAndWritesNoChecksumFiles() throws IOException {
        org.apache.hadoop.fs.FileSystem fs = LocalFiles.shared(new org.apache.hadoop.conf.Configuration());
        org.apache.hadoop.fs.Path sub = new org.apache.hadoop.fs.Path(dir.resolve("a/b").toUri());
        assertTrue(fs.mkdirs(sub));
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(sub, "x");
        try (java.io.OutputStream out = fs.create(file, false)) {
            out.write(7);
        }
        fs.setPermission(file, new org.apache.hadoop.fs.permission.FsPermission((short) 0640));
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b/x"))));
        fs.setPermission(sub, new org.apache.hadoop.fs.permission.FsPermission((short) 0750));
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b"))));
        try (Stream<Path> all = Files.walk(dir)) {
            assertEquals(List.of(), all.filter(p -> p.getFileName().toString().endsWith(".crc")).toList());
        }
        assertTrue(new CheckpointStore(dir.toUri().toString()).usesLocalFiles(), "file: checkpoints go through it");
    }

    @Test
    void savesLoadsListsAndPrunes() {
        CheckpointStore store = new CheckpointStore(dir.toUri().toString());
        assertEquals(Optional.empty(), store.latest());
        for (int it : new int[] {10, 30, 20}) {
            store.save(it, Map.of("a.bin", CheckpointStore.PartWriter.bytes(new byte[] {(byte) it})));
        }
        assertEquals(List.of(10, 20, 30), store.iterations());
        assertEquals(Optional.of(30), store.latest());
        assertArrayEquals(new byte[] {20}, store.load(20).get("a.bin"));
        store.save(30, Map.of("a.bin", CheckpointStore.PartWriter.bytes(new byte[] {42})));
        assertArrayEquals(new byte[] {42}, store.load(30).get("a.bin"), "rewriting an iteration replaces it whole");
        store.prune(2);
        assertEquals(List.of(20, 30), store.iterations());
    }

    @Test
    void aCheckpointThatFailsHalfWayIsNeverVisible() throws IOException {
        CheckpointStore store = new CheckpointStore(dir.toUri().toString());
        store.save(1, Map.of("x", CheckpointStore.PartWriter.bytes(new byte[] {1})));
        assertThrows(RuntimeException.class, () -> store.save(2, Map.of("x", out -> {
            out.write(7);
            throw new IOException("disk full");
        })));
        assertEquals(List.of(1), store.iterations());
        assertEquals(Optional.of(1), store.latest());
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().noneMatch(n -> n.endsWith(".crc")), "no checksum twins");
            assertEquals(List.of("iter-000000001"), names, "the failed write removed its temporary folder");
        }
    }

    @Test
    void pruningClearsWhatKilledWritersLeftAndRestoresASetAsideCheckpoint() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.toUri().toString());
        store.save(1, Map.of("x", CheckpointStore.PartWriter.bytes(new byte[] {1})));
        long dead = deadPid();
        // A killed writer's half-written checkpoint 2, and its set-aside copy of checkpoint 3 whose
        // replacement never arrived; a temporary folder of this (live) process is left alone.
        Path halfWritten = Files.createDirectories(dir.resolve(ownedBy(dead, "iter-000000002", "tmp")));
        Path setAside = Files.createDirectories(dir.resolve(ownedBy(dead, "iter-000000003", "old")));
        Files.write(setAside.resolve("x"), new byte[] {3});
        Path live = Files.createDirectories(dir.resolve(TempNames.of("iter-000000004", "tmp")));
        store.prune(5);
        assertTrue(Files.notExists(halfWritten));
        assertTrue(Files.notExists(setAside));
        assertTrue(Files.isDirectory(live));
        assertEquals(List.of(1, 3), store.iterations());
        assertArrayEquals(new byte[] {3}, store.load(3).get("x"));
    }

    @Test
    void latestValidSkipsCheckpointsThatDoNotParseAndNamesEachOne() {
        CheckpointStore store = new CheckpointStore(dir.toUri().toString());
        for (int it : new int[] {10, 20, 30, 40}) {
            store.save(it, Map.of("v", CheckpointStore.PartWriter.bytes(new byte[] {(byte) (it == 30 || it == 40 ? 0 : it)})));
        }
        java.util.function.Function<Map<String, byte[]>, Integer> parse = parts -> {
            byte b = parts.get("v")[0];
            if (b == 0) {
                throw new IllegalStateException("zero byte\nsecond line");
            }
            return (int) b;
        };
        List<String> warnings = new java.util.ArrayList<>();
        CheckpointStore.Loaded<Integer> l = store.latestValid(Integer.MAX_VALUE, parse, warnings::add).orElseThrow();
        assertEquals(20, l.iteration());
        assertEquals(20, l.value());
        String root = store.uri();
        assertEquals(root + "/iter-000000020", l.uri());
        assertEquals(List.of(
                "checkpoint " + root + "/iter-000000040 is unreadable (zero byte); using iter-000000020",
                "checkpoint " + root + "/iter-000000030 is unreadable (zero byte); using iter-000000020"), warnings);
        assertEquals(10, store.latestValid(15, parse, warnings::add).orElseThrow().iteration(), "at most 15");
        assertEquals(Optional.empty(), store.latestValid(5, parse, warnings::add), "none at or before 5");
        assertEquals(2, warnings.size(), "only checkpoints that were tried are reported");

        IllegalStateException none = assertThrows(IllegalStateException.class, () -> store.latestValid(Integer.MAX_VALUE, parts -> {
            throw new IllegalArgumentException("bad");
        }, warnings::add));
        assertEquals("no checkpoint in " + root + " can be read: " + root + "/iter-000000040 is unreadable (bad); " + root
                + "/iter-000000030 is unreadable (bad); " + root + "/iter-000000020 is unreadable (bad); " + root
                + "/iter-000000010 is unreadable (bad)", none.getMessage());
        assertEquals(Optional.empty(), new CheckpointStore(dir.resolve("empty").toUri().toString()).latestValid(Integer.MAX_VALUE, parse, warnings::add));
    }
}
