package io.sparkgan.cli;

import io.sparkgan.core.nn.NetworkSpec;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The run settings shared by {@code train} and {@code compare}: a config file and flags that override it. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with the same keys as the flags (flags override it).")
    Path config;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not run by spark-submit (default: ${DEFAULT-VALUE}).", defaultValue = "local[*]")
    String master;

    @Option(names = "--preset", paramLabel = "NAME", description = "Start from a named setup: mdgan-mnist-mlp (the MD-GAN paper's MNIST MLP with ACGAN), dcgan-mnist. Config file and flags override it.") String preset;
    @Option(names = "--workers", paramLabel = "N", description = "Workers, i.e. shards (one Spark partition each).") Integer workers;
    @Option(names = "--k", description = "MD-GAN: generated batches per iteration (0 = ceil(ln N)).") Integer k;
    @Option(names = "--swap-every-epochs", paramLabel = "E", description = "MD-GAN: swap discriminators every E local epochs (0 = never).") Integer swapEveryEpochs;
    @Option(names = "--exchange", description = "MD-GAN: session (long-lived stage, default) or job (one Spark job per iteration).") String exchange;
    @Option(names = "--worker-timeout", paramLabel = "SECONDS", description = "Seconds to wait for workers' answers before their executor is taken for hung: killed, and its workers restored elsewhere (default 600).") Integer workerTimeout;
    @Option(names = "--average-every-epochs", paramLabel = "E", description = "FL-GAN: average G and D every E local epochs.") Integer averageEveryEpochs;
    @Option(names = "--average-every-iterations", paramLabel = "N", description = "FL-GAN: average every N local iterations instead (0 = use epochs).") Integer averageEveryIterations;
    @Option(names = "--dataset", paramLabel = "SPEC", description = "grid25, ring8 (embedded), mnist, fashion-mnist (after `sparkgan data fetch`), idx:<images>[,<labels>], parquet:<path>, csv:<path> or images:<folder>; paths may be hdfs:// or s3a:// URIs.") String dataset;
    @Option(names = "--dataset-size", paramLabel = "N", description = "Rows drawn for grid25/ring8.") Integer datasetSize;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where fetched datasets and cached evaluation classifiers live (default: data).") String dataDir;
    @Option(names = "--image-size", paramLabel = "HxW", description = "images: datasets: resize every image to HxW.") String imageSize;
    @Option(names = "--channels", paramLabel = "C", description = "images: datasets: 1 (grayscale) or 3 (RGB).") Integer channels;
    @Option(names = "--classifier-epochs", paramLabel = "E", description = "Epochs of the evaluation classifier (mnist, fashion-mnist) when it is not cached yet (default: its own).") Integer classifierEpochs;
    @Option(names = "--shards", paramLabel = "MODE", description = "How the data is split across workers: iid (default), label-skew:C (C classes per worker), dirichlet:ALPHA.") String shards;
    @Option(names = "--classes", paramLabel = "C", description = "Classes a conditional objective (acgan) conditions on (default: from the data's labels).") Integer classes;
    @Option(names = "--seed") Long seed;
    @Option(names = "--iterations", paramLabel = "I", description = "Generator updates.") Integer iterations;
    @Option(names = "--batch-size", paramLabel = "b") Integer batchSize;
    @Option(names = "--local-steps", paramLabel = "L", description = "Discriminator steps per iteration.") Integer localSteps;
    @Option(names = "--latent-dim", paramLabel = "D") Integer latentDim;
    @Option(names = "--objective", description = "One of: nonsaturating, acgan.") String objective;
    @Option(names = "--generator", paramLabel = "SPEC", description = "kind:w1,w2[:activation[:output]], e.g. mlp:128,128:relu:identity") String generator;
    @Option(names = "--discriminator", paramLabel = "SPEC", description = "kind:w1,w2[:activation], e.g. mlp:128,128:leakyrelu") String discriminator;
    @Option(names = "--generator-lr") Double generatorLr;
    @Option(names = "--discriminator-lr") Double discriminatorLr;
    @Option(names = "--beta1") Double beta1;
    @Option(names = "--beta2") Double beta2;
    @Option(names = "--log-every", paramLabel = "N") Integer logEvery;
    @Option(names = "--eval-every", paramLabel = "N") Integer evalEvery;
    @Option(names = "--eval-samples", paramLabel = "N") Integer evalSamples;
    @Option(names = "--checkpoint-every", paramLabel = "N") Integer checkpointEvery;
    @Option(names = "--keep-checkpoints", paramLabel = "N") Integer keepCheckpoints;

    /** Defaults, then {@code base} adjustments, then the preset, then the config file, then the flags; validated. */
    RunConfig resolve(java.util.function.Consumer<RunConfig> base) {
        RunConfig c = new RunConfig();
        base.accept(c);
        Configs.File file = config == null ? null : Configs.load(config);
        // One preset, the flag's or else the file's, goes under the file's keys and the flags.
        String named = presetName(file);
        if (named != null) {
            Presets.apply(named, c);
        }
        return flagsOnto(file == null ? c : Configs.apply(file, c));
    }

    /**
     * A resumed run's configuration: the stored one with the config file's keys and the flags laid
     * over it, validated. A preset is compared by name instead of being applied again: its values are
     * already in the stored configuration, under whatever the run's file and flags changed.
     */
    RunConfig resolveOnto(RunConfig stored) {
        RunConfig c = Configs.fromMap(Configs.toMap(stored));
        Configs.File file = config == null ? null : Configs.load(config);
        String named = presetName(file);
        if (named != null && !named.equals(stored.getPreset())) {
            throw new UsageException("--resume: 'preset' was " + (stored.getPreset().isEmpty() ? "none" : "'" + stored.getPreset() + "'")
                    + " in this run but is now '" + named + "'; a resumed run keeps its configuration (only --iterations may grow)");
        }
        return flagsOnto(file == null ? c : Configs.apply(file, c));
    }

    private String presetName(Configs.File file) {
        return preset != null ? preset.toLowerCase(Locale.ROOT) : file == null ? null : file.preset();
    }

    private RunConfig flagsOnto(RunConfig c) {
        if (dataDir != null) c.setDataDir(dataDir);
        if (imageSize != null) c.setImageSize(imageSize.toLowerCase(Locale.ROOT));
        if (channels != null) c.setChannels(channels);
        if (classifierEpochs != null) c.setClassifierEpochs(classifierEpochs);
        if (shards != null) c.setShards(shards.toLowerCase(Locale.ROOT));
        if (classes != null) c.setClasses(classes);
        if (dataset != null) c.setDataset(dataset.contains(":") ? dataset : dataset.toLowerCase(Locale.ROOT)); // paths keep their case
        if (workers != null) c.setWorkers(workers);
        if (k != null) c.setK(k);
        if (swapEveryEpochs != null) c.setSwapEveryEpochs(swapEveryEpochs);
        if (exchange != null) c.setExchange(exchange.toLowerCase(Locale.ROOT));
        if (workerTimeout != null) c.setWorkerTimeout(workerTimeout);
        if (averageEveryEpochs != null) c.setAverageEveryEpochs(averageEveryEpochs);
        if (averageEveryIterations != null) c.setAverageEveryIterations(averageEveryIterations);
        if (datasetSize != null) c.setDatasetSize(datasetSize);
        if (seed != null) c.setSeed(seed);
        if (iterations != null) c.setIterations(iterations);
        if (batchSize != null) c.setBatchSize(batchSize);
        if (localSteps != null) c.setLocalSteps(localSteps);
        if (latentDim != null) c.setLatentDim(latentDim);
        if (objective != null) c.setObjective(objective.toLowerCase(Locale.ROOT));
        if (generatorLr != null) c.setGeneratorLr(generatorLr);
        if (discriminatorLr != null) c.setDiscriminatorLr(discriminatorLr);
        if (beta1 != null) c.setBeta1(beta1);
        if (beta2 != null) c.setBeta2(beta2);
        if (logEvery != null) c.setLogEvery(logEvery);
        if (evalEvery != null) c.setEvalEvery(evalEvery);
        if (evalSamples != null) c.setEvalSamples(evalSamples);
        if (checkpointEvery != null) c.setCheckpointEvery(checkpointEvery);
        if (keepCheckpoints != null) c.setKeepCheckpoints(keepCheckpoints);
        try {
            if (generator != null) c.setGenerator(NetworkSpec.parse(generator));
            if (discriminator != null) c.setDiscriminator(NetworkSpec.parse(discriminator));
            c.validate();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return c;
    }
}
