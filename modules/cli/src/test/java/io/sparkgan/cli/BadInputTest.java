package io.sparkgan.cli;

import static io.sparkgan.cli.CliTest.errorLine;
import static io.sparkgan.cli.CliTest.run;
import static io.sparkgan.cli.CliTest.tiny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.data.idx.Idx;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input a careless user gives: each is one line naming the value and what is expected, exit code 2,
 * and no run folder (or an existing folder exactly as it was).
 */
class BadInputTest {
    @TempDir
    Path tmp;

    /** Runs {@code train} with the tiny settings and {@code extra}, expecting a refusal that leaves {@code out} absent. */
    private String refused(Path out, String... extra) {
        CliTest.Result r = run(tiny(out, extra));
        assertEquals(2, r.code(), String.join(" ", extra) + ": " + r.err());
        assertFalse(Files.exists(out), "no run folder for " + String.join(" ", extra));
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("train:")).count(), r.err());
        return errorLine(r);
    }

    private Path write(String name, String content) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    /** 100 28×28 images of 10 classes as IDX files, named as `data fetch mnist` writes them. */
    private Path fakeMnist() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data/mnist"));
        List<byte[]> images = new ArrayList<>();
        byte[] labels = new byte[100];
        for (int i = 0; i < 100; i++) {
            images.add(new byte[784]);
            labels[i] = (byte) (i % 10);
        }
        for (String split : List.of("train", "t10k")) {
            try (OutputStream o = Files.newOutputStream(dir.resolve(split + "-images-idx3-ubyte"))) {
                Idx.writeImages(o, 28, 28, images);
            }
            try (OutputStream o = Files.newOutputStream(dir.resolve(split + "-labels-idx1-ubyte"))) {
                Idx.writeLabels(o, labels);
            }
        }
        return dir;
    }

    @Test
    void dataErrorsFoundWhileReadingAreExitTwoAndLeaveNoRunFolder() throws Exception {
        Path out = tmp.resolve("run");
        Path nan = write("nan.csv", "a,b\n1,2\n3,NaN\n");
        Path text = write("text.csv", "a,b\nx,y\n");
        Path ragged = write("ragged.csv", "a,b\n1,2\n4,5,6\n7,8\n");
        Path idx = tmp.resolve("bad-images");
        Files.write(idx, new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        assertEquals("train: csv:" + tmp.resolve("none.csv") + ": " + tmp.resolve("none.csv") + " does not exist",
                refused(out, "--dataset", "csv:" + tmp.resolve("none.csv")));
        assertEquals("train: csv:" + nan + ": row 1 of " + "file://" + nan + ": column 1 ('b') holds NaN; expected finite numbers",
                refused(out, "--dataset", "csv:" + nan));
        assertTrue(refused(out, "--dataset", "csv:" + text).startsWith("train: csv:" + text + ": has no numeric columns besides 'label'"));
        assertEquals("train: csv:" + ragged + ": row 1 of " + "file://" + ragged
                + ": it has 3 fields but the header has 2; expected the same number of fields on every line", refused(out, "--dataset", "csv:" + ragged));
        String magic = refused(out, "--dataset", "idx:" + idx);
        assertTrue(magic.startsWith("train: IDX file " + idx + " has magic number 0x00000801 ("), magic);
        assertTrue(magic.contains("; expected 0x00000803 ("), magic);
        // Facts learnt from reading the data: fewer rows than workers, no labels for a split or a conditional objective.
        Path two = write("two.csv", "a,b\n1,2\n3,4\n");
        assertEquals("train: workers is 4 but csv:" + two + " (2 rows of 2 features) has 2 rows; expected at most 2 workers (each needs at least one row)",
                refused(out, "--dataset", "csv:" + two));
        assertEquals("train: --shards dirichlet:0.5 needs labelled data (a 'label' column) but csv:" + two + " (2 rows of 2 features) has none; expected --shards iid",
                refused(out, "--dataset", "csv:" + two, "--workers", "2", "--shards", "dirichlet:0.5"));
        assertEquals("train: objective acgan needs labelled data (a 'label' column) but csv:" + two + " (2 rows of 2 features) has none; expected objective nonsaturating",
                refused(out, "--dataset", "csv:" + two, "--workers", "2", "--objective", "acgan"));
    }

    @Test
    void anImpossibleSplitIsRefusedBeforeTheEvaluationClassifierOrAnyTraining() throws Exception {
        Path mnist = fakeMnist();
        Path out = tmp.resolve("skew");
        // MNIST's ten classes are known by name: refused before Spark starts.
        assertEquals("train: --shards label-skew:2 with 2 workers covers 4 of the 10 classes of mnist; expected workers × 2 ≥ 10 (at least 5 workers, or label-skew:5)",
                refused(out, "--dataset", "mnist", "--data-dir", mnist.getParent().toString(), "--workers", "2", "--shards", "label-skew:2",
                        "--generator", "mlp:16:relu:tanh"));
        // The same files as plain IDX: the labels are counted when the data is read.
        String spec = "idx:" + mnist.resolve("train-images-idx3-ubyte") + "," + mnist.resolve("train-labels-idx1-ubyte");
        assertEquals("train: --shards label-skew:12 asks for 12 classes per worker but " + spec + " (100 images 28x28x1, 10 classes) has 10; expected label-skew:1 to label-skew:10",
                refused(out, "--dataset", spec, "--workers", "2", "--shards", "label-skew:12", "--generator", "mlp:16:relu:tanh"));
        assertFalse(Files.exists(mnist.getParent().resolve("classifiers")), "no evaluation classifier was trained");
        // The embedded mixtures: everything is known before Spark starts.
        assertEquals("train: --shards label-skew:2 with 4 workers covers 8 of the 25 classes of grid25 (500 rows, 25 classes); expected workers × 2 ≥ 25 (at least 13 workers, or label-skew:7)",
                refused(out, "--shards", "label-skew:2"));
        assertEquals("train: workers is 600 but grid25 (500 rows, 25 classes) has 500 rows; expected at most 500 workers (each needs at least one row)",
                refused(out, "--workers", "600"));
        assertEquals("train: data dimension 2 of grid25 (500 rows, 25 classes) does not fit the dcgan networks (28x28x1 images) (expects 784)",
                refused(out, "--generator", "dcgan:8,4:relu:tanh"));
    }

    @Test
    void malformedAndUnreachableMastersAreOneLineBeforeSparkStarts() throws Exception {
        Path out = tmp.resolve("m");
        String forms = Masters.FORMS;
        assertEquals("train: --master 'spark:/x' is not a Spark master URL; expected " + forms, refused(out, "--master", "spark:/x"));
        assertEquals("train: --master 'foo' is not a Spark master URL; expected " + forms, refused(out, "--master", "foo"));
        assertEquals("train: --master 'local[0]' asks for 0 threads; expected local[N] with N at least 1, or local[*]", refused(out, "--master", "local[0]"));
        assertEquals("train: --master 'spark://h:99999' names 'h:99999' as a master; expected spark://HOST:PORT (port 1-65535), e.g. spark://127.0.0.1:7077",
                refused(out, "--master", "spark://h:99999"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        String line = refused(out, "--master", "spark://127.0.0.1:" + port);
        assertTrue(line.startsWith("train: --master 'spark://127.0.0.1:" + port + "': no Spark master answers at 127.0.0.1:" + port + " ("), line);
        assertTrue(line.endsWith("); expected a running standalone master (start one, or check the URL at the top of its web UI)"), line);
    }

    @Test
    void outputFoldersThatCannotBeWrittenAreNamed() throws Exception {
        Path file = write("afile", "x");
        assertEquals("train: --out '" + file.resolve("run") + "' is inside '" + file + "', which is a file; expected a folder path",
                errorLine(run(tiny(file.resolve("run")))));
        assertEquals("train: --out '" + file + "' is a file; expected a folder to create", errorLine(run(tiny(file))));
        assertEquals("train: --out is empty; expected a folder to create", errorLine(run(tiny(Path.of("")))));
        // /proc takes no new folders, whoever the user is.
        CliTest.Result proc = run(tiny(Path.of("/proc/sparkgan-run")));
        assertEquals(2, proc.code());
        assertTrue(errorLine(proc).startsWith("train: --out '/proc/sparkgan-run' cannot be created ("), errorLine(proc));
        assertTrue(errorLine(proc).endsWith("); expected a folder you can write to"), errorLine(proc));
        assertEquals("x", Files.readString(file));
        CliTest.Result fetch = run("data", "fetch", "mnist", "--data-dir", file.resolve("data").toString());
        assertEquals(2, fetch.code());
        assertTrue(fetch.err().contains("fetch: --data-dir '" + file.resolve("data") + "' is inside '" + file + "', which is a file; expected a folder path"),
                fetch.err());
    }

    @Test
    void aRefusedRunLeavesAnExistingFolderAsItWas() throws Exception {
        Path nan = write("nan.csv", "a,b\n1,2\n3,NaN\n");
        // An empty folder stays, empty.
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(2, run(tiny(empty, "--dataset", "csv:" + nan)).code());
        try (Stream<Path> s = Files.list(empty)) {
            assertEquals(List.of(), s.toList());
        }
        // --overwrite replaces an earlier run only once the new one can start.
        Path earlier = Files.createDirectories(tmp.resolve("earlier"));
        Files.writeString(earlier.resolve("run.json"), "{}");
        Files.writeString(earlier.resolve("metrics.csv"), "keep");
        assertEquals(2, run(tiny(earlier, "--overwrite", "--dataset", "csv:" + nan)).code());
        try (Stream<Path> s = Files.list(earlier)) {
            assertEquals(List.of("metrics.csv", "run.json"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals("keep", Files.readString(earlier.resolve("metrics.csv")));
        // Parents created for the run go too.
        Path nested = tmp.resolve("a/b/c");
        assertEquals(2, run(tiny(nested, "--dataset", "csv:" + nan)).code());
        assertFalse(Files.exists(tmp.resolve("a")));
    }

    @Test
    void configFilesWithWrongTypesOrNoValuesNameTheKeyAndTheExpectedType() throws Exception {
        Path out = tmp.resolve("cfg");
        String[][] cases = {
            {"iterations: many\n", "key 'iterations' has value 'many'; expected a whole number"},
            {"workers: [1,2]\n", "key 'workers' has value [1,2] (a list); expected a whole number"},
            {"seed: 1.5\n", "key 'seed' has value 1.5; expected a whole number"},
            {"workers: true\n", "key 'workers' has value true; expected a whole number"},
            {"generator-lr: fast\n", "key 'generator-lr' has value 'fast'; expected a number"},
            {"generator: 5\n", "key 'generator' has value 5; expected a network such as mlp:128,128:relu"},
            {"iterations: 99999999999\n", "key 'iterations' has value 99999999999; expected a whole number up to 2147483647"},
            {"dataset:\n", "key 'dataset' has no value; expected a dataset: grid25, ring8, dsprites (embedded), " + io.sparkgan.data.DataSources.SPECS},
            {"objective:\n", "key 'objective' has no value; expected one of " + io.sparkgan.core.objective.Objectives.NAMES},
        };
        Path cfg = tmp.resolve("c.yaml");
        for (String[] c : cases) {
            Files.writeString(cfg, c[0]);
            assertEquals("train: config file '" + cfg + "': " + c[1], refused(out, "--config", cfg.toString()), c[0]);
        }
        Files.writeString(cfg, "- 1\n- 2\n");
        assertEquals("train: config file '" + cfg + "' holds a list; expected YAML keys such as 'iterations: 1000'", refused(out, "--config", cfg.toString()));
        assertEquals("train: config file '" + tmp + "' is a folder; expected a YAML file", refused(out, "--config", tmp.toString()));
    }

    @Test
    void flagsACarelessUserGives() {
        Path out = tmp.resolve("flags");
        assertEquals("train: dataset 'csv:' names no path; expected csv:<path>", refused(out, "--dataset", "csv:"));
        assertEquals("train: dataset 'idx:a,' is malformed; expected idx:<images file>[,<labels file>]", refused(out, "--dataset", "idx:a,"));
        assertEquals("train: data-dir is empty; expected a folder or URI such as data or hdfs://namenode/data", refused(out, "--data-dir", ""));
        assertEquals("train: workers must be positive, got 0", refused(out, "--workers", "0"));
        assertEquals("train: channels 3 does not apply to mnist, whose evaluation classifier takes its 28x28 grayscale images as they are;"
                + " expected channels and image-size only with images: or idx: data", refused(out, "--dataset", "mnist", "--channels", "3"));
        assertEquals("train: dataset-size must be positive, got -5", refused(out, "--dataset-size", "-5"));
        assertEquals("train: generator-lr must be a finite number, got NaN", refused(out, "--generator-lr", "NaN"));
        assertEquals("train: keep-checkpoints must be positive, got 0", refused(out, "--keep-checkpoints", "0"));
        assertEquals("train: Invalid value for option '--seed': '1.5' is not a long (see --help)", refused(out, "--seed", "1.5"));
        assertTrue(refused(out, "--latent-dim", "100000000").startsWith("train: the networks are too large for this JVM: generator mlp:16,16:relu:identity"
                + " on 100000000-d codes and discriminator mlp:16,16:leakyrelu:identity on 2-d data have 1.60e+09 parameters, which with Adam's state"
                + " and a batch of 16 take about "));
        assertEquals("train: --resume and --overwrite exclude each other: resume continues the run in --out, overwrite replaces it",
                refused(out, "--resume", "--overwrite"));
        assertEquals("train: --resume: '" + out + "' holds no run (no run.json); expected a folder written by 'sparkgan train'", refused(out, "--resume"));
    }

    @Test
    void runningOutOfMemoryIsOneLineWithItsReasonAndTheLimitsToRaise() {
        // JavaCPP's refusal wraps the reason in a second OutOfMemoryError (as seen with maxphysicalbytes=2G
        // on an N = 10 MNIST run); the line names the reason, not the wrapper.
        OutOfMemoryError e = new OutOfMemoryError("Cannot allocate new LongPointer(2): totalBytes = 256, physicalBytes = 2147M");
        e.initCause(new OutOfMemoryError("Physical memory usage is too high: physicalBytes (2147M) > maxPhysicalBytes (2048M)"));
        String line = Main.outOfMemory("train", e);
        assertEquals("train: failed: out of memory: Physical memory usage is too high: physicalBytes (2147M) > maxPhysicalBytes (2048M);"
                + " expected more memory for this JVM (SPARKGAN_JAVA_OPTS: -Xmx for the heap, -Dorg.bytedeco.javacpp.maxphysicalbytes"
                + " for the whole process, ND4J's arrays included) or smaller networks, batches or fewer workers", line);
        assertEquals(1, line.lines().count());
    }
}
