package io.sparkgan.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The byte encodings of what strategies send between driver and workers. Strategies serialise their
 * own payloads into {@code byte[]} so the traffic they report is exactly what they shipped (Spark
 * adds a small, fixed per-task envelope on top).
 *
 * <p>A matrix is {@code rows:int, cols:int} followed by {@code rows·cols} little-endian float32
 * values, i.e. 8 + 4·rows·cols bytes.
 */
public final class Payloads {
    private Payloads() {}

    /**
     * Bytes before the matrices of a worker's result, in MD-GAN and FL-GAN alike: D loss (double),
     * G loss (double), restored flag (int), compute nanoseconds (long).
     */
    public static final int RESULT_HEADER = 8 + 8 + 4 + 8;

    /** Bytes of an encoded rows × cols matrix. */
    public static long matrixBytes(long rows, long cols) {
        return 8 + 4 * rows * cols;
    }

    /** Bytes of an encoded batch: the matrix, then one int32 class per row when labelled. */
    public static long batchBytes(long rows, long cols, boolean labelled) {
        return batchBytes(rows, cols, labelled, 0);
    }

    /** As {@link #batchBytes(long, long, boolean)}, then a rows × {@code codeColumns} matrix of InfoGAN codes when there are any. */
    public static long batchBytes(long rows, long cols, boolean labelled, int codeColumns) {
        return matrixBytes(rows, cols) + (labelled ? 4 * rows : 0) + (codeColumns > 0 ? matrixBytes(rows, codeColumns) : 0);
    }

    /**
     * A batch: its matrix, then its labels, then its InfoGAN codes (both ends know from the
     * configuration whether there are any).
     */
    public static void writeBatch(DataOutputStream out, io.sparkgan.core.Batch batch) throws IOException {
        writeMatrix(out, batch.x());
        if (batch.labels() != null) {
            ByteBuffer buf = ByteBuffer.allocate(4 * batch.labels().length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asIntBuffer().put(batch.labels());
            out.write(buf.array());
        }
        if (batch.codes() != null) {
            // Category indices and pair factors are small integers: float32 holds them exactly.
            writeMatrix(out, batch.codes());
        }
    }

    public static io.sparkgan.core.Batch readBatch(DataInputStream in, DataType dtype, boolean labelled) throws IOException {
        return readBatch(in, dtype, labelled, 0);
    }

    /** As {@link #readBatch(DataInputStream, DataType, boolean)}, with {@code codeColumns} columns of codes (0: none). */
    public static io.sparkgan.core.Batch readBatch(DataInputStream in, DataType dtype, boolean labelled, int codeColumns) throws IOException {
        INDArray x = readMatrix(in, dtype);
        int n = (int) x.rows();
        int[] labels = null;
        if (labelled) {
            byte[] body = readExactly(in, 4 * n, "labels");
            labels = new int[n];
            ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(labels);
        }
        INDArray codes = null;
        if (codeColumns > 0) {
            codes = readMatrix(in, dtype);
            if (codes.rows() != n || codes.columns() != codeColumns) {
                throw new IOException("a batch of " + n + " rows came with " + codes.rows() + "x" + codes.columns() + " codes, expected " + n + "x" + codeColumns);
            }
        }
        return new io.sparkgan.core.Batch(x, labels, codes);
    }

    public static void writeMatrix(DataOutputStream out, INDArray m) throws IOException {
        int rows = (int) m.rows();
        int cols = (int) m.columns();
        float[] v = m.castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer buf = ByteBuffer.allocate(8 + 4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(rows).putInt(cols);
        buf.asFloatBuffer().put(v);
        out.write(buf.array());
    }

    /** Writes {@code values} as a 1 × n matrix. */
    public static void writeValues(DataOutputStream out, float[] values) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8 + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(1).putInt(values.length);
        buf.asFloatBuffer().put(values);
        out.write(buf.array());
    }

    public static INDArray readMatrix(DataInputStream in, DataType dtype) throws IOException {
        Matrix m = readValues(in);
        return Nd4j.create(m.values(), new long[] {m.rows(), m.cols()}, 'c').castTo(dtype);
    }

    /** A decoded matrix as plain values, row-major. */
    public record Matrix(int rows, int cols, float[] values) {
        /**
         * Adds {@code weight} times these values to {@code sum} from {@code offset}: how the driver
         * combines workers' matrices, in double and in Java (faster than ND4J ops per worker).
         */
        public void addTo(double[] sum, int offset, double weight) {
            if (offset < 0 || offset + values.length > sum.length) {
                throw new IllegalStateException("a " + rows + "x" + cols + " matrix does not fit at " + offset + " in a sum of " + sum.length);
            }
            for (int i = 0; i < values.length; i++) {
                sum[offset + i] += weight * values[i];
            }
        }
    }

    /** Reads a matrix without making an ND4J array of it (for sums done in Java). */
    public static Matrix readValues(DataInputStream in) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(readExactly(in, 8, "matrix header")).order(ByteOrder.LITTLE_ENDIAN);
        int rows = h.getInt();
        int cols = h.getInt();
        long bytes = 4L * rows * cols;
        // The declared size is checked before anything is allocated: a damaged or hostile message
        // must not make the reader allocate gigabytes.
        if (rows < 0 || cols < 0 || bytes > Math.max(in.available(), 0)) {
            throw new IOException("truncated matrix: expected " + bytes + " bytes, got " + in.available() + " (it declares " + rows + " x " + cols + " values)");
        }
        byte[] body = readExactly(in, (int) bytes, "matrix");
        float[] v = new float[rows * cols];
        ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return new Matrix(rows, cols, v);
    }

    /**
     * {@code n} bytes read in one piece. {@code InputStream.readNBytes(n)} reads large counts in 8 KB
     * chunks and joins them, which doubled MD-GAN's allocation per iteration.
     */
    private static byte[] readExactly(DataInputStream in, int n, String what) throws IOException {
        byte[] b = new byte[n];
        int got = in.readNBytes(b, 0, n);
        if (got != n) {
            throw new IOException("truncated " + what + ": expected " + n + " bytes, got " + got);
        }
        return b;
    }

    /** Writes with {@code body} into a fresh byte array. */
    public static byte[] encode(Body body) {
        return encode(256, body);
    }

    /**
     * As {@link #encode(Body)}, into a buffer of {@code expectedBytes}: when the guess is exact, the
     * payload is written once and returned without the growth and final copies of a default
     * {@code ByteArrayOutputStream} (for MD-GAN's 0.6 MB payloads, five copies each).
     */
    public static byte[] encode(long expectedBytes, Body body) {
        ExactBuffer bos = new ExactBuffer((int) Math.max(32, expectedBytes));
        try (DataOutputStream out = new DataOutputStream(bos)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.bytes();
    }

    /** A byte array stream that hands over its buffer when it is exactly full. */
    private static final class ExactBuffer extends ByteArrayOutputStream {
        ExactBuffer(int capacity) {
            super(capacity);
        }

        byte[] bytes() {
            return count == buf.length ? buf : toByteArray();
        }
    }

    public static DataInputStream decode(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }

    /** Writes a payload. */
    @FunctionalInterface
    public interface Body {
        void write(DataOutputStream out) throws IOException;
    }
}
