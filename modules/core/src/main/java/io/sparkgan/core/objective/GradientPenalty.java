package io.sparkgan.core.objective;

import io.sparkgan.core.Batch;
import io.sparkgan.core.GanRandom;
import io.sparkgan.core.nn.Backprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * A penalty on the input gradient of D's score at random interpolates x̂ = αx + (1 - α)x̃ of real
 * and generated samples (α ~ U(0, 1) per pair):
 * <ul>
 *   <li>{@link Form#TWO_SIDED}: λ E[(‖∇ₓD(x̂)‖ - 1)²] (Gulrajani et al., NeurIPS 2017, eq. 3);
 *   <li>{@link Form#MAX}: λ (maxᵢ ‖∇ₓD(x̂ᵢ)‖)² (Zhou et al., Lipschitz GANs, ICML 2019, §6).
 * </ul>
 *
 * <p>Its gradient with respect to D's parameters θ needs a second derivative. With gᵢ = ∇ₓD(x̂ᵢ) and
 * vᵢ = ∂P/∂gᵢ held fixed, ∇θP = ∇θ Σᵢ vᵢ·gᵢ(θ) = d/dε ∇θ Σᵢ D(x̂ᵢ + εvᵢ) at ε = 0, which is computed as
 * the central difference [∇θ ΣD(x̂ + εV) - ∇θ ΣD(x̂ - εV)] / 2ε: two more ordinary passes of D, with
 * DL4J's own backward pass for any layer type (dense, convolutional). Its error is bounded by
 * (εmax‖vᵢ‖)²/6 times the third derivative of D along V plus a rounding error of about
 * u·|∇θD| / (ε max‖vᵢ‖) (u the unit roundoff); the displacement εmax‖vᵢ‖ is set to u^(1/3) times the
 * samples' scale, which balances the two (≈ 5e-3 in float, 6e-6 in double). For networks with
 * piecewise-linear activations (ReLU, leaky ReLU) ∇θD is piecewise affine in x, so the difference is
 * exact unless x̂ ± εV crosses a kink. {@code GradientPenaltyTest} checks it against finite
 * differences of the penalty itself in double precision, for MLP and convolutional D. Why not exact
 * double backpropagation: docs/benchmarks.md, "Gradient penalty".
 */
public final class GradientPenalty implements Regularizer {
    private static final long serialVersionUID = 1L;

    /** Which function of the input-gradient norms is penalised. */
    public enum Form { TWO_SIDED, MAX }

    private final Form form;
    private final double weight;

    public GradientPenalty(Form form, double weight) {
        this.form = form;
        this.weight = weight;
    }

    @Override
    public String name() {
        return form == Form.TWO_SIDED ? "gradient-penalty" : "max-gradient-penalty";
    }

    /** The interpolates of the first min(m, b) real and generated samples, α drawn from {@code rng}. */
    public static INDArray interpolates(Batch real, Batch fake, GanRandom rng) {
        int n = Math.min(real.rows(), fake.rows());
        INDArray xr = real.x().get(interval(0, n), all());
        INDArray xf = fake.x().get(interval(0, n), all());
        double[] alpha = new double[n];
        for (int i = 0; i < n; i++) {
            alpha[i] = rng.nextDouble();
        }
        INDArray a = Nd4j.create(alpha, new long[] {n, 1}, xr.dataType());
        return xr.mulColumnVector(a).addi(xf.mulColumnVector(a.rsub(1.0)));
    }

    @Override
    public double addGradient(MultiLayerNetwork d, Batch real, Batch fake, INDArray gradient, GanRandom rng) {
        INDArray xhat = interpolates(real, fake, rng);
        double[] v = new double[(int) xhat.length()];
        double value = valueAndDirection(d, xhat, v);
        addParamGradient(d, xhat, v, gradient);
        return value;
    }

    /** The penalty at {@code xhat}; puts ∂P/∂gᵢ, row-major [n, dim], into {@code direction}. */
    double valueAndDirection(MultiLayerNetwork d, INDArray xhat, double[] direction) {
        int n = (int) xhat.rows();
        int dim = (int) xhat.columns();
        Backprop.Forward f = Backprop.forward(d, xhat);
        double[] g = Backprop.backward(f, scoreSeed(f.output()), false, true).getSecond().castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] norm = new double[n];
        int argmax = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += g[i * dim + j] * g[i * dim + j];
            }
            norm[i] = Math.sqrt(s);
            if (norm[i] > norm[argmax]) {
                argmax = i;
            }
        }
        if (form == Form.MAX) {
            // d (λ‖g*‖²) / d g* = 2λ g*; the other rows do not enter the max.
            for (int j = 0; j < dim; j++) {
                direction[argmax * dim + j] = 2 * weight * g[argmax * dim + j];
            }
            return weight * norm[argmax] * norm[argmax];
        }
        double value = 0;
        for (int i = 0; i < n; i++) {
            value += weight * (norm[i] - 1) * (norm[i] - 1) / n;
            double c = norm[i] > 0 ? 2 * weight * (norm[i] - 1) / (n * norm[i]) : 0;
            for (int j = 0; j < dim; j++) {
                direction[i * dim + j] = c * g[i * dim + j];
            }
        }
        return value;
    }

    /** Adds ∇θ Σᵢ vᵢ·∇ₓD(x̂ᵢ) (v held fixed) into {@code gradient}, by the central difference above. */
    static void addParamGradient(MultiLayerNetwork d, INDArray xhat, double[] v, INDArray gradient) {
        double vmax = 0;
        int dim = (int) xhat.columns();
        for (int i = 0; i < xhat.rows(); i++) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += v[i * dim + j] * v[i * dim + j];
            }
            vmax = Math.max(vmax, Math.sqrt(s));
        }
        if (vmax == 0) {
            return;
        }
        DataType dt = xhat.dataType();
        double scale = Math.max(1.0, xhat.amaxNumber().doubleValue());
        double h = Math.cbrt(dt == DataType.DOUBLE ? 0x1p-53 : 0x1p-24) * scale;
        double eps = h / vmax;
        INDArray step = Nd4j.create(v, xhat.shape(), 'c').castTo(dt).muli(eps);
        INDArray plus = scoreParamGradient(d, xhat.add(step));
        INDArray minus = scoreParamGradient(d, xhat.sub(step));
        gradient.addi(plus.subi(minus).divi(2 * eps));
    }

    /** ∇θ Σᵢ D(xᵢ)₀, a copy. */
    static INDArray scoreParamGradient(MultiLayerNetwork d, INDArray x) {
        Backprop.Forward f = Backprop.forward(d, x);
        return Backprop.backward(f, scoreSeed(f.output()), true, false).getFirst().gradient().dup();
    }

    /** d Σᵢ D(xᵢ)₀ / d output: ones in the score column, zeros in any other (class logits). */
    static INDArray scoreSeed(INDArray out) {
        INDArray seed = Nd4j.zeros(out.dataType(), out.shape());
        seed.getColumn(0).assign(1);
        return seed;
    }
}
