package io.sparkgan.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.Batch;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The byte encodings: sizes as documented, round trips, size hints that change nothing, truncation errors. */
class PayloadsTest {
    private static Batch batch() {
        INDArray x = Nd4j.create(new float[] {1, -2, 3.5f, 0, 5, -6}, new long[] {3, 2}, 'c');
        return new Batch(x, new int[] {7, 0, 2});
    }

    @Test
    void aBatchRoundTripsAndHasTheDocumentedSize() throws IOException {
        Batch b = batch();
        byte[] bytes = Payloads.encode(out -> Payloads.writeBatch(out, b));
        assertEquals(Payloads.batchBytes(3, 2, true), bytes.length);
        Batch back = Payloads.readBatch(Payloads.decode(bytes), DataType.FLOAT, true);
        assertEquals(b.x(), back.x());
        assertArrayEquals(b.labels(), back.labels());
    }

    @Test
    void sizeHintsOnlyChangeHowTheBytesAreBuffered() {
        Batch b = batch();
        byte[] plain = Payloads.encode(out -> Payloads.writeBatch(out, b));
        for (long hint : new long[] {0, 1, plain.length - 1, plain.length, plain.length + 1, 10 * plain.length}) {
            assertArrayEquals(plain, Payloads.encode(hint, out -> Payloads.writeBatch(out, b)), "hint " + hint);
        }
    }

    @Test
    void truncatedPayloadsFailWithWhatWasMissing() {
        byte[] bytes = Payloads.encode(out -> Payloads.writeBatch(out, batch()));
        byte[] noLabels = Arrays.copyOf(bytes, (int) Payloads.matrixBytes(3, 2) + 4);
        IOException e = assertThrows(IOException.class, () -> Payloads.readBatch(new DataInputStream(new java.io.ByteArrayInputStream(noLabels)), DataType.FLOAT, true));
        assertEquals("truncated labels: expected 12 bytes, got 4", e.getMessage());
        byte[] shortMatrix = Arrays.copyOf(bytes, 20);
        e = assertThrows(IOException.class, () -> Payloads.readMatrix(Payloads.decode(shortMatrix), DataType.FLOAT));
        assertTrue(e.getMessage().startsWith("truncated matrix: expected 24 bytes, got 12"), e.getMessage());
    }
}
