package io.sparkgan.core.nn;

import io.sparkgan.core.config.Setting;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A learning rate that decays over a network's planned updates, from α at the first to 0 after the
 * last: {@code linear}, α·(1 − t/T), the schedule of WGAN-GP's own CIFAR-10 experiments (Gulrajani et
 * al., "Improved Training of Wasserstein GANs", NeurIPS 2017), or {@code cosine}, α·(1 + cos(πt/T))/2
 * (Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017, without
 * restarts). With a start S ({@code lr-decay-start}), the rate holds at α for the first S updates and
 * decays over the rest: α·(1 − (t − S)/(T − S)) for {@code linear}, likewise for {@code cosine}.
 *
 * <p>Why: with a constant Adam step the grid25 generator oscillates around the modes instead of
 * settling on them (docs/results.md, "The grid25 target": 77.8 % high quality at 4,000 updates,
 * 66.6 % at 5,000). Decay shrinks the step as the budget ends.
 *
 * <p>T is the network's planned update count (the run's iterations for the generator, iterations × L
 * for a discriminator, under every strategy) and t the network's own update count, which
 * checkpoints, swaps and FL-GAN's averages keep. The rate is set on the network's Adam
 * configuration just before each step ({@link #setFor}), which both optimizer paths read, rather
 * than stored as a DL4J schedule: DL4J 1.0.0-M2.1's {@code PolySchedule} grows instead of decaying
 * (α·(1 + t/T) at t < T), and a schedule class of ours in a network's configuration would make
 * checkpoints name a class outside DL4J's, which their reader refuses. A resumed run builds its
 * decay from its configuration, so with more iterations it decays over the new total from where it
 * stands. A resumed run may also change the schedule ({@code lr-decay}, {@code lr-decay-start}) of the
 * updates it has not made: a run held at a constant rate can be resumed with a decay that starts at
 * its checkpoint, and then equals a run that had that schedule from the start (the rate of every update
 * before S is α under both), which is how a long run is annealed without being run again.
 *
 * @param kind {@code linear} or {@code cosine}
 * @param initial α, the rate of the first update
 * @param start S, the updates at the constant rate α before the decay begins (0: it begins at once)
 * @param total T, the planned updates; the rate is 0 from update T on
 */
public record LearningRateDecay(String kind, double initial, long start, long total) {
    /** The kinds, in the order {@code --help} lists them. */
    public static final List<String> KINDS = List.of("none", "linear", "cosine");

    public static final Setting<String> SETTING = Setting.oneOf("lr-decay", "none", KINDS,
            "Learning rate of both networks over the run: none (constant), linear or cosine (to 0 after the last update).");

    public static final Setting<Integer> START = Setting.integer("lr-decay-start", 0,
            "Iteration from which lr-decay decays the rate, constant before it (0: from the first update).")
            .nonNegative("decay from the first update");

    /**
     * The one-line problem with a configuration's schedule, or null: a start needs a decay and must
     * come before the last iteration.
     */
    public static String problem(String kind, int start, int iterations) {
        if (start > 0 && kind.equals("none")) {
            return "lr-decay-start " + start + " needs a decay; expected lr-decay linear or cosine, or lr-decay-start 0";
        }
        if (start > 0 && start >= iterations) {
            return "lr-decay-start " + start + " is not before the last iteration; expected less than iterations (" + iterations + ")";
        }
        return null;
    }

    public LearningRateDecay {
        if (!kind.equals("linear") && !kind.equals("cosine")) {
            throw new IllegalArgumentException("lr-decay '" + kind + "' is unknown; expected linear or cosine");
        }
        if (total < 1) {
            throw new IllegalArgumentException("lr-decay over " + total + " updates; expected at least 1");
        }
        if (start < 0 || start >= total) {
            throw new IllegalArgumentException("lr-decay from update " + start + " of " + total + "; expected 0 to " + (total - 1));
        }
    }

    /** A decay from the first update (start 0). */
    public LearningRateDecay(String kind, double initial, long total) {
        this(kind, initial, 0, total);
    }

    /** The decay of setting value {@code kind} from update {@code start} of {@code total}, or null for {@code none} (a constant rate). */
    public static LearningRateDecay of(String kind, double initial, long start, long total) {
        return kind.equals("none") ? null : new LearningRateDecay(kind, initial, start, total);
    }

    /** As {@link #of(String, double, long, long)} from the first update. */
    public static LearningRateDecay of(String kind, double initial, long total) {
        return of(kind, initial, 0, total);
    }

    /** The rate of update {@code t}, counted from 0. */
    public double at(long t) {
        if (t < start) {
            return initial;
        }
        // With start 0 this is t/T, as before the start existed, so earlier runs keep their rates bit for bit.
        double progress = Math.min(1.0, (t - start) / (double) (total - start));
        return kind.equals("linear") ? initial * (1 - progress) : initial * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    /** Sets the Adam rate of every layer of {@code net} to the rate of its next update. */
    public void setFor(MultiLayerNetwork net) {
        setRate(net, at(net.getLayerWiseConfigurations().getIterationCount()));
    }

    /**
     * Sets the learning rate of every Adam layer of {@code net}; layers with another optimizer are
     * left as they are. The updater blocks step with these very configuration objects (their
     * layers' own), and the optimizer state is untouched.
     */
    static void setRate(MultiLayerNetwork net, double rate) {
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer l = net.getLayerWiseConfigurations().getConf(i).getLayer();
            if (l instanceof BaseLayer b) {
                set(b.getIUpdater(), rate);
                set(b.getBiasUpdater(), rate);
            }
        }
    }

    private static void set(IUpdater u, double rate) {
        if (u instanceof Adam adam) {
            adam.setLrAndSchedule(rate, null);
        }
    }
}
