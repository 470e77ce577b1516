package io.sparkgan.data.idx;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * IDX files, the format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian header (a magic
 * number {@code 0x0000TTNN} with element type {@code TT} and {@code NN} dimensions, then one 32-bit
 * size per dimension) followed by the elements. Only unsigned bytes are supported: images
 * ({@code 0x00000803}: count × rows × columns) and labels ({@code 0x00000801}: count).
 *
 * <p>Files are read through the Hadoop FileSystem API, so plain paths, {@code file://} and
 * {@code hdfs://} URIs all work. Gzip-compressed files are recognised by their first two bytes
 * ({@code 1f 8b}), whatever their name, and decompressed on the fly.
 */
public final class Idx {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;
    private static final int UNSIGNED_BYTE = 0x08;
    private static final int BUFFER = 1 << 16;

    private Idx() {}

    /**
     * A validated IDX header.
     *
     * @param file the file as given
     * @param magic the magic number
     * @param dims the sizes, {@code dims[0]} being the number of records
     * @param gzip whether the file is gzip-compressed
     */
    public record Header(String file, int magic, int[] dims, boolean gzip) implements Serializable {
        /** Number of records (images or labels). */
        public long count() {
            return dims[0];
        }

        /** Bytes per record: rows × columns for images, 1 for labels. */
        public int recordSize() {
            int s = 1;
            for (int i = 1; i < dims.length; i++) {
                s = Math.multiplyExact(s, dims[i]);
            }
            return s;
        }

        /** Offset of the first record in the (decompressed) file. */
        public long dataOffset() {
            return 4L + 4L * dims.length;
        }

        public int rows() {
            return dims.length > 1 ? dims[1] : 1;
        }

        public int columns() {
            return dims.length > 2 ? dims[2] : 1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Header h && h.file.equals(file) && h.magic == magic && Arrays.equals(h.dims, dims) && h.gzip == gzip;
        }

        @Override
        public int hashCode() {
            return file.hashCode() * 31 + Arrays.hashCode(dims);
        }

        @Override
        public String toString() {
            return file + " " + describe(magic) + " " + Arrays.toString(dims) + (gzip ? " (gzip)" : "");
        }
    }

    /**
     * Reads and validates the header of an IDX file and checks that the file holds exactly the bytes
     * the header promises (for a gzip file this streams through it once).
     *
     * @param expectedMagic {@link #IMAGES_MAGIC} or {@link #LABELS_MAGIC}
     * @throws IllegalArgumentException naming the file when it is missing, not IDX, of another
     *     element type or shape, truncated, or longer than its header says
     */
    public static Header readHeader(String file, int expectedMagic, Configuration conf) {
        Path path = new Path(file);
        try {
            FileSystem fs = path.getFileSystem(conf);
            FileStatus st;
            try {
                st = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw new IllegalArgumentException("IDX file " + file + " does not exist");
            }
            if (st.isDirectory()) {
                throw new IllegalArgumentException("IDX file " + file + " is a folder; expected a file");
            }
            boolean gzip = isGzip(fs, path);
            Header h;
            long headerBytes;
            try (DataInputStream in = new DataInputStream(open(fs, path, gzip))) {
                h = parseHeader(file, in, expectedMagic, gzip);
                headerBytes = h.dataOffset();
                long expected = h.count() * h.recordSize();
                long found = gzip ? countRemaining(h, in) : st.getLen() - headerBytes;
                if (found < expected) {
                    throw new IllegalArgumentException("IDX file " + file + " is truncated: its header promises " + shape(h) + " = " + expected
                            + " bytes of data but only " + found + " are present");
                }
                if (found > expected) {
                    throw new IllegalArgumentException("IDX file " + file + " has " + (found - expected) + " bytes after the " + expected
                            + " bytes of data its header promises (" + shape(h) + "); expected the file to end there");
                }
            }
            return h;
        } catch (EOFException e) {
            throw new IllegalArgumentException("IDX file " + file + " is truncated: " + e.getMessage());
        } catch (ZipException e) {
            throw new IllegalArgumentException("IDX file " + file + " is a corrupted gzip file: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Fails unless the images and labels files hold the same number of records, naming both. */
    public static void checkSameCount(Header images, Header labels) {
        if (images.count() != labels.count()) {
            throw new IllegalArgumentException("images file " + images.file() + " holds " + images.count() + " images but labels file "
                    + labels.file() + " holds " + labels.count() + " labels; expected the same count");
        }
    }

    /** The largest value in a labels file (read through once; labels are one byte per sample). */
    public static int maxLabel(Header labels, Configuration conf) {
        int max = -1;
        try (InputStream in = openRecords(labels, 0, conf)) {
            byte[] buf = new byte[BUFFER];
            long left = labels.count();
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IllegalArgumentException("IDX file " + labels.file() + " is truncated: it ended " + left + " labels early");
                }
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, buf[i] & 0xff);
                }
                left -= n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX file " + labels.file() + ": " + e.getMessage(), e);
        }
        return max;
    }

    /**
     * Opens the file positioned at record {@code first}: a raw file seeks there, a gzip file is
     * decompressed and skipped up to it.
     */
    public static InputStream openRecords(Header h, long first, Configuration conf) throws IOException {
        Path path = new Path(h.file());
        FileSystem fs = path.getFileSystem(conf);
        long offset = h.dataOffset() + first * h.recordSize();
        if (h.gzip()) {
            InputStream in = open(fs, path, true);
            try {
                in.skipNBytes(offset);
            } catch (EOFException e) {
                in.close();
                throw new IllegalArgumentException("IDX file " + h.file() + " is truncated: it ends before record " + first);
            }
            return in;
        }
        FSDataInputStream in = fs.open(path, BUFFER);
        in.seek(offset);
        return new BufferedInputStream(in, BUFFER);
    }

    /** Writes an unsigned-byte images file: header {@code 0x00000803, n, rows, columns}, then the images. */
    public static void writeImages(OutputStream out, int rows, int columns, List<byte[]> images) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(IMAGES_MAGIC);
        d.writeInt(images.size());
        d.writeInt(rows);
        d.writeInt(columns);
        for (byte[] img : images) {
            if (img.length != rows * columns) {
                throw new IllegalArgumentException("image of " + img.length + " bytes; expected " + rows + "x" + columns);
            }
            d.write(img);
        }
        d.flush();
    }

    /** Writes an unsigned-byte labels file: header {@code 0x00000801, n}, then one byte per label. */
    public static void writeLabels(OutputStream out, byte[] labels) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(LABELS_MAGIC);
        d.writeInt(labels.length);
        d.write(labels);
        d.flush();
    }

    private static Header parseHeader(String file, DataInputStream in, int expectedMagic, boolean gzip) throws IOException {
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new IllegalArgumentException("IDX file " + file + " is truncated: it is shorter than the 4-byte magic number (expected "
                    + hex(expectedMagic) + ")");
        } catch (ZipException e) {
            throw new IllegalArgumentException("IDX file " + file + " is a corrupted gzip file: " + e.getMessage());
        }
        if ((magic >>> 16) != 0) {
            throw new IllegalArgumentException("IDX file " + file + " has magic number " + hex(magic) + "; expected " + hex(expectedMagic)
                    + " (" + describe(expectedMagic) + ")");
        }
        int type = (magic >>> 8) & 0xff;
        if (type != UNSIGNED_BYTE) {
            throw new IllegalArgumentException("IDX file " + file + " has element type 0x" + String.format("%02x", type) + " ("
                    + typeName(type) + "); only unsigned bytes (0x08) are supported");
        }
        if (magic != expectedMagic) {
            throw new IllegalArgumentException("IDX file " + file + " has magic number " + hex(magic) + " (" + describe(magic) + "); expected "
                    + hex(expectedMagic) + " (" + describe(expectedMagic) + ")");
        }
        int[] dims = new int[magic & 0xff];
        for (int i = 0; i < dims.length; i++) {
            try {
                dims[i] = in.readInt();
            } catch (EOFException e) {
                throw new IllegalArgumentException("IDX file " + file + " is truncated: its header needs " + (4 + 4 * dims.length)
                        + " bytes but the file ends inside it");
            }
            if (dims[i] < 0 || (i > 0 && dims[i] == 0)) {
                throw new IllegalArgumentException("IDX file " + file + " has size " + Integer.toUnsignedString(dims[i]) + " in dimension " + i
                        + "; expected a positive size below 2^31");
            }
        }
        return new Header(file, magic, dims, gzip);
    }

    private static long countRemaining(Header h, InputStream in) throws IOException {
        long n = 0;
        byte[] buf = new byte[BUFFER];
        try {
            int k;
            while ((k = in.read(buf)) >= 0) {
                n += k;
            }
        } catch (EOFException e) {
            throw new IllegalArgumentException("IDX file " + h.file() + " is truncated: its header promises " + shape(h) + " = "
                    + h.count() * h.recordSize() + " bytes of data but its gzip stream breaks off after " + n);
        } catch (ZipException e) {
            throw new IllegalArgumentException("IDX file " + h.file() + " is a corrupted gzip file: " + e.getMessage());
        }
        return n;
    }

    private static boolean isGzip(FileSystem fs, Path path) throws IOException {
        try (FSDataInputStream in = fs.open(path)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static InputStream open(FileSystem fs, Path path, boolean gzip) throws IOException {
        FSDataInputStream raw = fs.open(path, BUFFER);
        return gzip ? new BufferedInputStream(new GZIPInputStream(raw, BUFFER), BUFFER) : new BufferedInputStream(raw, BUFFER);
    }

    private static String shape(Header h) {
        StringBuilder s = new StringBuilder();
        for (int d : h.dims()) {
            s.append(s.length() == 0 ? "" : " x ").append(d);
        }
        return s.toString();
    }

    static String hex(int magic) {
        return String.format("0x%08x", magic);
    }

    private static String describe(int magic) {
        if (magic == IMAGES_MAGIC) {
            return "unsigned-byte images: count x rows x columns";
        }
        if (magic == LABELS_MAGIC) {
            return "unsigned-byte labels: count";
        }
        return typeName((magic >>> 8) & 0xff) + ", " + (magic & 0xff) + " dimensions";
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0b -> "short";
            case 0x0c -> "int";
            case 0x0d -> "float";
            case 0x0e -> "double";
            default -> "unknown type";
        };
    }
}
