package io.sparkgan.spark.ml;

import io.sparkgan.core.config.Setting;
import java.util.ArrayList;
import java.util.List;
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

    private final String uid;
    private transient TrainingListener listener = new TrainingListener() {};
    private transient Evaluator evaluator;

    /** One param per configuration {@link Setting}, derived from its declaration (name in camel case, doc, validator). */
    private final Map<String, Param<?>> settingParams = new LinkedHashMap<>();
    private final Param<String> checkpointDir;
    private final BooleanParam resume;
    private final Param<?>[] params;

    public GanEstimator() {
        this(Identifiable$.MODULE$.randomUID("ganEstimator"));
    }

    public GanEstimator(String uid) {
        this.uid = uid;
        StrategyConfig defaults = new StrategyConfig();
        for (Setting<?> s : defaults.settings()) {
            Param<?> p = param(s);
            settingParams.put(s.name(), p);
        }
        checkpointDir = new Param<>(this, "checkpointDir", "Hadoop FileSystem folder for checkpoints (empty: none)");
        resume = new BooleanParam(this, "resume", "continue from the latest checkpoint in checkpointDir");
        List<Param<?>> all = new ArrayList<>(settingParams.values());
        all.add(checkpointDir);
        all.add(resume);
        all.sort(java.util.Comparator.comparing(Param::name));
        params = all.toArray(new Param<?>[0]);
        setFromConfig(defaults, true);
        setDefault(checkpointDir, "");
        setDefault(resume, false);
    }

    /** The Spark ML param of setting {@code s}: typed as the setting, checked by its validator. */
    private Param<?> param(Setting<?> s) {
        String doc = s.doc();
        SettingCheck check = new SettingCheck(s);
        Class<?> t = s.type();
        if (t == Integer.class) {
            return new IntParam(this, s.camelName(), doc, check);
        }
        if (t == Long.class) {
            return new LongParam(this, s.camelName(), doc, check);
        }
        if (t == Double.class) {
            return new DoubleParam(this, s.camelName(), doc, check);
        }
        if (t == Boolean.class) {
            return new BooleanParam(this, s.camelName(), doc);
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        scala.Function1<String, Object> textCheck = (scala.Function1) check;
        return new Param<String>(this, s.camelName(), doc, textCheck);
    }

    /** A setting's validator as a Spark ML param validator. */
    private static final class SettingCheck extends scala.runtime.AbstractFunction1<Object, Object> implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final Setting<?> setting;

        SettingCheck(Setting<?> setting) {
            this.setting = setting;
        }

        @Override
        public Object apply(Object value) {
            return problem(setting, value) == null;
        }

        private static <T> String problem(Setting<T> s, Object value) {
            try {
                return s.problem(s.fromValue(value));
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
    }

    /** Every param, sorted by name: one per configuration setting, plus checkpointDir and resume. */
    @Override
    public Param<?>[] params() {
        return params;
    }

    /** Sets every configuration param from {@code config} (as defaults when {@code asDefaults}). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private GanEstimator setFromConfig(StrategyConfig config, boolean asDefaults) {
        Map<String, Object> values = config.toMap();
        settingParams.forEach((name, p) -> {
            Object v = values.get(name);
            if (!(v instanceof Number || v instanceof Boolean)) {
                v = String.valueOf(v);
            }
            if (asDefaults) {
                setDefault((Param) p, v);
            } else {
                set((Param) p, v);
            }
        });
        return this;
    }

    /** Sets every param from {@code config}. */
    public GanEstimator setConfig(StrategyConfig config) {
        return setFromConfig(config, false);
    }

    /**
     * Sets the configuration setting called {@code key} (its YAML key, e.g. {@code beta2} or
     * {@code gp-weight}, or its param name, e.g. {@code gpWeight}); every setting is reachable this
     * way; the value is checked by the setting's validator, with its one-line message.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public GanEstimator setSetting(String key, Object value) {
        Setting<?> s = StrategyConfig.SETTINGS.stream().filter(x -> x.name().equals(key) || x.camelName().equals(key)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown setting '" + key + "'; expected one of " + new StrategyConfig().keys()));
        Param p = settingParams.get(s.name());
        Object v = value instanceof Number || value instanceof Boolean ? value : String.valueOf(value);
        // The setting's own one-line message, rather than Spark's "given invalid value".
        String problem = SettingCheck.problem(s, v);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (p instanceof LongParam && v instanceof Number n) {
            v = n.longValue();
        } else if (p instanceof DoubleParam && v instanceof Number n) {
            v = n.doubleValue();
        } else if (p instanceof IntParam && v instanceof Number n) {
            v = n.intValue();
        }
        set(p, v);
        return this;
    }

    /** The params as a validated configuration; the message names the first bad value. */
    public StrategyConfig toConfig() {
        StrategyConfig c = new StrategyConfig();
        // Only what was set: a setting left alone takes the configuration's default, which the
        // objective may choose (WGAN-GP's 5 critic steps, say).
        settingParams.forEach((name, p) -> {
            if (isSet(p)) {
                c.put(name, $(p));
            }
        });
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
        boolean semiSupervised = Objectives.reads(c.getObjective(), io.sparkgan.core.objective.SemiSupervised.LABELLED_PER_CLASS);
        if (semiSupervised && ((String) $(checkpointDir)).isEmpty()) {
            // MD-GAN's discriminators live on the workers: the classifier is read from their final checkpoints.
            throw new IllegalArgumentException("objective semi-supervised needs checkpointDir: its classifier is read from the final checkpoint");
        }
        boolean autoencoder = io.sparkgan.core.aae.AdversarialAutoencoder.on(c);
        if (autoencoder && ((String) $(checkpointDir)).isEmpty()) {
            throw new IllegalArgumentException("autoencoder " + c.get(io.sparkgan.core.aae.AdversarialAutoencoder.AUTOENCODER)
                    + " needs checkpointDir: its encoder is read from the final checkpoint");
        }
        // A semi-supervised run keeps a few labels per class and hides the rest before the split.
        int labelledPerClass = Objectives.reads(c.getObjective(), io.sparkgan.core.objective.SemiSupervised.LABELLED_PER_CLASS)
                ? c.get(io.sparkgan.core.objective.SemiSupervised.LABELLED_PER_CLASS) : 0;
        Shards shards = Shards.build(frame, c.getWorkers(), c.getSeed(), c.getShards(), labelledPerClass);
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
            // A semi-supervised run's classifier is its final discriminators, which every strategy checkpoints at the end.
            List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> classifier = List.of();
            byte[] encoder = null;
            if (semiSupervised || autoencoder) {
                org.apache.hadoop.conf.Configuration hadoop = dataset.sparkSession().sparkContext().hadoopConfiguration();
                Map<String, byte[]> parts = new io.sparkgan.core.checkpoint.CheckpointStore(ckpt, hadoop).load(r.iteration());
                if (semiSupervised) {
                    classifier = Strategies.byName(c.getStrategy()).discriminators(c, parts, ckpt, r.iteration(), hadoop);
                }
                // Every strategy's final driver checkpoint holds the exported decoder's encoder (MD-GAN: autoencoder 0's, fetched).
                encoder = parts.get(io.sparkgan.core.aae.AdversarialAutoencoder.ENCODER_PART);
            }
            return new GanModel(uid, r.generator(), c, Summary.of(r, shards), classifier, encoder).setParent(this);
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

    /** The param of setting {@code key} (its YAML key). */
    public Param<?> param(String key) {
        return settingParams.get(key);
    }

    public Param<String> checkpointDir() { return checkpointDir; }
    public BooleanParam resume() { return resume; }

    // Typed setters of the most used settings; every setting also has set(key, value).
    public GanEstimator setStrategy(String v) { return setSetting("strategy", v); }
    public GanEstimator setWorkers(int v) { return setSetting("workers", v); }
    public GanEstimator setK(int v) { return setSetting("k", v); }
    public GanEstimator setSwapEveryEpochs(int v) { return setSetting("swap-every-epochs", v); }
    public GanEstimator setAverageEveryEpochs(int v) { return setSetting("average-every-epochs", v); }
    public GanEstimator setAverageEveryIterations(int v) { return setSetting("average-every-iterations", v); }
    public GanEstimator setExchange(String v) { return setSetting("exchange", v); }
    public GanEstimator setShards(String v) { return setSetting("shards", v); }
    public GanEstimator setWorkerTimeout(int v) { return setSetting("worker-timeout", v); }
    public GanEstimator setClasses(int v) { return setSetting("classes", v); }
    public GanEstimator setSeed(long v) { return setSetting("seed", v); }
    public GanEstimator setIterations(int v) { return setSetting("iterations", v); }
    public GanEstimator setBatchSize(int v) { return setSetting("batch-size", v); }
    public GanEstimator setLocalSteps(int v) { return setSetting("local-steps", v); }
    public GanEstimator setLatentDim(int v) { return setSetting("latent-dim", v); }
    public GanEstimator setGenerator(String v) { return setSetting("generator", v); }
    public GanEstimator setDiscriminator(String v) { return setSetting("discriminator", v); }
    public GanEstimator setObjective(String v) { return setSetting("objective", v); }
    public GanEstimator setGeneratorLr(double v) { return setSetting("generator-lr", v); }
    public GanEstimator setDiscriminatorLr(double v) { return setSetting("discriminator-lr", v); }
    public GanEstimator setEvalEvery(int v) { return setSetting("eval-every", v); }
    public GanEstimator setLogEvery(int v) { return setSetting("log-every", v); }
    public GanEstimator setCheckpointEvery(int v) { return setSetting("checkpoint-every", v); }
    public GanEstimator setCheckpointDir(String v) { set(checkpointDir, v); return this; }
    public GanEstimator setResume(boolean v) { set(resume, v); return this; }
}
