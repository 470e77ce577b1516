package io.sparkgan.core.stabilizer;

import io.sparkgan.core.config.Setting;
import io.sparkgan.core.nn.ExtraState;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Historical averaging (Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016,
 * §3.3): every update of a network adds {@code λ‖θ − θ̄‖²} to its loss, θ̄ the mean of the
 * parameters after each of its past updates, {@code θ̄_t = (1/t) Σ_{i ≤ t} θ_i}. Inspired by
 * fictitious play, it damps the oscillations around an equilibrium that gradient descent on a game
 * can fall into. Both the generator (on the MD-GAN driver) and every discriminator (on its worker)
 * keep their own mean.
 *
 * <p>The mean and the count of updates are the network's {@linkplain ExtraState extra state}, so an
 * MD-GAN swap moves a discriminator's history with it, FL-GAN averages the histories with the
 * parameters, and checkpoints keep them. Batch normalisation's running statistics are parameters
 * to DL4J but are not trained; the penalty leaves them alone.
 */
public final class HistoricalAveraging implements Stabilizer {
    private static final long serialVersionUID = 1L;

    public static final Setting<Double> WEIGHT = Setting.number("history-weight", 0.001,
            "historical-averaging: λ, weight of the penalty λ‖θ − mean of past θ‖² on both networks' updates (the least harmful of 0.1, 0.01, 0.001 on grid25).").positive()
            .scope("historical-averaging");

    private final double weight;

    public HistoricalAveraging(double weight) {
        this.weight = weight;
    }

    @Override
    public String name() {
        return "historical-averaging";
    }

    @Override
    public void attachToGenerator(MultiLayerNetwork generator) {
        ExtraState.attach(generator, new History(generator, weight));
    }

    @Override
    public void attachToDiscriminator(MultiLayerNetwork discriminator) {
        ExtraState.attach(discriminator, new History(discriminator, weight));
    }

    /** The mean of past parameters of one network, and its penalty. */
    public static final class History implements ParameterPenalty {
        static final String MEAN = "history/mean";
        static final String COUNT = "history/count";

        private final double weight;
        private final INDArray mean;
        /** Updates folded into the mean so far, [1]. */
        private final INDArray count;
        /** 1 where a parameter is trained, 0 for batch normalisation's running statistics. */
        private final INDArray trained;

        History(MultiLayerNetwork net, double weight) {
            this.weight = weight;
            try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                INDArray p = net.params();
                this.mean = Nd4j.zeros(p.dataType(), p.length());
                this.count = Nd4j.zeros(p.dataType(), 1);
                this.trained = Nd4j.ones(p.dataType(), p.length());
                long offset = 0;
                for (Layer layer : net.getLayers()) {
                    for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                        long n = e.getValue().length();
                        if (layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization
                                && (e.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_MEAN)
                                || e.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_VAR)
                                || e.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD))) {
                            trained.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + n)).assign(0);
                        }
                        offset += n;
                    }
                }
            }
        }

        /** Updates folded into the mean. */
        public long updates() {
            return Math.round(count.getDouble(0));
        }

        /** The mean of the parameters after each past update, live. */
        public INDArray mean() {
            return mean;
        }

        @Override
        public Map<String, INDArray> extraState() {
            Map<String, INDArray> m = new LinkedHashMap<>();
            m.put(MEAN, mean);
            m.put(COUNT, count);
            return m;
        }

        @Override
        public double addGradient(MultiLayerNetwork net, INDArray gradient) {
            if (count.getDouble(0) == 0) {
                return 0; // no past yet
            }
            INDArray diff = net.params().reshape(mean.length()).sub(mean).muli(trained);
            double norm = diff.norm2Number().doubleValue();
            double value = weight * norm * norm;
            gradient.reshape(mean.length()).addi(diff.muli(2 * weight));
            return value;
        }

        @Override
        public void updated(MultiLayerNetwork net) {
            // θ̄ ← θ̄ + (θ − θ̄)/t, in place: the uniform mean of every update's parameters so far.
            double t = count.getDouble(0) + 1;
            count.putScalar(0, t);
            mean.addi(net.params().reshape(mean.length()).sub(mean).divi(t));
        }
    }
}
