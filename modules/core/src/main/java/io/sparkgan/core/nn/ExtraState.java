package io.sparkgan.core.nn;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer that carries state which is neither a trained parameter nor optimizer state, e.g.
 * spectral normalisation's power-iteration vectors (Miyato et al., ICLR 2018). Such state must
 * move wherever the network's parameters move (MD-GAN swaps, FL-GAN averaging, checkpoints), so
 * the model-state unit of the distributed runtime collects it from every layer that implements this.
 */
public interface ExtraState {
    /** The layer's extra arrays by name; live views, written in place when state arrives. */
    Map<String, INDArray> extraState();
}
