package io.sparkgan.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".crc")), "no checksum twins");
        }
    }
}
