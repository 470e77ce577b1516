package io.sparkgan.data.images;

import io.sparkgan.data.ImageShape;
import io.sparkgan.data.VectorFrames;
import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * A folder of PNG and JPEG images (extensions {@code .png}, {@code .jpg}, {@code .jpeg}, any case) on
 * any Hadoop FileSystem. If the folder has sub-folders, each is a class: sorted by name they get
 * labels 0..C-1, and the images directly inside each are its samples. Otherwise the images in the
 * folder are unlabelled samples. Names starting with {@code .} or {@code _} are hidden (Hadoop's
 * convention) and other files are ignored. Rows come class by class, files sorted by name.
 *
 * <p>The driver only lists the files; a first Spark job reads every image's header (its size) so a
 * file that is not a readable image, or whose size differs, is reported by name in file order; the
 * pixels are decoded on the executors when the frame is computed.
 */
public final class ImageFolder {
    private ImageFolder() {}

    /**
     * The images of a folder.
     *
     * @param folder the folder as given
     * @param files the image files, class by class, each sorted by name
     * @param labels the class of each file, or null when the folder has no class sub-folders
     * @param classNames the sub-folder names (index = label), empty when unlabelled
     */
    public record Listing(String folder, List<String> files, int[] labels, List<String> classNames) implements Serializable {
        public boolean labelled() {
            return labels != null;
        }
    }

    /** One file's header: its size, or why it cannot be read. */
    record Probe(String file, int height, int width, String error) implements Serializable {}

    /** One sample to decode: the file and its label (0 when unlabelled). */
    private record Item(String file, double label) implements Serializable {}

    /** Lists the images of {@code folder} (see the class description for the layout). */
    public static Listing list(String folder, Configuration conf) {
        Path root = new Path(folder);
        try {
            FileSystem fs = root.getFileSystem(conf);
            FileStatus st;
            try {
                st = fs.getFileStatus(root);
            } catch (FileNotFoundException e) {
                throw new IllegalArgumentException("image folder " + folder + " does not exist");
            }
            if (!st.isDirectory()) {
                throw new IllegalArgumentException("image folder " + folder + " is a file; expected a folder of PNG/JPEG images or of class sub-folders");
            }
            List<FileStatus> entries = visible(fs.listStatus(root));
            List<FileStatus> dirs = entries.stream().filter(FileStatus::isDirectory).toList();
            List<String> images = images(entries);
            if (dirs.isEmpty()) {
                if (images.isEmpty()) {
                    throw new IllegalArgumentException("image folder " + folder + " holds no PNG or JPEG images (.png, .jpg, .jpeg) and no class sub-folders");
                }
                return new Listing(folder, images, null, List.of());
            }
            if (!images.isEmpty()) {
                throw new IllegalArgumentException("image folder " + folder + " holds both class sub-folders (" + dirs.get(0).getPath().getName()
                        + ", ...) and images directly inside (" + new Path(images.get(0)).getName()
                        + ", ...); expected either one sub-folder per class or only images");
            }
            List<String> files = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            List<String> classes = new ArrayList<>();
            for (FileStatus d : dirs) {
                List<String> inClass = images(visible(fs.listStatus(d.getPath())));
                if (inClass.isEmpty()) {
                    throw new IllegalArgumentException("class folder " + d.getPath() + " holds no PNG or JPEG images (.png, .jpg, .jpeg)");
                }
                for (String f : inClass) {
                    files.add(f);
                    labels.add(classes.size());
                }
                classes.add(d.getPath().getName());
            }
            return new Listing(folder, files, labels.stream().mapToInt(Integer::intValue).toArray(), classes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list image folder " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads every image's header in a Spark job and returns the shape of the samples: {@code resizeTo}
     * if given, else the images' common size with {@code channels}.
     *
     * @throws IllegalArgumentException naming the first file (in listing order) that is not a readable
     *     image or, without {@code resizeTo}, whose size differs from the first image's
     */
    public static ImageShape probe(SparkSession spark, Listing listing, int partitions, ImageShape resizeTo, int channels) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SerializableConfiguration> conf = jsc.broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
        int p = Math.max(1, Math.min(partitions, listing.files().size()));
        List<Probe> probes = jsc.parallelize(listing.files(), p).map(f -> probeOne(f, conf.value().value())).collect();
        for (Probe pr : probes) {
            if (pr.error() != null) {
                throw new IllegalArgumentException("image " + pr.file() + " cannot be read (" + pr.error() + "); expected a PNG or JPEG image");
            }
        }
        if (resizeTo != null) {
            return resizeTo;
        }
        Probe first = probes.get(0);
        for (Probe pr : probes) {
            if (pr.height() != first.height() || pr.width() != first.width()) {
                throw new IllegalArgumentException("image " + pr.file() + " is " + pr.height() + "x" + pr.width() + " (height x width) but the first image, "
                        + first.file() + ", is " + first.height() + "x" + first.width()
                        + "; all images must have the same size unless an image size (HxW, e.g. 64x64) is given to resize them");
            }
        }
        return new ImageShape(first.height(), first.width(), channels);
    }

    /**
     * The images as a frame of {@code features} (see {@link Pixels#features}) and, for a labelled
     * listing, {@code label}, decoded on the executors. Without resizing, an image whose size is not
     * {@code shape}'s fails its task with an {@link IllegalArgumentException} naming it.
     *
     * @param resize whether images are resized to {@code shape} (else they must already have its size)
     */
    public static Dataset<Row> frame(SparkSession spark, Listing listing, int partitions, ImageShape shape, boolean resize) {
        List<Item> items = new ArrayList<>(listing.files().size());
        for (int i = 0; i < listing.files().size(); i++) {
            items.add(new Item(listing.files().get(i), listing.labelled() ? listing.labels()[i] : 0));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SerializableConfiguration> conf = jsc.broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
        boolean labelled = listing.labelled();
        int p = Math.max(1, Math.min(partitions, items.size()));
        JavaRDD<Row> rows = jsc.parallelize(items, p).map(item -> {
            BufferedImage img = decode(item.file(), conf.value().value());
            int h = img.getHeight();
            int w = img.getWidth();
            if (!resize && (h != shape.height() || w != shape.width())) {
                throw new IllegalArgumentException("image " + item.file() + " is " + h + "x" + w + " (height x width); expected "
                        + shape.height() + "x" + shape.width() + " like the other images");
            }
            double[] f = Pixels.features(Pixels.resize(Pixels.rgb(img), w, h, shape.width(), shape.height()), shape.channels());
            return labelled ? RowFactory.create(Vectors.dense(f), item.label()) : RowFactory.create(Vectors.dense(f));
        });
        return spark.createDataFrame(rows, VectorFrames.schema(labelled));
    }

    /** Decodes one image through the Hadoop FileSystem API; a file that cannot be decoded is an error naming it. */
    public static BufferedImage decode(String file, Configuration conf) {
        try {
            return withReader(file, conf, r -> r.read(0));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("image " + file + " cannot be read (" + reason(e) + "); expected a PNG or JPEG image", e);
        }
    }

    static Probe probeOne(String file, Configuration conf) {
        try {
            int[] hw = withReader(file, conf, r -> new int[] {r.getHeight(0), r.getWidth(0)});
            return new Probe(file, hw[0], hw[1], null);
        } catch (IOException | RuntimeException e) {
            return new Probe(file, 0, 0, reason(e));
        }
    }

    private static String reason(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    private interface ReaderCall<T> {
        T apply(ImageReader reader) throws IOException;
    }

    /** Runs {@code call} on an ImageIO reader of the file, held in memory (no ImageIO cache files). */
    private static <T> T withReader(String file, Configuration conf, ReaderCall<T> call) throws IOException {
        Path path = new Path(file);
        try (InputStream in = path.getFileSystem(conf).open(path); ImageInputStream iis = new MemoryCacheImageInputStream(in)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw new IOException("not in an image format Java can decode");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                T result = call.apply(reader);
                if (result == null) {
                    throw new IOException("no image in the file");
                }
                return result;
            } finally {
                reader.dispose();
            }
        }
    }

    private static List<FileStatus> visible(FileStatus[] entries) {
        return Arrays.stream(entries).filter(s -> !s.getPath().getName().startsWith(".") && !s.getPath().getName().startsWith("_"))
                .sorted(Comparator.comparing(s -> s.getPath().getName())).toList();
    }

    private static List<String> images(List<FileStatus> entries) {
        return entries.stream().filter(FileStatus::isFile).filter(s -> {
            String n = s.getPath().getName().toLowerCase(Locale.ROOT);
            return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
        }).map(s -> s.getPath().toString()).toList();
    }
}
