package io.sparkgan.core;

import io.sparkgan.core.nn.NetworkSpec;
import io.sparkgan.core.objective.Objectives;
import java.io.Serializable;

/**
 * The hyper-parameters every strategy shares: networks, objective, optimizer, batch sizes, budget,
 * and the run's seed. A mutable bean (fluent setters) so that a YAML file and command-line flags can
 * be layered onto the defaults; {@link #validate()} rejects bad values with one-line messages.
 *
 * <p>Vocabulary: an <em>iteration</em> is one generator update; each iteration performs
 * {@link #getLocalSteps() L} discriminator steps (MD-GAN's L).
 */
public class GanConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    // Defaults suit the embedded 2-D mixtures (measured on grid25, docs/benchmarks.md); image presets set their own.
    private long seed = 1;
    private int iterations = 5000;
    private int batchSize = 256;
    private int localSteps = 1;
    private int latentDim = 2;
    private NetworkSpec generator = NetworkSpec.mlp("relu", "identity", 128, 128, 128);
    private NetworkSpec discriminator = NetworkSpec.mlp("leakyrelu", "identity", 128, 128, 128);
    private String objective = "nonsaturating";
    /** Classes of the data a conditional objective (acgan) conditions on; 0 = taken from the data's labels. */
    private int classes = 0;
    private double generatorLr = 1e-3;
    private double discriminatorLr = 1e-3;
    private double beta1 = 0.5;
    private double beta2 = 0.999;
    private int logEvery = 10;
    private int evalEvery = 500;
    private int evalSamples = 2500;
    private int checkpointEvery = 1000;
    private int keepCheckpoints = 3;

    /** Throws IllegalArgumentException naming the first bad value and what is allowed. */
    public void validate() {
        positive("iterations", iterations);
        positive("batch-size", batchSize);
        positive("local-steps", localSteps);
        positive("latent-dim", latentDim);
        positive("log-every", logEvery);
        positive("eval-every", evalEvery);
        positive("eval-samples", evalSamples);
        positive("checkpoint-every", checkpointEvery);
        positive("keep-checkpoints", keepCheckpoints);
        positive("generator-lr", generatorLr);
        positive("discriminator-lr", discriminatorLr);
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        if (generator == null || discriminator == null) {
            throw new IllegalArgumentException("generator and discriminator networks must be given");
        }
        Objectives.validateName(objective);
        if (classes < 0) {
            throw new IllegalArgumentException("classes must be 0 (taken from the data) or positive, got " + classes);
        }
    }

    private static void positive(String name, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(name + " must be positive, got " + (value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value)));
        }
    }

    public long getSeed() { return seed; }
    public GanConfig setSeed(long seed) { this.seed = seed; return this; }
    public int getIterations() { return iterations; }
    public GanConfig setIterations(int iterations) { this.iterations = iterations; return this; }
    public int getBatchSize() { return batchSize; }
    public GanConfig setBatchSize(int batchSize) { this.batchSize = batchSize; return this; }
    public int getLocalSteps() { return localSteps; }
    public GanConfig setLocalSteps(int localSteps) { this.localSteps = localSteps; return this; }
    public int getLatentDim() { return latentDim; }
    public GanConfig setLatentDim(int latentDim) { this.latentDim = latentDim; return this; }
    public NetworkSpec getGenerator() { return generator; }
    public GanConfig setGenerator(NetworkSpec generator) { this.generator = generator; return this; }
    public NetworkSpec getDiscriminator() { return discriminator; }
    public GanConfig setDiscriminator(NetworkSpec discriminator) { this.discriminator = discriminator; return this; }
    public String getObjective() { return objective; }
    public GanConfig setObjective(String objective) { this.objective = objective; return this; }
    public int getClasses() { return classes; }
    public GanConfig setClasses(int classes) { this.classes = classes; return this; }
    public double getGeneratorLr() { return generatorLr; }
    public GanConfig setGeneratorLr(double generatorLr) { this.generatorLr = generatorLr; return this; }
    public double getDiscriminatorLr() { return discriminatorLr; }
    public GanConfig setDiscriminatorLr(double discriminatorLr) { this.discriminatorLr = discriminatorLr; return this; }
    public double getBeta1() { return beta1; }
    public GanConfig setBeta1(double beta1) { this.beta1 = beta1; return this; }
    public double getBeta2() { return beta2; }
    public GanConfig setBeta2(double beta2) { this.beta2 = beta2; return this; }
    public int getLogEvery() { return logEvery; }
    public GanConfig setLogEvery(int logEvery) { this.logEvery = logEvery; return this; }
    public int getEvalEvery() { return evalEvery; }
    public GanConfig setEvalEvery(int evalEvery) { this.evalEvery = evalEvery; return this; }
    public int getEvalSamples() { return evalSamples; }
    public GanConfig setEvalSamples(int evalSamples) { this.evalSamples = evalSamples; return this; }
    public int getCheckpointEvery() { return checkpointEvery; }
    public GanConfig setCheckpointEvery(int checkpointEvery) { this.checkpointEvery = checkpointEvery; return this; }
    public int getKeepCheckpoints() { return keepCheckpoints; }
    public GanConfig setKeepCheckpoints(int keepCheckpoints) { this.keepCheckpoints = keepCheckpoints; return this; }
}
