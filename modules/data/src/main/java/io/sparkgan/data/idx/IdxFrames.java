package io.sparkgan.data.idx;

import io.sparkgan.data.ImageShape;
import io.sparkgan.data.VectorFrames;
import io.sparkgan.data.images.Pixels;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;

/**
 * IDX images (and labels) as a DataFrame read on the executors: the driver only validates the
 * headers (see {@link Idx#readHeader}); each task opens the files through the Hadoop FileSystem API,
 * seeks (raw) or skips (gzip) to its range of records and emits rows, so the data never passes
 * through the driver.
 */
public final class IdxFrames {
    private IdxFrames() {}

    /**
     * A frame of {@code features} (pixels scaled to [-1, 1], see {@link Pixels}) and, when
     * {@code labels} is not null, {@code label}, in file order.
     *
     * @param images a validated images header
     * @param labels a validated labels header with the same count, or null
     * @param partitions number of row ranges (at most one per record), at least 1
     * @param shape the output shape: the native rows × columns with 1 or 3 channels, or another size
     *     to resize to (bilinear)
     */
    public static Dataset<Row> frame(SparkSession spark, Idx.Header images, Idx.Header labels, int partitions, ImageShape shape) {
        if (labels != null) {
            Idx.checkSameCount(images, labels);
        }
        long n = images.count();
        int p = (int) Math.max(1, Math.min(partitions, n));
        List<long[]> ranges = new ArrayList<>(p);
        for (int i = 0; i < p; i++) {
            ranges.add(new long[] {n * i / p, n * (i + 1) / p});
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SerializableConfiguration> conf = jsc.broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
        JavaRDD<Row> rows = jsc.parallelize(ranges, p).mapPartitions(it -> new RecordRows(it, images, labels, shape, conf.value().value()));
        return spark.createDataFrame(rows, VectorFrames.schema(labels != null));
    }

    /** Rows of the records in a task's ranges; closes its files when done or when the task ends. */
    private static final class RecordRows implements Iterator<Row> {
        private final Iterator<long[]> ranges;
        private final Idx.Header images;
        private final Idx.Header labels;
        private final ImageShape shape;
        private final Configuration conf;
        private final byte[] record;
        private DataInputStream imageIn;
        private InputStream labelIn;
        private long next;
        private long end;

        RecordRows(Iterator<long[]> ranges, Idx.Header images, Idx.Header labels, ImageShape shape, Configuration conf) {
            this.ranges = ranges;
            this.images = images;
            this.labels = labels;
            this.shape = shape;
            this.conf = conf;
            this.record = new byte[images.recordSize()];
            TaskContext tc = TaskContext.get();
            if (tc != null) {
                tc.addTaskCompletionListener((TaskCompletionListener) ctx -> close());
            }
        }

        @Override
        public boolean hasNext() {
            while (next >= end) {
                close();
                if (!ranges.hasNext()) {
                    return false;
                }
                long[] r = ranges.next();
                next = r[0];
                end = r[1];
                try {
                    imageIn = new DataInputStream(Idx.openRecords(images, next, conf));
                    labelIn = labels == null ? null : Idx.openRecords(labels, next, conf);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read IDX file " + images.file() + ": " + e.getMessage(), e);
                }
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            double label = 0;
            try {
                imageIn.readFully(record);
            } catch (EOFException e) {
                throw new IllegalArgumentException("IDX file " + images.file() + " ends before record " + next + " (did it change after it was loaded?)");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read IDX file " + images.file() + ": " + e.getMessage(), e);
            }
            if (labelIn != null) {
                try {
                    int b = labelIn.read();
                    if (b < 0) {
                        throw new IllegalArgumentException("IDX file " + labels.file() + " ends before label " + next + " (did it change after it was loaded?)");
                    }
                    label = b;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read IDX file " + labels.file() + ": " + e.getMessage(), e);
                }
            }
            next++;
            double[] f = shape.channels() == 1 && shape.height() == images.rows() && shape.width() == images.columns()
                    ? Pixels.grayFeatures(record)
                    : Pixels.features(Pixels.resize(Pixels.grayToRgb(record), images.columns(), images.rows(), shape.width(), shape.height()), shape.channels());
            return labels == null ? RowFactory.create(Vectors.dense(f)) : RowFactory.create(Vectors.dense(f), label);
        }

        private void close() {
            closeQuietly(imageIn);
            closeQuietly(labelIn);
            imageIn = null;
            labelIn = null;
        }

        private static void closeQuietly(InputStream in) {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // read-only stream: nothing is lost
                }
            }
        }
    }
}
