package io.sparkgan.core.aae;

import io.sparkgan.core.Batch;
import io.sparkgan.core.Discriminator;
import io.sparkgan.core.Gan;
import io.sparkgan.core.GanConfig;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.Generator;
import io.sparkgan.core.LatentPrior;
import io.sparkgan.core.config.Setting;
import io.sparkgan.core.config.SettingValues;
import io.sparkgan.core.nn.IterationScope;
import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.nn.Networks;
import io.sparkgan.core.objective.Objective;
import io.sparkgan.core.objective.Objectives;
import io.sparkgan.core.stabilizer.Stabilizers;
import io.sparkgan.core.stabilizer.VirtualBatchNorm;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The adversarial autoencoder (Makhzani, Shlens, Jaitly, Goodfellow &amp; Frey, "Adversarial
 * Autoencoders", 2015): an encoder q(z|x), a decoder p(x|z) and a discriminator on codes that pushes
 * the aggregated posterior q(z) towards a prior p(z). Each iteration runs the paper's two phases
 * (§2): the <em>reconstruction phase</em> updates encoder and decoder on the squared reconstruction
 * error; the <em>regularization phase</em> first updates the code discriminator to tell prior
 * draws (its real samples) from the encoder's codes (its generated samples), then updates the
 * encoder, the adversarial network's generator, to fool it.
 *
 * <p>The three networks reuse the GAN's parts: the decoder is the run's {@link Generator} (its
 * {@code --generator} network, sampling from the prior), the code discriminator a
 * {@link Discriminator} of the run's objective and {@code --discriminator} network over codes, and
 * the encoder a {@link Generator} whose "latent" input is the data ({@link #ENCODER}): the paper's
 * point that the encoder is the generator of the adversarial network. So every unconditional
 * objective and the stabilizers acting on D apply to the code discriminator unchanged. The encoder
 * keeps one optimizer state per phase ({@link PhaseOptimizer}), as the paper's phases have their
 * own optimizers.
 *
 * <p>Priors ({@link #AUTOENCODER}): {@code gaussian} N(0, I); {@code mixture} of
 * {@link #COMPONENTS} Gaussians ({@link MixturePrior}); {@code labelled-mixture}, the paper's
 * label-conditioned regularization (§2.3, Fig. 6): component k for class k, the code
 * discriminator reading a one-hot class beside each code, so codes of class k are pushed to
 * component k (an unlabelled sample, label −1, gets an all-zero one-hot and is compared with the
 * whole mixture). Decoding from the prior then samples the data distribution.
 *
 * <p>Strategies: standalone runs all three networks on the driver ({@link AaeStep}). Under FL-GAN the
 * encoder needs real data, so every worker trains all three on its shard and the driver averages
 * them (FL-GAN's {@code AaeDriver}); only parameters move. Under MD-GAN the data-free network is the
 * code discriminator, so it lives on the driver, learning from every worker's codes, while each
 * worker keeps an autoencoder beside its shard and the autoencoders swap between workers (MD-GAN's
 * {@code MdGanAutoencoder}): the phases are split at {@link #codeFeedback} and {@link #encoderStep}.
 */
public final class AdversarialAutoencoder {
    public static final String NONE = "none";
    public static final String GAUSSIAN = "gaussian";
    public static final String MIXTURE = "mixture";
    public static final String LABELLED_MIXTURE = "labelled-mixture";

    public static final Setting<String> AUTOENCODER = Setting.oneOf("autoencoder", NONE, List.of(NONE, GAUSSIAN, MIXTURE, LABELLED_MIXTURE),
            "Train an adversarial autoencoder (Makhzani et al. 2015) instead of a GAN, its codes pushed to this prior: gaussian, "
                    + "mixture (of prior-components Gaussians), labelled-mixture (the same, component k for class k); none: a GAN.");
    public static final Setting<NetworkSpec> ENCODER = Setting.parsed("encoder", NetworkSpec.class,
            NetworkSpec.mlp("leakyrelu", "identity", 128, 128, 128), "a network such as mlp:128,128:relu", NetworkSpec::parse,
            "Adversarial autoencoder's encoder (data to latent-dim codes), laid out as a discriminator: kind:w1,w2[:activation], kind mlp or dcgan.")
            .scope("autoencoder");
    public static final Setting<Integer> COMPONENTS = Setting.integer("prior-components", 10,
            "Adversarial autoencoder's mixture prior: Gaussians on a circle of radius 4 in the first two code coordinates, sd 0.5.")
            .positive().scope("autoencoder");

    /** The settings every run has, in order; the autoencoder's own follow {@link #AUTOENCODER}. */
    public static final List<Setting<?>> SETTINGS = List.of(AUTOENCODER, ENCODER, COMPONENTS);

    /** The checkpoint part of the encoder. */
    public static final String ENCODER_PART = "encoder.zip";
    /** The checkpoint part of the encoder's regularization-phase optimizer state. */
    public static final String REGULARIZATION_OPTIMIZER_PART = "encoder.regularization-optimizer";

    private final Generator encoder;
    private final Generator decoder;
    private final Discriminator codeDiscriminator;
    private final LatentPrior prior;
    /** Width of the one-hot class the code discriminator reads beside each code (labelled-mixture), else 0. */
    private final int classes;
    private final int latentDim;
    /** The encoder's optimizer state for the regularization phase (its updater holds the reconstruction phase's). */
    private final PhaseOptimizer regularization;

    /**
     * @param encoder a network from data to {@code latentDim} codes
     * @param decoder the decoder, sampling from {@code prior}
     * @param classes the one-hot width the code discriminator reads beside each code (0: none)
     */
    public AdversarialAutoencoder(Generator encoder, Generator decoder, Discriminator codeDiscriminator, LatentPrior prior, int classes) {
        this.encoder = encoder;
        this.regularization = new PhaseOptimizer(encoder.network());
        this.decoder = decoder.withPrior(prior);
        this.codeDiscriminator = codeDiscriminator;
        this.prior = prior;
        this.classes = classes;
        this.latentDim = decoder.latentDim();
    }

    /** Whether configuration {@code c} trains an adversarial autoencoder. */
    public static boolean on(SettingValues c) {
        return !NONE.equals(c.get(AUTOENCODER));
    }

    /**
     * Null when configuration {@code c} makes a valid adversarial autoencoder (or none), else the
     * one-line message: the code discriminator's objective must be unconditional (its generated
     * samples are codes, not classes of images), and the generator-side stabilizers do not apply.
     */
    public static String problem(GanConfig c) {
        if (!on(c)) {
            return null;
        }
        if (Objectives.conditional(c.getObjective())) {
            return "objective '" + c.getObjective() + "' does not apply to the adversarial autoencoder's code discriminator; expected an "
                    + "unconditional objective (" + Objectives.NAMES.stream().filter(n -> !Objectives.conditional(n)).toList()
                    + "); for classes use --autoencoder labelled-mixture";
        }
        if (!c.getDiscriminator().kind().equals("mlp")) {
            return "discriminator " + c.getDiscriminator() + " cannot read the adversarial autoencoder's codes; expected an mlp such as mlp:128,128:leakyrelu"
                    + " (--encoder takes the dcgan layout)";
        }
        if (Stabilizers.of(c).stream().anyMatch(s -> s instanceof VirtualBatchNorm)) {
            return "stabilizer virtual-batch-norm does not apply to the adversarial autoencoder (its decoder's input is codes of real data)";
        }
        if (!c.get(AUTOENCODER).equals(GAUSSIAN) && c.getLatentDim() < 2) {
            return "autoencoder " + c.get(AUTOENCODER) + " needs latent-dim of at least 2 (its components lie on a circle), got " + c.getLatentDim();
        }
        return null;
    }

    /** The prior of configuration {@code c}: N(0, I) for a GAN. */
    public static LatentPrior prior(SettingValues c) {
        return switch (c.get(AUTOENCODER)) {
            case MIXTURE, LABELLED_MIXTURE -> new MixturePrior(c.get(COMPONENTS));
            default -> LatentPrior.GAUSSIAN;
        };
    }

    /**
     * The adversarial autoencoder of configuration {@code c} on {@code dataDim}-dimensional data with
     * {@code classes} classes (0: unlabelled; labelled-mixture checks them), from seeds derived from the run seed:
     * the decoder as the generator, the code discriminator as discriminator 0, the encoder from stream
     * "encoder".
     *
     * @throws IllegalArgumentException for labelled-mixture without labelled data
     */
    public static AdversarialAutoencoder create(GanConfig c, int dataDim, int classes, DataType dtype) {
        return create(c, dataDim, classes, dtype, true);
    }

    /** As {@link #create(GanConfig, int, int, DataType)}; {@code average} false leaves out the decoder's moving average. */
    public static AdversarialAutoencoder create(GanConfig c, int dataDim, int classes, DataType dtype, boolean average) {
        int k = conditioning(c, classes);
        MultiLayerNetwork e = Networks.discriminator(c.get(ENCODER), dataDim, c.getLatentDim(),
                new Adam(c.getGeneratorLr(), c.getBeta1(), c.getBeta2(), 1e-8), GanRandom.derive(c.getSeed(), "encoder", 0), dtype);
        return new AdversarialAutoencoder(encoder(c, e, dataDim), Gan.generator(c, dataDim, dtype, average), Gan.discriminator(c, c.getLatentDim() + k, 0, dtype),
                prior(c), k);
    }

    /** The encoder around network {@code net} (a restored one, say). */
    public static Generator encoder(GanConfig c, MultiLayerNetwork net, int dataDim) {
        return new Generator(net, dataDim, 0, Gan.generatorDecay(c));
    }

    /**
     * The one-hot width the code discriminator reads: one per component for labelled-mixture, else 0.
     *
     * @throws IllegalArgumentException for labelled-mixture when the data has no labels, or more classes than components
     */
    public static int conditioning(GanConfig c, int classes) {
        if (!LABELLED_MIXTURE.equals(c.get(AUTOENCODER))) {
            return 0;
        }
        int k = c.get(COMPONENTS);
        if (classes < 1) {
            throw new IllegalArgumentException("autoencoder labelled-mixture needs labelled data (a component per class); the data has no labels");
        }
        if (classes > k) {
            throw new IllegalArgumentException("autoencoder labelled-mixture needs a component per class: the data has " + classes
                    + " classes, prior-components is " + k + "; expected prior-components " + classes + " or more");
        }
        return k;
    }

    public Generator encoder() {
        return encoder;
    }

    /** The three networks, in the order strategies move them: decoder, code discriminator, encoder. */
    public List<MultiLayerNetwork> networks() {
        return List.of(decoder.network(), codeDiscriminator.network(), encoder.network());
    }

    /** The decoder: the run's generator, sampling from the prior. */
    public Generator decoder() {
        return decoder;
    }

    public Discriminator codeDiscriminator() {
        return codeDiscriminator;
    }

    public LatentPrior prior() {
        return prior;
    }

    /** The one-hot width the code discriminator reads beside each code (0: none). */
    public int classes() {
        return classes;
    }

    /**
     * One iteration of both phases on real batch {@code x} (with its labels for labelled-mixture):
     * one encoder and decoder step on the reconstruction error, {@code localSteps} code
     * discriminator steps (fresh prior draws from {@code priorRng} each, against the codes of
     * {@code x} by the updated encoder), one encoder step on the objective's generator loss.
     *
     * @return {mean code-discriminator loss, encoder's adversarial loss, reconstruction error (mean squared error per coordinate, before the step)}
     */
    public double[] iteration(Batch x, GanRandom priorRng, int localSteps) {
        return IterationScope.run("aae-iteration", () -> {
            double reconstruction = reconstructionStep(x.x());
            double[] adversarial = regularizationStep(x, priorRng, localSteps);
            return new double[] {adversarial[0], adversarial[1], reconstruction};
        });
    }

    /**
     * The regularization phase on {@code x}: {@code localSteps} code discriminator steps, then one
     * encoder step on the objective's generator loss of its codes.
     *
     * @return {mean code-discriminator loss, encoder's adversarial loss before its step}
     */
    double[] regularizationStep(Batch x, GanRandom priorRng, int localSteps) {
        CodeFeedback f = codeFeedback(encoder.generate(x.x()), x.labels(), priorRng, localSteps);
        encoderStep(x.x(), f.gradient());
        return new double[] {f.dLoss(), f.gLoss()};
    }

    /**
     * The code discriminator's half of the regularization phase: {@code localSteps} steps on fresh
     * prior draws (its real samples) against {@code codes} (its generated samples, with their
     * {@code labels} under labelled-mixture), then the gradient of the objective's generator loss (a
     * mean over the rows) with respect to the codes. MD-GAN's driver runs this half on every worker's
     * codes at once.
     */
    public CodeFeedback codeFeedback(INDArray codes, int[] labels, GanRandom priorRng, int localSteps) {
        Batch fake = codeBatch(codes, labels);
        double dLoss = 0;
        for (int l = 0; l < localSteps; l++) {
            dLoss += codeDiscriminator.step(priorBatch(priorRng, codes.rows(), labels, codes.dataType()), fake) / localSteps;
        }
        Objective objective = codeDiscriminator.objective();
        Batch real = objective.generatorReadsReal() ? priorBatch(priorRng, codes.rows(), labels, codes.dataType()) : null;
        Discriminator.Feedback f = codeDiscriminator.feedback(fake, real);
        return new CodeFeedback(dLoss, f.generatorLoss(), codeColumns(f.gradient()));
    }

    /** What {@link #codeFeedback} returns: the mean code-discriminator loss, the encoder's adversarial loss and its gradient on the codes. */
    public record CodeFeedback(double dLoss, double gLoss, INDArray gradient) {}

    /**
     * The encoder's half of the regularization phase: one step of the encoder on data {@code x}
     * with {@code codeGradient} on its codes, with the regularization phase's own optimizer state
     * (see {@link PhaseOptimizer}).
     */
    public void encoderStep(INDArray x, INDArray codeGradient) {
        regularization.during(encoder.network(), () -> encoder.step(x, codeGradient));
    }

    /**
     * The reconstruction phase: L = mean over rows and coordinates of (dec(enc(x)) − x)², one step of
     * the decoder and one of the encoder (whose gradient is the decoder's input gradient, taken before
     * the decoder's step). Returns L before the steps.
     */
    public double reconstructionStep(INDArray x) {
        INDArray codes = encoder.generate(x);
        INDArray diff = decoder.generate(codes).sub(x);
        double loss = diff.norm2Number().doubleValue();
        loss = loss * loss / diff.length();
        INDArray grad = diff.muli(2.0 / diff.length());
        INDArray dCodes = decoder.stepWithInputGradient(codes, grad);
        encoder.step(x, dCodes);
        return loss;
    }

    /**
     * Puts the three networks into checkpoint {@code parts}: the decoder as the generator (with its
     * moving average), the code discriminator as the discriminator, the encoder; {@link #restored}
     * reads them back.
     */
    public void putNetworks(Map<String, io.sparkgan.core.checkpoint.CheckpointStore.PartWriter> parts) {
        Gan.putGenerator(parts, decoder);
        io.sparkgan.core.checkpoint.ModelParts.putNetwork(parts, io.sparkgan.core.checkpoint.ModelParts.DISCRIMINATOR, codeDiscriminator.network());
        io.sparkgan.core.checkpoint.ModelParts.putNetwork(parts, ENCODER_PART, encoder.network());
    }

    /**
     * The adversarial autoencoder of checkpoint {@code parts} (decoder as the generator with its
     * moving average, code discriminator with its extra state, encoder), shaped and configured as
     * this one, which it replaces; the regularization-phase optimizer state starts fresh
     * ({@link #restoreOptimizerState} restores it where a checkpoint keeps it).
     *
     * @throws io.sparkgan.core.train.CheckpointMismatchException when a network does not fit this configuration
     */
    public AdversarialAutoencoder restored(GanConfig c, Map<String, byte[]> parts, int dataDim) {
        MultiLayerNetwork dec = io.sparkgan.core.checkpoint.ModelParts.network(parts, io.sparkgan.core.checkpoint.ModelParts.GENERATOR);
        MultiLayerNetwork dn = io.sparkgan.core.checkpoint.ModelParts.network(parts, io.sparkgan.core.checkpoint.ModelParts.DISCRIMINATOR);
        MultiLayerNetwork en = io.sparkgan.core.checkpoint.ModelParts.network(parts, ENCODER_PART);
        io.sparkgan.core.train.TrainingLoop.checkShape("decoder", decoder.network(), dec, null);
        io.sparkgan.core.train.TrainingLoop.checkShape("code discriminator", codeDiscriminator.network(), dn, c.getObjective());
        io.sparkgan.core.train.TrainingLoop.checkShape("encoder", encoder.network(), en, null);
        Generator restoredDecoder = Gan.restoredGenerator(c, dec, parts);
        Discriminator d = Gan.discriminator(c, dn, 0);
        io.sparkgan.core.checkpoint.ModelParts.restoreExtras(parts, io.sparkgan.core.checkpoint.ModelParts.DISCRIMINATOR, dn);
        return new AdversarialAutoencoder(encoder(c, en, dataDim), restoredDecoder, d, prior, classes);
    }

    /** Puts the encoder's regularization-phase optimizer state into checkpoint {@code parts}. */
    public void putOptimizerState(Map<String, io.sparkgan.core.checkpoint.CheckpointStore.PartWriter> parts) {
        io.sparkgan.core.checkpoint.ModelParts.putArrays(parts, REGULARIZATION_OPTIMIZER_PART, regularization.state());
    }

    /** Restores the encoder's regularization-phase optimizer state from checkpoint {@code parts}. */
    public void restoreOptimizerState(Map<String, byte[]> parts) {
        regularization.restore(io.sparkgan.core.checkpoint.ModelParts.arrays(parts, REGULARIZATION_OPTIMIZER_PART),
                "checkpoint part " + REGULARIZATION_OPTIMIZER_PART);
    }

    /** The encoder's regularization-phase optimizer state, as named arrays (live): what a swap moves beside the networks. */
    public Map<String, INDArray> regularizationState() {
        return regularization.state();
    }

    /** Overwrites the encoder's regularization-phase optimizer state with {@code state} ({@link #regularizationState}); {@code source} names it in errors. */
    public void restoreRegularizationState(Map<String, INDArray> state, String source) {
        regularization.restore(state, source);
    }

    /** Mean squared reconstruction error per coordinate of {@code x} in inference mode (no update). */
    public double reconstructionError(INDArray x) {
        INDArray diff = decoder.sample(encoder.sample(x)).subi(x);
        double n = diff.norm2Number().doubleValue();
        return n * n / diff.length();
    }

    /** The codes of {@code x} in inference mode. */
    public INDArray encode(INDArray x) {
        return encoder.sample(x);
    }

    /** Codes with the one-hot class beside them when the code discriminator reads one (label −1: zeros). */
    Batch codeBatch(INDArray codes, int[] labels) {
        if (classes == 0) {
            return Batch.of(codes);
        }
        INDArray onehot = Nd4j.zeros(codes.dataType(), codes.rows(), classes);
        for (int i = 0; labels != null && i < labels.length; i++) {
            if (labels[i] >= 0) {
                onehot.putScalar(i, labels[i], 1);
            }
        }
        return Batch.of(Nd4j.hstack(codes, onehot));
    }

    /**
     * {@code n} prior draws for a batch with {@code labels} (null: unlabelled): under labelled-mixture
     * row i comes from the component of its class (any component for −1) with the same one-hot beside
     * it as the code of row i, so the discriminator compares codes and prior class by class.
     */
    Batch priorBatch(GanRandom rng, int n, int[] labels, DataType dtype) {
        int[] components = classes == 0 ? null : labels;
        return codeBatch(Nd4j.create(prior.draw(rng, n, latentDim, components), new long[] {n, latentDim}, dtype), labels);
    }

    /** The first {@code latentDim} columns of a gradient on the code discriminator's input: the codes'. */
    private INDArray codeColumns(INDArray grad) {
        return classes == 0 ? grad : grad.get(NDArrayIndex.all(), NDArrayIndex.interval(0, latentDim)).dup('c');
    }
}
