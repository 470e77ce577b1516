package io.sparkgan.spark.ml;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgan.core.train.Evaluator;
import io.sparkgan.core.train.TrainingListener;
import io.sparkgan.spark.ShardPlan;
import io.sparkgan.spark.Shards;
import io.sparkgan.core.objective.Objectives;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.spark.strategy.Strategies;
import io.sparkgan.spark.strategy.StrategyContext;
import io.sparkgan.spark.strategy.StrategyResult;
import io.sparkgan.data.VectorFrames;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Trains a GAN on a DataFrame with a {@code features} vector column, with the strategy given by the
 * {@code strategy} param: {@code mdgan} (Hardy et al., IPDPS 2019), {@code flgan} (federated
 * averaging of both networks) or {@code standalone}. Follows Spark ML's conventions: typed params
 * with defaults and validators, {@link #transformSchema} checks the input before any data moves, and
 * {@link #fit} returns a {@link GanModel}, a Transformer that generates samples.
 *
 * <p>Param names are the configuration's property names ({@code batchSize}, {@code workers}, …);
 * {@link #toConfig()} turns them into a validated {@link StrategyConfig}. Progress, evaluation and
 * checkpoints are optional: {@link #setListener}, {@link #setEvaluator}, the {@code checkpointDir} param.
 *
 * <pre>{@code
 * GanModel model = new GanEstimator().setStrategy("mdgan").setWorkers(4).setIterations(2000).fit(frame);
 * Dataset<Row> samples = model.generate(spark, 1000, 7);
 * }</pre>
 */
public final class GanEstimator extends Estimator<GanModel> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The configuration's property names: one param each. */
    @SuppressWarnings("unchecked")
    private static final java.util.Set<String> CONFIG_KEYS = JSON.convertValue(new StrategyConfig(), Map.class).keySet();

    private final String uid;
    private transient TrainingListener listener = new TrainingListener() {};
    private transient Evaluator evaluator;

    private final Param<String> strategy;
    private final IntParam workers;
    private final IntParam k;
    private final IntParam swapEveryEpochs;
    private final IntParam averageEveryEpochs;
    private final IntParam averageEveryIterations;
    private final Param<String> exchange;
    private final Param<String> shards;
    private final IntParam workerTimeout;
    private final IntParam classes;
    private final LongParam seed;
    private final IntParam iterations;
    private final IntParam batchSize;
    private final IntParam localSteps;
    private final IntParam latentDim;
    private final Param<String> generator;
    private final Param<String> discriminator;
    private final Param<String> objective;
    private final DoubleParam generatorLr;
    private final DoubleParam discriminatorLr;
    private final DoubleParam beta1;
    private final DoubleParam beta2;
    private final IntParam logEvery;
    private final IntParam evalEvery;
    private final IntParam evalSamples;
    private final IntParam checkpointEvery;
    private final IntParam keepCheckpoints;
    private final Param<String> checkpointDir;
    private final BooleanParam resume;

    public GanEstimator() {
        this(Identifiable$.MODULE$.randomUID("ganEstimator"));
    }

    public GanEstimator(String uid) {
        this.uid = uid;
        strategy = new Param<>(this, "strategy", "how training is distributed: " + StrategyConfig.STRATEGIES,
                ParamValidators.inArray(StrategyConfig.STRATEGIES.toArray(new String[0])));
        workers = new IntParam(this, "workers", "number of workers (shards, one partition each)", ParamValidators.gtEq(1));
        k = new IntParam(this, "k", "MD-GAN generated batches per iteration; 0 = ceil(ln N), at least 1", ParamValidators.gtEq(0));
        swapEveryEpochs = new IntParam(this, "swapEveryEpochs", "MD-GAN: swap discriminators every E local epochs; 0 = never", ParamValidators.gtEq(0));
        averageEveryEpochs = new IntParam(this, "averageEveryEpochs", "FL-GAN: average every E local epochs", ParamValidators.gtEq(1));
        averageEveryIterations = new IntParam(this, "averageEveryIterations", "FL-GAN: average every this many local iterations (0 = use epochs)", ParamValidators.gtEq(0));
        exchange = new Param<>(this, "exchange", "MD-GAN: 'session' (a long-lived stage per segment) or 'job' (one Spark job per iteration)",
                ParamValidators.inArray(StrategyConfig.EXCHANGES.toArray(new String[0])));
        workerTimeout = new IntParam(this, "workerTimeout", "seconds to wait for workers' answers before their executor is taken for hung, killed and its workers restored elsewhere",
                ParamValidators.gtEq(1));
        shards = new Param<>(this, "shards", "how the data is split across workers: " + ShardPlan.MODES);
        classes = new IntParam(this, "classes", "classes a conditional objective (acgan) conditions on; 0 = from the data's labels", ParamValidators.gtEq(0));
        seed = new LongParam(this, "seed", "seed of every random draw");
        iterations = new IntParam(this, "iterations", "generator updates", ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "b: samples per batch", ParamValidators.gtEq(1));
        localSteps = new IntParam(this, "localSteps", "L: discriminator steps per generator update", ParamValidators.gtEq(1));
        latentDim = new IntParam(this, "latentDim", "dimension of the latent codes", ParamValidators.gtEq(1));
        generator = new Param<>(this, "generator", "generator network, kind:w1,w2[:activation[:output-activation]]");
        discriminator = new Param<>(this, "discriminator", "discriminator network, kind:w1,w2[:activation]");
        objective = new Param<>(this, "objective", "GAN objective");
        generatorLr = new DoubleParam(this, "generatorLr", "generator Adam learning rate", ParamValidators.gt(0));
        discriminatorLr = new DoubleParam(this, "discriminatorLr", "discriminator Adam learning rate", ParamValidators.gt(0));
        beta1 = new DoubleParam(this, "beta1", "Adam beta1", ParamValidators.inRange(0, 1, true, false));
        beta2 = new DoubleParam(this, "beta2", "Adam beta2", ParamValidators.inRange(0, 1, true, false));
        logEvery = new IntParam(this, "logEvery", "iterations between logged rows", ParamValidators.gtEq(1));
        evalEvery = new IntParam(this, "evalEvery", "iterations between evaluations", ParamValidators.gtEq(1));
        evalSamples = new IntParam(this, "evalSamples", "generated samples per evaluation", ParamValidators.gtEq(1));
        checkpointEvery = new IntParam(this, "checkpointEvery", "iterations between checkpoints", ParamValidators.gtEq(1));
        keepCheckpoints = new IntParam(this, "keepCheckpoints", "checkpoints kept", ParamValidators.gtEq(1));
        checkpointDir = new Param<>(this, "checkpointDir", "Hadoop FileSystem folder for checkpoints (empty: none)");
        resume = new BooleanParam(this, "resume", "continue from the latest checkpoint in checkpointDir");
        setFromConfig(new StrategyConfig(), true);
        setDefault(checkpointDir, "");
        setDefault(resume, false);
    }

    /** Sets every configuration param from {@code config} (as defaults when {@code asDefaults}). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private GanEstimator setFromConfig(StrategyConfig config, boolean asDefaults) {
        Map<String, Object> values = JSON.convertValue(config, Map.class);
        for (String name : CONFIG_KEYS) {
            Param p = getParam(name);
            Object v = values.get(name);
            if (p instanceof LongParam) {
                v = ((Number) v).longValue();
            } else if (p instanceof DoubleParam) {
                v = ((Number) v).doubleValue();
            } else if (p instanceof IntParam) {
                v = ((Number) v).intValue();
            } else {
                v = String.valueOf(v);
            }
            if (asDefaults) {
                setDefault(p, v);
            } else {
                set(p, v);
            }
        }
        return this;
    }

    /** Sets every param from {@code config}. */
    public GanEstimator setConfig(StrategyConfig config) {
        return setFromConfig(config, false);
    }

    /** The params as a validated configuration; the message names the first bad value. */
    public StrategyConfig toConfig() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String name : CONFIG_KEYS) {
            values.put(name, $(getParam(name)));
        }
        StrategyConfig c = JSON.convertValue(values, StrategyConfig.class);
        c.validate();
        return c;
    }
    @Override
    public StructType transformSchema(StructType schema) {
        VectorFrames.validateSchema(schema);
        toConfig();
        return schema;
    }

    @Override
    public GanModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        StrategyConfig c = toConfig();
        @SuppressWarnings("unchecked")
        Dataset<Row> frame = (Dataset<Row>) dataset;
        Shards shards = Shards.build(frame, c.getWorkers(), c.getSeed(), c.getShards());
        try {
            long[][] histogram = shards.histogram();
            if (Objectives.conditional(c.getObjective())) {
                int dataClasses = histogram.length == 0 ? 0 : histogram[0].length;
                if (!shards.labelled()) {
                    throw new IllegalArgumentException("objective " + c.getObjective() + " needs labelled data (a 'label' column); this data has none");
                }
                if (c.getClasses() == 0) {
                    c.setClasses(dataClasses);
                } else if (c.getClasses() < dataClasses) {
                    throw new IllegalArgumentException("classes is " + c.getClasses() + " but the data has labels up to " + (dataClasses - 1));
                }
            }
            listener.onShards(shards.mode(), shards.sizes(), histogram);
            String ckpt = (String) $(checkpointDir);
            StrategyContext ctx = new StrategyContext(c, shards, JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()),
                    evaluator, listener, ckpt.isEmpty() ? null : ckpt, (Boolean) $(resume), DataType.FLOAT);
            StrategyResult r = Strategies.byName(c.getStrategy()).train(ctx);
            return new GanModel(uid, r.generator().network(), c, Summary.of(r, shards)).setParent(this);
        } finally {
            shards.release();
        }
    }

    @Override
    public GanEstimator copy(ParamMap extra) {
        GanEstimator e = defaultCopy(extra);
        e.listener = listener;
        e.evaluator = evaluator;
        return e;
    }

    @Override
    public String uid() {
        return uid;
    }

    public GanEstimator setListener(TrainingListener listener) {
        this.listener = listener;
        return this;
    }

    public GanEstimator setEvaluator(Evaluator evaluator) {
        this.evaluator = evaluator;
        return this;
    }

    // Spark ML finds params through public no-argument methods returning them.
    public Param<String> strategy() { return strategy; }
    public IntParam workers() { return workers; }
    public IntParam k() { return k; }
    public IntParam swapEveryEpochs() { return swapEveryEpochs; }
    public IntParam averageEveryEpochs() { return averageEveryEpochs; }
    public IntParam averageEveryIterations() { return averageEveryIterations; }
    public Param<String> exchange() { return exchange; }
    public Param<String> shards() { return shards; }
    public IntParam workerTimeout() { return workerTimeout; }
    public IntParam classes() { return classes; }
    public LongParam seed() { return seed; }
    public IntParam iterations() { return iterations; }
    public IntParam batchSize() { return batchSize; }
    public IntParam localSteps() { return localSteps; }
    public IntParam latentDim() { return latentDim; }
    public Param<String> generator() { return generator; }
    public Param<String> discriminator() { return discriminator; }
    public Param<String> objective() { return objective; }
    public DoubleParam generatorLr() { return generatorLr; }
    public DoubleParam discriminatorLr() { return discriminatorLr; }
    public DoubleParam beta1() { return beta1; }
    public DoubleParam beta2() { return beta2; }
    public IntParam logEvery() { return logEvery; }
    public IntParam evalEvery() { return evalEvery; }
    public IntParam evalSamples() { return evalSamples; }
    public IntParam checkpointEvery() { return checkpointEvery; }
    public IntParam keepCheckpoints() { return keepCheckpoints; }
    public Param<String> checkpointDir() { return checkpointDir; }
    public BooleanParam resume() { return resume; }

    public GanEstimator setStrategy(String v) { set(strategy, v); return this; }
    public GanEstimator setWorkers(int v) { set(workers, v); return this; }
    public GanEstimator setK(int v) { set(k, v); return this; }
    public GanEstimator setSwapEveryEpochs(int v) { set(swapEveryEpochs, v); return this; }
    public GanEstimator setAverageEveryEpochs(int v) { set(averageEveryEpochs, v); return this; }
    public GanEstimator setAverageEveryIterations(int v) { set(averageEveryIterations, v); return this; }
    public GanEstimator setExchange(String v) { set(exchange, v); return this; }
    public GanEstimator setShards(String v) { set(shards, v); return this; }
    public GanEstimator setWorkerTimeout(int v) { set(workerTimeout, v); return this; }
    public GanEstimator setClasses(int v) { set(classes, v); return this; }
    public GanEstimator setSeed(long v) { set(seed, v); return this; }
    public GanEstimator setIterations(int v) { set(iterations, v); return this; }
    public GanEstimator setBatchSize(int v) { set(batchSize, v); return this; }
    public GanEstimator setLocalSteps(int v) { set(localSteps, v); return this; }
    public GanEstimator setLatentDim(int v) { set(latentDim, v); return this; }
    public GanEstimator setGenerator(String v) { set(generator, v); return this; }
    public GanEstimator setDiscriminator(String v) { set(discriminator, v); return this; }
    public GanEstimator setObjective(String v) { set(objective, v); return this; }
    public GanEstimator setGeneratorLr(double v) { set(generatorLr, v); return this; }
    public GanEstimator setDiscriminatorLr(double v) { set(discriminatorLr, v); return this; }
    public GanEstimator setEvalEvery(int v) { set(evalEvery, v); return this; }
    public GanEstimator setLogEvery(int v) { set(logEvery, v); return this; }
    public GanEstimator setCheckpointEvery(int v) { set(checkpointEvery, v); return this; }
    public GanEstimator setCheckpointDir(String v) { set(checkpointDir, v); return this; }
    public GanEstimator setResume(boolean v) { set(resume, v); return this; }
}
