package io.sparkgan.cli;

import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.nn.FastPathGemms;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.train.StandaloneTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sparkgan bench}: in one run, the ND4J matrix-multiply throughput on exactly the GEMMs one
 * iteration performs on the fast path (read off the networks, {@link FastPathGemms}), and the
 * iteration itself; their ratio says how much of the machine's GEMM speed the step keeps after
 * everything else (unfolds, activations, normalisation, Adam, copies, Java). Presets: the paper's
 * MNIST MLP GAN (G 100-512-512-784 tanh, D 784-512-512-1, b = 100), the dcgan-mnist pair, the
 * evaluation classifier's training step, grid25's default networks. Also: strategies on Spark
 * ({@code --strategy}) and discriminator steps per objective ({@code --objectives}).
 */
@Command(name = "bench", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Measure GEMM throughput on the model's shapes and the standalone iteration time, in one run.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--batch-size", description = "b (default 100; 64 for the classifier, as it trains).")
    Integer batch;
    @Option(names = "--iterations", defaultValue = "60", description = "Timed iterations (default ${DEFAULT-VALUE}).")
    int iterations;
    @Option(names = "--warmup", defaultValue = "15", description = "Untimed iterations first (default ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = {"--preset", "--model"}, paramLabel = "NAME", defaultValue = "mnist-mlp",
            description = "What the standalone bench times: mnist-mlp (the paper's MNIST MLP, non-saturating), dcgan-mnist (the dcgan-mnist preset's convolutional pair), grid25 (the default 2-D networks), or classifier (a training step of the evaluation classifier's LeNet) (default ${DEFAULT-VALUE}).")
    String model;
    @Option(names = "--dl4j-layers", description = "Also time the iteration with DL4J's own convolution, pooling and batch-normalisation layers instead of the fast path, in alternating rounds (--rounds), and print the ratio.")
    boolean dl4jLayers;
    @Option(names = "--without-onednn", description = "Also time the iteration with every convolution on the unfold plus GEMM instead of oneDNN's kernels where the ND4J build has them, in alternating rounds (--rounds), and print the ratio.")
    boolean withoutOneDnn;
    @Option(names = "--spectral-norm", description = "Standalone bench with a spectrally normalised discriminator (its cost shows in the D step and feedback phases).")
    boolean spectralNorm;
    @Option(names = "--discriminator-noise", paramLabel = "INPUT,HIDDEN", defaultValue = "",
            description = "Standalone bench with Gaussian noise in D (standard deviations on its input and its hidden layers, e.g. 0.3,0.5); its draws show in the D step and feedback phases.")
    String discriminatorNoise;
    @Option(names = "--stabilizers", defaultValue = "", description = "Standalone bench with these stabilizers (comma-separated, as in train; e.g. virtual-batch-norm, whose reference batch shows in the generate and G step phases).")
    String stabilizers;
    @Option(names = "--strategy", description = "Benchmark strategies on Spark instead: standalone, mdgan, flgan, or a comma-separated list run in alternation.")
    String strategy;
    @Option(names = "--rounds", defaultValue = "1", description = "With --strategy, --dl4j-layers or --without-onednn: alternating rounds; medians are reported (default ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--workers", defaultValue = "4", description = "Workers for --strategy (default ${DEFAULT-VALUE}).")
    int workers;
    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master for --strategy (default ${DEFAULT-VALUE}).")
    String master;
    @Option(names = "--swap-every-epochs", defaultValue = "0", description = "MD-GAN swap period for --strategy; the bench's shards are ten iterations long (default ${DEFAULT-VALUE}: no swaps).")
    int swapEveryEpochs;
    @Option(names = "--restore", description = "With --strategy including mdgan: also time one iteration in which every worker restores its state from its checkpoint.")
    boolean restore;
    @Option(names = "--objectives", paramLabel = "O[,O...]", description = "Time the discriminator step of these objectives instead, in alternating rounds (e.g. nonsaturating,wgan-gp).")
    String objectives;
    @Option(names = "--discriminator", paramLabel = "SPEC", defaultValue = "mlp:512,512:leakyrelu", description = "With --objectives: the discriminator, on 784-dimensional samples (default ${DEFAULT-VALUE}).")
    String discriminatorSpec;
    @Option(names = "--exchange", defaultValue = "session", description = "MD-GAN exchange for --strategy: session or job (default ${DEFAULT-VALUE}).")
    String exchange;

    static final int LATENT = 100;
    static final List<String> PRESETS = List.of("mnist-mlp", "dcgan-mnist", "grid25", "classifier");
    /** The evaluation classifier's training minibatch. */
    static final int CLASSIFIER_BATCH = 64;

    /**
     * The GEMMs of one standalone iteration with L = 1, as the fast path performs them: G forward on
     * b rows; D forward and backward (parameter gradients) on the 2b rows of [real; fake]; D forward
     * and backward (input gradient only) on b rows for the feedback; G backward (parameter gradients).
     */
    static List<FastPathGemms.Product> iterationGemms(io.sparkgan.core.Generator g, io.sparkgan.core.Discriminator d, int dataDim, int b) {
        DataType t = g.dataType();
        List<FastPathGemms.Product> products = new ArrayList<>();
        products.addAll(FastPathGemms.pass("G", g.network(), Nd4j.zeros(t, 1, g.network().layerInputSize(0)), b, true, false));
        products.addAll(FastPathGemms.pass("D step", d.network(), Nd4j.zeros(t, 1, dataDim), 2L * b, true, false));
        products.addAll(FastPathGemms.pass("D feedback", d.network(), Nd4j.zeros(t, 1, dataDim), b, false, true));
        return products;
    }

    @Override
    public Integer call() {
        if ((batch != null && batch <= 0) || iterations <= 0 || warmup < 0 || rounds <= 0) {
            throw new UsageException("--batch-size, --iterations and --rounds must be positive and --warmup non-negative, got "
                    + batch + ", " + iterations + ", " + rounds + " and " + warmup);
        }
        if (dl4jLayers && withoutOneDnn) {
            throw new UsageException("--dl4j-layers and --without-onednn each alternate with the fast path; give one of them");
        }
        if (withoutOneDnn && !io.sparkgan.core.nn.Backprop.oneDnnAvailable()) {
            throw new UsageException("--without-onednn compares with oneDNN's kernels, but the loaded ND4J build '"
                    + System.getProperty("org.bytedeco.javacpp.platform.extension", "") + "' has none; expected SPARKGAN_ND4J_EXTENSION=-onednn-avx2 or -onednn");
        }
        if (objectives == null && !discriminatorSpec.equals("mlp:512,512:leakyrelu")) {
            // The presets fix their networks; only the objectives' bench takes another discriminator.
            throw new UsageException("--discriminator applies with --objectives only, got --discriminator " + discriminatorSpec
                    + " without it; expected --objectives O[,O...] or no --discriminator");
        }
        if (strategy == null && objectives == null && !PRESETS.contains(model)) {
            throw new UsageException("--preset '" + model + "' is unknown; expected one of " + PRESETS);
        }
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        if (strategy != null) {
            return benchStrategy();
        }
        if (objectives != null) {
            return benchObjectives();
        }
        // Threads are set from the environment (OMP_NUM_THREADS, OMP_WAIT_POLICY): ND4J reads them at start-up.
        System.out.printf(Locale.ROOT, "ND4J %s, backend %s, ND4J threads %d, OMP_NUM_THREADS=%s, OMP_WAIT_POLICY=%s, cores %d%n",
                Provenance.collect(0, "-", null).get("nd4j_version"), Provenance.collect(0, "-", null).get("nd4j_backend"),
                Nd4j.getEnvironment().maxThreads(), System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"), Runtime.getRuntime().availableProcessors());

        int b = batch == null && model.equals("classifier") ? CLASSIFIER_BATCH : batchSize();
        float[][] data = new float[2000][model.equals("grid25") ? 2 : 784];
        GanRandom r = new GanRandom(2);
        for (float[] row : data) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) (2 * r.nextDouble() - 1);
            }
        }
        Runnable iteration;
        List<FastPathGemms.Product> products;
        String what;
        GanConfig c = null;
        if (model.equals("classifier")) {
            MultiLayerNetwork net = io.sparkgan.core.nn.Backprop.prepare(io.sparkgan.spark.eval.EvaluationClassifier.network(10, 28, 28, 1, 1));
            products = FastPathGemms.pass("classifier", net, Nd4j.zeros(DataType.FLOAT, 1, 784), b, true, false);
            io.sparkgan.core.BatchSampler sampler = new io.sparkgan.core.BatchSampler(data, new GanRandom(3));
            GanRandom labels = new GanRandom(4);
            iteration = () -> io.sparkgan.core.nn.IterationScope.run("bench-classifier", () -> {
                INDArray y = Nd4j.zeros(DataType.FLOAT, b, 10);
                for (int i = 0; i < b; i++) {
                    y.putScalar(i, labels.nextInt(10), 1f);
                }
                return io.sparkgan.core.nn.ClassifierStep.step(net, sampler.next(b, DataType.FLOAT).x(), y);
            });
            what = String.format(Locale.ROOT, "evaluation classifier training step (%s, b=%d, Adam)", io.sparkgan.spark.eval.EvaluationClassifier.ARCHITECTURE, b);
        } else {
            c = benchConfig(b);
            c.set(io.sparkgan.core.nn.SpectralNorm.SETTING, spectralNorm);
            if (!discriminatorNoise.isBlank()) {
                String[] sd = discriminatorNoise.split(",", -1);
                try {
                    if (sd.length != 2) {
                        throw new NumberFormatException();
                    }
                    c.set(io.sparkgan.core.nn.GaussianNoise.INPUT, Double.parseDouble(sd[0].trim()));
                    c.set(io.sparkgan.core.nn.GaussianNoise.HIDDEN, Double.parseDouble(sd[1].trim()));
                } catch (NumberFormatException e) {
                    throw new UsageException("--discriminator-noise '" + discriminatorNoise + "' is not understood; expected two standard deviations such as 0.3,0.5");
                }
            }
            if (!stabilizers.isBlank()) {
                String problem = io.sparkgan.core.stabilizer.Stabilizers.problem(stabilizers);
                if (problem != null) {
                    throw new UsageException("--stabilizers: " + problem);
                }
                c.set(io.sparkgan.core.stabilizer.Stabilizers.SETTING, stabilizers);
            }
            int dim = data[0].length;
            products = iterationGemms(io.sparkgan.core.Gan.generator(c, dim, DataType.FLOAT), io.sparkgan.core.Gan.discriminator(c, dim, 0, DataType.FLOAT), dim, b);
            iteration = new StandaloneTrainer(c, data, DataType.FLOAT, null, null)::iterate;
            what = String.format(Locale.ROOT, "standalone iteration (%s, b=%d, L=1, spectral-norm %s%s%s)", model, b, spectralNorm,
                    stabilizers.isBlank() ? "" : ", stabilizers " + stabilizers, discriminatorNoise.isBlank() ? "" : ", discriminator noise " + discriminatorNoise);
        }
        double gemmSeconds = 0;
        double flops = 0;
        System.out.println("GEMMs of one iteration (float32), as the fast path performs them:");
        for (FastPathGemms.Product g : products) {
            double t = timeGemm((int) g.m(), (int) g.k(), (int) g.n());
            gemmSeconds += t;
            flops += g.flops();
            System.out.printf(Locale.ROOT, "  %-28s %6d x %6d x %6d  %8.3f ms  %7.2f GFLOP/s%n", g.what(), g.m(), g.k(), g.n(), t * 1e3, g.flops() / t / 1e9);
        }
        double gemmRate = flops / gemmSeconds;

        double iterSeconds;
        if (withoutOneDnn) {
            iterSeconds = alternate(iteration, io.sparkgan.core.nn.Backprop::useOneDnn, "unfold plus GEMM only", "with oneDNN where it applies");
        } else if (dl4jLayers) {
            iterSeconds = alternate(iteration, io.sparkgan.core.nn.Backprop::useLayerFastPath, "with DL4J's layers", "with the fast path");
        } else {
            iterSeconds = timeIterations(iteration);
        }
        double iterRate = flops / iterSeconds;
        System.out.printf(Locale.ROOT, "GEMM throughput on these shapes : %8.2f GFLOP/s (%.2f ms of GEMM per iteration)%n", gemmRate / 1e9, gemmSeconds * 1e3);
        System.out.printf(Locale.ROOT, "%s: %8.2f ms, %.3f GFLOP -> %.2f GFLOP/s%n", what, iterSeconds * 1e3, flops / 1e9, iterRate / 1e9);
        System.out.printf(Locale.ROOT, "ratio achieved / measured GEMM  : %8.1f %%%n", 100 * iterRate / gemmRate);
        if (c != null) {
            double[] phases = phaseBreakdown(c, data, b);
            System.out.printf(Locale.ROOT, "phases (ms): generate %.2f | real batch %.2f | D step %.2f | feedback %.2f | G step %.2f%n",
                    phases[0], phases[1], phases[2], phases[3], phases[4]);
        }
        return 0;
    }

    /** --batch-size, or 100 where the preset does not choose. */
    private int batchSize() {
        return batch != null ? batch : 100;
    }

    /** Mean seconds of {@code --iterations} iterations after {@code --warmup} untimed ones. */
    /**
     * Times {@code iteration} with {@code route} off, then on, in {@code rounds} alternating rounds in
     * one JVM, so the ratio is measured under the same conditions; prints both and returns the median
     * with the route on (left on).
     */
    private double alternate(Runnable iteration, java.util.function.Consumer<Boolean> route, String off, String on) {
        double[] withOff = new double[rounds];
        double[] withOn = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            route.accept(false);
            withOff[round] = timeIterations(iteration);
            route.accept(true);
            withOn[round] = timeIterations(iteration);
            System.out.printf(Locale.ROOT, "round %d: iteration %s %.2f ms, %s %.2f ms%n", round + 1, off, withOff[round] * 1e3, on, withOn[round] * 1e3);
        }
        System.out.printf(Locale.ROOT, "%s / %s, medians of %d rounds: %.2f / %.2f ms = %.2fx%n",
                off, on, rounds, median(withOff) * 1e3, median(withOn) * 1e3, median(withOff) / median(withOn));
        return median(withOn);
    }

    private double timeIterations(Runnable iteration) {
        for (int i = 0; i < warmup; i++) {
            iteration.run();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            iteration.run();
        }
        return (System.nanoTime() - t0) / 1e9 / iterations;
    }

    /**
     * The bench's networks. mnist-mlp: the paper's MNIST networks with the non-saturating objective
     * and no average, as measured since issue 4; dcgan-mnist: the preset itself; grid25: GanConfig's
     * defaults (2-D data, MLP 128-128-128 on both sides, latent 2, hinge, G's average).
     */
    GanConfig benchConfig(int b) {
        GanConfig c = switch (model) {
            case "mnist-mlp" -> {
                GanConfig m = new GanConfig().setLatentDim(LATENT).setObjective("nonsaturating")
                        .setGenerator(NetworkSpec.mlp("relu", "tanh", 512, 512))
                        .setDiscriminator(NetworkSpec.mlp("leakyrelu", "identity", 512, 512));
                m.set(io.sparkgan.core.nn.ParameterEma.SETTING, 0.0);
                yield m;
            }
            case "dcgan-mnist" -> {
                RunConfig rc = new RunConfig();
                Presets.apply(model, rc);
                yield rc;
            }
            case "grid25" -> new GanConfig();
            default -> throw new IllegalStateException(model);
        };
        return c.setSeed(1).setIterations(Integer.MAX_VALUE).setBatchSize(b);
    }

    /**
     * Milliseconds of one discriminator step (objective plus its regularizers, then the optimizer)
     * for each objective, in {@code rounds} alternating rounds of {@code iterations} steps after
     * {@code warmup}; medians over rounds, and each objective's ratio to the first.
     */
    int benchObjectives() {
        List<String> names = List.of(objectives.toLowerCase(Locale.ROOT).split("\\s*,\\s*"));
        NetworkSpec spec;
        try {
            names.forEach(io.sparkgan.core.objective.Objectives::validateName);
            spec = NetworkSpec.parse(discriminatorSpec);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (rounds <= 0) {
            throw new UsageException("--rounds must be positive, got " + rounds);
        }
        float[][] data = new float[2000][784];
        GanRandom r = new GanRandom(2);
        for (float[] row : data) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) (2 * r.nextDouble() - 1);
            }
        }
        List<io.sparkgan.core.Discriminator> ds = new java.util.ArrayList<>();
        for (String name : names) {
            GanConfig c = new GanConfig().setSeed(1).setObjective(name).setDiscriminator(spec);
            ds.add(io.sparkgan.core.Gan.discriminator(c, 784, 0, DataType.FLOAT));
        }
        io.sparkgan.core.BatchSampler sampler = new io.sparkgan.core.BatchSampler(data, new GanRandom(3));
        double[][] ms = new double[names.size()][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int o = 0; o < names.size(); o++) {
                io.sparkgan.core.Discriminator d = ds.get(o);
                for (int i = 0; i < warmup + iterations; i++) {
                    if (i == warmup) {
                        ms[o][round] = System.nanoTime();
                    }
                    io.sparkgan.core.nn.IterationScope.run("bench-objectives", () -> {
                        d.step(sampler.next(batchSize(), DataType.FLOAT), sampler.next(batchSize(), DataType.FLOAT));
                        return null;
                    });
                }
                ms[o][round] = (System.nanoTime() - ms[o][round]) / 1e6 / iterations;
            }
        }
        System.out.printf(Locale.ROOT, "discriminator step, %s on 784-d samples, b=%d, medians of %d rounds of %d steps:%n", spec, batchSize(), rounds, iterations);
        double base = median(ms[0]);
        for (int o = 0; o < names.size(); o++) {
            System.out.printf(Locale.ROOT, "  %-16s %8.2f ms  x%.2f%n", names.get(o), median(ms[o]), median(ms[o]) / base);
        }
        return 0;
    }

    /**
     * The same iteration as {@link StandaloneTrainer#iterate()}, written out with a clock around each
     * of its phases (ND4J on CPU is synchronous, so the times are the work's own).
     *
     * @return mean milliseconds of: generate, real batch, D step, feedback, G step
     */
    double[] phaseBreakdown(GanConfig c, float[][] data, int batch) {
        io.sparkgan.core.Generator g = io.sparkgan.core.Gan.generator(c, data[0].length, DataType.FLOAT);
        io.sparkgan.core.Discriminator d = io.sparkgan.core.Gan.discriminator(c, data[0].length, 0, DataType.FLOAT);
        io.sparkgan.core.BatchSampler sampler = new io.sparkgan.core.BatchSampler(data, new GanRandom(3));
        GanRandom rng = new GanRandom(4);
        double[] total = new double[5];
        for (int i = 0; i < warmup + iterations; i++) {
            boolean timed = i >= warmup;
            double[] t = io.sparkgan.core.nn.IterationScope.run("bench-phases", () -> {
                double[] ms = new double[5];
                long a = System.nanoTime();
                INDArray z = g.latent(rng, batch);
                INDArray x = g.generate(z);
                long b = System.nanoTime();
                INDArray real = sampler.next(batch, DataType.FLOAT).x();
                long e = System.nanoTime();
                d.step(real, x);
                long f = System.nanoTime();
                INDArray fb = d.feedback(x).gradient();
                long h = System.nanoTime();
                g.step(z, fb);
                long k = System.nanoTime();
                ms[0] = (b - a) / 1e6;
                ms[1] = (e - b) / 1e6;
                ms[2] = (f - e) / 1e6;
                ms[3] = (h - f) / 1e6;
                ms[4] = (k - h) / 1e6;
                return ms;
            });
            for (int p = 0; p < 5 && timed; p++) {
                total[p] += t[p] / iterations;
            }
        }
        return total;
    }

    /**
     * Per-iteration wall time of strategies on Spark, split into driver GAN work, worker GAN work
     * (summed over tasks, and divided by the task slots that run them in parallel) and everything
     * else: scheduling, serialisation, transfer, Spark's own latency. Several strategies run in
     * alternating rounds in one JVM, so their ratio is measured in one run; medians are reported.
     */
    int benchStrategy() {
        List<String> strategies = List.of(strategy.toLowerCase(Locale.ROOT).split("\\s*,\\s*"));
        for (String s : strategies) {
            if (!io.sparkgan.spark.StrategyConfig.STRATEGIES.contains(s)) {
                throw new UsageException("strategy '" + s + "' is unknown; expected one of " + io.sparkgan.spark.StrategyConfig.STRATEGIES);
            }
        }
        if (workers <= 0 || rounds <= 0) {
            throw new UsageException("--workers and --rounds must be positive, got " + workers + " and " + rounds);
        }
        Masters.check(master);
        java.nio.file.Path scratch = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "bench-" + java.util.UUID.randomUUID());
        org.apache.spark.sql.SparkSession spark = io.sparkgan.spark.SparkSessions.getOrCreate("sparkgan-bench", master, scratch);
        try {
            int rows = workers * 10 * batchSize(); // ten iterations per local epoch
            GanRandom r = new GanRandom(2);
            float[][] x = new float[rows][784];
            for (float[] row : x) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) (2 * r.nextDouble() - 1);
                }
            }
            // Through a Parquet file in the scratch folder, as a user's data would come: a frame made
            // from driver memory carries all its rows in every task that reads it (12.7 MB here).
            String parquet = scratch.resolve("data.parquet").toUri().toString();
            io.sparkgan.data.VectorFrames.toFrame(spark, new io.sparkgan.data.Samples(x, null)).write().parquet(parquet);
            org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame = spark.read().parquet(parquet).cache();
            frame.count();
            int slots = spark.sparkContext().defaultParallelism();
            int parallel = Math.min(slots, workers);
            System.out.printf(Locale.ROOT, "N=%d workers, %s (%d task slots), b=%d, L=1, MNIST MLP shapes, %d timed iterations per run, %d alternating round(s), MD-GAN exchange %s%n",
                    workers, master, slots, batchSize(), iterations, rounds, exchange);
            java.util.Map<String, List<double[]>> runs = new java.util.LinkedHashMap<>();
            for (String s : strategies) {
                estimator(s, Math.max(1, warmup)).fit(frame);
                runs.put(s, new ArrayList<>());
            }
            for (int round = 1; round <= rounds; round++) {
                for (String s : strategies) {
                    io.sparkgan.spark.ml.Summary m = estimator(s, iterations).fit(frame).summary();
                    double wall = m.wallSeconds() / iterations * 1e3;
                    double driver = m.driverComputeSeconds() / iterations * 1e3;
                    double workerSum = m.workerComputeSeconds() / iterations * 1e3;
                    double workerPath = s.equals("standalone") ? 0 : workerSum / parallel;
                    double other = Math.max(0, wall - driver - workerPath);
                    runs.get(s).add(new double[] {wall, other, workerSum / workers});
                    System.out.printf(Locale.ROOT, "round %d %-10s wall %.1f ms = driver GAN work %.1f + worker GAN work %.1f (summed %.1f / %d) + everything else %.1f ms (%.0f %%);"
                                    + " worker compute per update and worker %.2f ms; bytes per iteration %d down, %d up, %d between%n",
                            round, s, wall, driver, workerPath, workerSum, parallel, other, 100 * other / wall, workerSum / workers,
                            m.bytesToWorkers() / iterations, m.bytesFromWorkers() / iterations, m.bytesBetweenWorkers() / iterations);
                }
            }
            System.out.println("medians over rounds:");
            java.util.Map<String, double[]> medians = new java.util.LinkedHashMap<>();
            for (java.util.Map.Entry<String, List<double[]>> e : runs.entrySet()) {
                double[] m = new double[3];
                for (int f = 0; f < 3; f++) {
                    int field = f;
                    m[f] = median(e.getValue().stream().mapToDouble(v -> v[field]).toArray());
                }
                medians.put(e.getKey(), m);
                System.out.printf(Locale.ROOT, "  %-10s wall %.1f ms, everything else %.1f ms (%.0f %%), worker compute per update and worker %.2f ms%n",
                        e.getKey(), m[0], m[1], 100 * m[1] / m[0], m[2]);
            }
            if (medians.containsKey("mdgan") && medians.containsKey("flgan")) {
                // Per round too: on a noisy machine the spread says more than the ratio of medians.
                List<double[]> md = runs.get("mdgan");
                List<double[]> fl = runs.get("flgan");
                StringBuilder perRound = new StringBuilder();
                for (int i = 0; i < md.size(); i++) {
                    perRound.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", md.get(i)[2] / fl.get(i)[2]));
                }
                System.out.printf(Locale.ROOT, "MD-GAN / FL-GAN worker compute per generator update: %.2f (per round: %s)%n",
                        medians.get("mdgan")[2] / medians.get("flgan")[2], perRound);
            }
            if (restore && strategies.contains("mdgan")) {
                benchRestore(frame, scratch, parallel);
            }
            return 0;
        } finally {
            spark.stop();
            Main.deleteRecursively(scratch);
        }
    }

    /**
     * The cost of a restore: an MD-GAN run whose workers all lose their state right after a
     * checkpoint (what a lost executor does to its workers), so the next iteration restores every
     * worker from that checkpoint; its time against the median iteration.
     */
    private void benchRestore(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame, java.nio.file.Path scratch, int parallel) {
        int its = Math.max(6, iterations);
        int at = its / 2;
        double[] ends = new double[its + 1];
        io.sparkgan.spark.ml.Summary m = estimator("mdgan", its).setCheckpointEvery(at)
                .setCheckpointDir(scratch.resolve("restore-checkpoints").toUri().toString())
                .setListener(new io.sparkgan.core.train.TrainingListener() {
                    @Override
                    public void onProgress(int iteration, double d, double g) {
                        ends[iteration] = System.nanoTime() / 1e6;
                        if (iteration == at) {
                            io.sparkgan.spark.runtime.WorkerRegistry.clearAll();
                        }
                    }
                }).fit(frame).summary();
        List<Double> others = new ArrayList<>();
        for (int i = 2; i <= its; i++) {
            if (i != at && i != at + 1) {
                others.add(ends[i] - ends[i - 1]);
            }
        }
        double median = median(others.stream().mapToDouble(Double::doubleValue).toArray());
        double restoring = ends[at + 1] - ends[at];
        System.out.printf(Locale.ROOT, "restore: all %d workers restored from the checkpoint at iteration %d (%d restores counted): that iteration took %.1f ms"
                        + " against a median of %.1f ms, so %.1f ms per restore (%d at a time)%n",
                workers, at, m.restores(), restoring, median, (restoring - median) * parallel / workers, parallel);
    }

    private io.sparkgan.spark.ml.GanEstimator estimator(String s, int its) {
        return new io.sparkgan.spark.ml.GanEstimator()
                .setStrategy(s).setWorkers(workers).setIterations(its).setBatchSize(batchSize()).setLatentDim(LATENT)
                .setGenerator("mlp:512,512:relu:tanh").setDiscriminator("mlp:512,512:leakyrelu").setLogEvery(its).setEvalEvery(its)
                .setSwapEveryEpochs(swapEveryEpochs).setExchange(exchange);
    }

    static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    /** Median seconds of one C = A·B over repeated runs (after warm-up). */
    static double timeGemm(int m, int k, int n) {
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
        INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
        INDArray c = Nd4j.createUninitialized(DataType.FLOAT, m, n);
        for (int i = 0; i < 5; i++) {
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        }
        int reps = Math.max(5, (int) Math.min(400, 2e9 / (2.0 * m * k * n)));
        double[] t = new double[7];
        for (int s = 0; s < t.length; s++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            }
            t[s] = (System.nanoTime() - t0) / 1e9 / reps;
        }
        java.util.Arrays.sort(t);
        return t[t.length / 2];
    }
}
