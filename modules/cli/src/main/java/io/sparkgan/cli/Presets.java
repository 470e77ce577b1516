package io.sparkgan.cli;

import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.ParameterEma;
import java.util.List;
import java.util.function.Consumer;

/**
 * Named starting points. Layering: defaults, then the preset, then the config file, then flags, so
 * any preset value can be changed.
 *
 * <ul>
 *   <li>{@code mdgan-mnist-mlp}: the MNIST setup of the MD-GAN paper (Hardy, Le Merrer and
 *   Sericola, IPDPS 2019, §V): G fully connected 512-512-784 on 100-d codes plus the one-hot class,
 *   D fully connected 512-512 with the ACGAN head (10 classes + real/fake), b = 100, N = 10 workers,
 *   Adam 2e-4 (β1 0.5), scored by classifier score and FID on 10,000 samples.
 *   <li>{@code dcgan-mnist}: a DCGAN-style pair (Radford, Metz and Chintala, ICLR 2016) for 28×28
 *   grayscale images (MNIST or, with {@code --dataset fashion-mnist}, Fashion-MNIST): transposed
 *   convolutions 128→64 channels in G, strided convolutions 64→128 in D, non-saturating loss.
 * </ul>
 */
final class Presets {
    static final List<String> NAMES = List.of("mdgan-mnist-mlp", "dcgan-mnist");

    private Presets() {}

    /** Applies the preset {@code name} to {@code c} and records its name there. */
    static void apply(String name, RunConfig c) {
        byName(name).accept(c);
        c.setPreset(name);
    }

    private static Consumer<RunConfig> byName(String name) {
        return switch (name) {
            case "mdgan-mnist-mlp" -> c -> {
                image(c);
                c.setObjective("acgan");
                c.setWorkers(10);
                c.setLatentDim(100);
                c.setGenerator(NetworkSpec.parse("mlp:512,512:relu:tanh"));
                c.setDiscriminator(NetworkSpec.parse("mlp:512,512:leakyrelu"));
            };
            case "dcgan-mnist" -> c -> {
                image(c);
                c.setObjective("nonsaturating");
                c.setLatentDim(100);
                c.setGenerator(NetworkSpec.parse("dcgan:128,64:relu:tanh"));
                c.setDiscriminator(NetworkSpec.parse("dcgan:64,128:leakyrelu"));
            };
            default -> throw new UsageException("--preset '" + name + "' is unknown; expected one of " + NAMES);
        };
    }

    /** What every MNIST-like preset shares. */
    private static void image(RunConfig c) {
        c.setDataset("mnist");
        c.setBatchSize(100);
        c.setGeneratorLr(2e-4);
        c.setDiscriminatorLr(2e-4);
        c.setBeta1(0.5);
        c.setIterations(5000);
        c.setLogEvery(50);
        c.setEvalEvery(1000);
        c.setEvalSamples(10_000);
        c.setCheckpointEvery(1000);
        // The papers' setups, as docs/results.md measured them: the last iterate, not an average.
        c.set(ParameterEma.SETTING, 0.0);
    }
}
