package io.sparkgan.core.nn;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * State of a network which is neither a trained parameter nor optimizer state, e.g. spectral
 * normalisation's power-iteration vectors (Miyato et al., ICLR 2018). Such state must move wherever
 * the network's parameters move (MD-GAN swaps, FL-GAN averaging, checkpoints), so the model-state
 * unit of the distributed runtime and the checkpoint parts collect it through {@link #of}: from
 * every layer that implements this interface, and from every holder {@linkplain #attach attached}
 * to the network object.
 *
 * <p>Why attachment: a DL4J layer can only gain state through a custom layer class, whose
 * configuration class would then be named in every model zip's JSON (and need a place on
 * {@link io.sparkgan.core.checkpoint.ConfigurationClasses}' allow-list) and would lose
 * {@link Backprop}'s dense fast path. A holder attached to the network keeps the networks plain DL4J
 * ones, and every function that moves a network ({@code ModelState.of(net)}, {@code putNetwork},
 * FL-GAN's sums) finds the holder from the network alone. The attachment is weak: it goes when the
 * network goes.
 */
public interface ExtraState {
    /**
     * The extra arrays by name; live views, written in place when state arrives. A layer's names are
     * prefixed with its index by {@link #of}; an attached holder names its arrays in full
     * ({@code <layer index>/<name>} by convention).
     */
    Map<String, INDArray> extraState();

    /**
     * Attaches {@code holder} to {@code net}: {@link #of(MultiLayerNetwork)} includes its arrays from
     * now on. A network holds at most one holder of each class (spectral normalisation's vectors,
     * historical averaging's mean, ...); attaching one of the same class again replaces it.
     */
    static void attach(MultiLayerNetwork net, ExtraState holder) {
        Attached.put(net, holder);
    }

    /** The holder of class {@code type} attached to {@code net}, or null. */
    static <T extends ExtraState> T attached(MultiLayerNetwork net, Class<T> type) {
        for (ExtraState h : Attached.get(net)) {
            if (type.isInstance(h)) {
                return type.cast(h);
            }
        }
        return null;
    }

    /** Every holder attached to {@code net}, in the order they were attached. */
    static List<ExtraState> attached(MultiLayerNetwork net) {
        return Attached.get(net);
    }

    /**
     * Every extra array of {@code net}, live: those of layers implementing this interface (keyed
     * {@code <layer index>/<name>}), then those of its attached holder. Empty for a network without
     * extra state.
     */
    static Map<String, INDArray> of(MultiLayerNetwork net) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] instanceof ExtraState s) {
                int index = i;
                s.extraState().forEach((k, v) -> out.put(index + "/" + k, v));
            }
        }
        for (ExtraState holder : attached(net)) {
            holder.extraState().forEach((k, v) -> {
                if (out.put(k, v) != null) {
                    throw new IllegalStateException("extra state '" + k + "' is held twice");
                }
            });
        }
        return out;
    }
}

/**
 * The attachments, by identity of the network: {@code MultiLayerNetwork.equals} compares
 * parameters, so a {@code WeakHashMap} could confuse two networks. A JVM holds a few networks,
 * so a list scanned under a lock is enough.
 */
final class Attached {
    private static final List<Object[]> ENTRIES = new ArrayList<>();

    private Attached() {}

    static synchronized void put(MultiLayerNetwork net, ExtraState holder) {
        ENTRIES.removeIf(e -> {
            Object held = ((WeakReference<?>) e[0]).get();
            return held == null || (held == net && e[1].getClass() == holder.getClass());
        });
        ENTRIES.add(new Object[] {new WeakReference<>(net), holder});
    }

    static synchronized List<ExtraState> get(MultiLayerNetwork net) {
        List<ExtraState> out = new ArrayList<>(2);
        for (Iterator<Object[]> it = ENTRIES.iterator(); it.hasNext();) {
            Object[] e = it.next();
            Object held = ((WeakReference<?>) e[0]).get();
            if (held == null) {
                it.remove();
            } else if (held == net) {
                out.add((ExtraState) e[1]);
            }
        }
        return out;
    }
}
