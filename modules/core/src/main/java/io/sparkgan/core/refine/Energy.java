package io.sparkgan.core.refine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An energy over samples: E(x) per sample, low where the model believes the data lies, and the
 * gradient of Σ_i E(x_i) with respect to the samples, which is what {@link Langevin} dynamics
 * follow. Since every sample's energy depends on that sample only, row i of the gradient is
 * ∇E(x_i).
 */
public interface Energy {
    /** The energies of the rows of {@code x} ([n, d]) and d Σ_i E(x_i) / d x ([n, d]). */
    Evaluation evaluate(INDArray x);

    /** The energies alone (no gradient). */
    default double[] values(INDArray x) {
        return evaluate(x).values();
    }

    /**
     * @param values E(x_i), one per row
     * @param gradient d Σ_i E(x_i) / d x, the shape of x
     */
    record Evaluation(double[] values, INDArray gradient) {}
}
