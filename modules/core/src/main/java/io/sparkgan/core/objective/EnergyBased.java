package io.sparkgan.core.objective;

import io.sparkgan.core.config.Setting;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The energy-based GAN (Zhao, Mathieu and LeCun, "Energy-based Generative Adversarial Network", ICLR
 * 2017; research note 004): the discriminator is an autoencoder and its energy is the reconstruction
 * error {@code D(x) = ‖Dec(Enc(x)) - x‖² / d}. D minimises {@code D(x) + [m - D(G(z))]⁺} (eq. 1), G
 * minimises {@code D(G(z)) + λ_PT · PT(S)} (eq. 2 plus §2.4), where S are the encoder codes of the
 * generated batch and the pull-away term
 * {@code PT(S) = 1/(N(N-1)) Σ_{i≠j} (SᵢᵀSⱼ / (‖Sᵢ‖‖Sⱼ‖))²} pushes them apart (fewer collapsed modes).
 *
 * <p>The autoencoder is any {@code mlp} discriminator: its output layer has the data's width (this
 * objective asks for it) and its narrowest hidden layer is the code, e.g. {@code mlp:128,32,128}.
 * In MD-GAN the feedback is the gradient of this L_G through the worker's autoencoder, pull-away
 * term included: through the decoder and encoder, directly through x in the reconstruction error,
 * and through the encoder from the codes.
 */
public final class EnergyBased implements Objective {
    private static final long serialVersionUID = 1L;

    public static final Setting<Double> MARGIN = Setting.number("ebgan-margin", 10,
            "ebgan: m, the margin of the generated samples' energy in D's loss [m - D(G(z))]⁺ (paper, MNIST: 10).").positive().scope("ebgan");
    public static final Setting<Double> PULL_AWAY = Setting.number("pt-weight", 0.1,
            "ebgan: λ_PT, weight of the pull-away term on the generated batch's codes (paper: 0.1).").nonNegative("no pull-away term").scope("ebgan");

    private final double margin;
    private final double pullAway;

    public EnergyBased(double margin, double pullAway) {
        this.margin = margin;
        this.pullAway = pullAway;
    }

    @Override
    public String name() {
        return "ebgan";
    }

    @Override
    public int discriminatorOutputs(int dataDim) {
        return dataDim;
    }

    @Override
    public Loss discriminatorLoss(Pass real, Pass fake) {
        double[] er = energies(real);
        double[] ef = energies(fake);
        int m = er.length;
        int b = ef.length;
        double value = 0;
        double[] wf = new double[b];
        for (double e : er) {
            value += e / m;
        }
        for (int i = 0; i < b; i++) {
            double hinge = margin - ef[i];
            value += Math.max(0, hinge) / b;
            wf[i] = hinge > 0 ? -1.0 / b : 0;
        }
        double[] wr = new double[m];
        java.util.Arrays.fill(wr, 1.0 / m);
        return new Loss(value, energyGrad(real, wr), energyGrad(fake, wf));
    }

    @Override
    public Loss generatorLoss(Pass fake) {
        double[] ef = energies(fake);
        int b = ef.length;
        double value = 0;
        for (double e : ef) {
            value += e / b;
        }
        double[] w = new double[b];
        java.util.Arrays.fill(w, 1.0 / b);
        INDArray outGrad = energyGrad(fake, w);
        // E depends on x directly too: d ‖out - x‖²/d / dx = -2(out - x)/d.
        INDArray inputGrad = outGrad.neg();
        if (pullAway == 0 || b < 2) {
            return new Loss(value, null, outGrad, inputGrad, -1, null);
        }
        int code = codeLayer(fake.forward().network());
        INDArray s = fake.layerOutput(code);
        double[] sGrad = new double[(int) s.length()];
        value += pullAway * pullAway(s.castTo(DataType.DOUBLE).toDoubleMatrix(), sGrad);
        for (int i = 0; i < sGrad.length; i++) {
            sGrad[i] *= pullAway;
        }
        return new Loss(value, null, outGrad, inputGrad, code, Nd4j.create(sGrad, s.shape(), 'c').castTo(s.dataType()));
    }

    @Override
    public Loss discriminatorLoss(INDArray realOut, int[] realLabels, INDArray fakeOut, int[] fakeLabels) {
        throw new UnsupportedOperationException("ebgan reads the samples as well as D's outputs");
    }

    @Override
    public Loss generatorLoss(INDArray fakeOut, int[] fakeLabels) {
        throw new UnsupportedOperationException("ebgan reads the samples as well as D's outputs");
    }

    /**
     * The energy DCD refinement descends: the reconstruction error ‖out − x‖²/d itself, which reads
     * the samples directly as well as through the autoencoder.
     */
    @Override
    public SampleEnergy energy(INDArray out, INDArray x) {
        INDArray diff = out.sub(x);
        double d = diff.columns();
        return new SampleEnergy(diff.castTo(DataType.DOUBLE).mul(diff.castTo(DataType.DOUBLE)).sum(1).div(d).toDoubleVector(),
                diff.mul(2 / d), diff.mul(-2 / d));
    }

    /** Per-sample energies ‖out - x‖² / d. */
    static double[] energies(Pass p) {
        INDArray diff = p.output().sub(p.input()).castTo(DataType.DOUBLE);
        double d = diff.columns();
        return diff.mul(diff).sum(1).div(d).toDoubleVector();
    }

    /** Σᵢ wᵢ ∇_out Eᵢ = wᵢ · 2(outᵢ - xᵢ)/d, row by row. */
    private static INDArray energyGrad(Pass p, double[] w) {
        INDArray diff = p.output().sub(p.input());
        INDArray weights = Nd4j.create(w, new long[] {w.length, 1}, diff.dataType()).muli(2.0 / diff.columns());
        return diff.muliColumnVector(weights);
    }

    /** The autoencoder's code: its narrowest hidden layer (the first, if several are as narrow). */
    static int codeLayer(MultiLayerNetwork net) {
        int code = -1;
        long narrowest = Long.MAX_VALUE;
        for (int i = 0; i < net.getnLayers() - 1; i++) {
            if (net.getLayerWiseConfigurations().getConf(i).getLayer() instanceof FeedForwardLayer ff && ff.getNOut() < narrowest) {
                narrowest = ff.getNOut();
                code = i;
            }
        }
        if (code < 0) {
            throw new IllegalArgumentException("ebgan needs a discriminator with at least one hidden layer (its code), e.g. mlp:128,32,128");
        }
        return code;
    }

    /**
     * The pull-away term of codes {@code s} [N, c]; puts dPT/dS, row-major, into {@code grad}. With
     * ŝ = s/‖s‖ and C = ŜŜᵀ, PT = (Σ_{i≠j} Cᵢⱼ²)/(N(N-1)) and dPT/dŝᵢ = 4/(N(N-1)) Σ_{j≠i} Cᵢⱼŝⱼ, which
     * the normalisation maps to dPT/dsᵢ = (I - ŝᵢŝᵢᵀ) dPT/dŝᵢ / ‖sᵢ‖.
     */
    static double pullAway(double[][] s, double[] grad) {
        int n = s.length;
        int c = s[0].length;
        double[][] u = new double[n][c];
        double[] norm = new double[n];
        for (int i = 0; i < n; i++) {
            double q = 0;
            for (double x : s[i]) {
                q += x * x;
            }
            norm[i] = Math.sqrt(q) + 1e-12;
            for (int k = 0; k < c; k++) {
                u[i][k] = s[i][k] / norm[i];
            }
        }
        double scale = 1.0 / ((double) n * (n - 1));
        double value = 0;
        for (int i = 0; i < n; i++) {
            double[] du = new double[c];
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                double cij = 0;
                for (int k = 0; k < c; k++) {
                    cij += u[i][k] * u[j][k];
                }
                value += cij * cij * scale;
                for (int k = 0; k < c; k++) {
                    du[k] += 4 * scale * cij * u[j][k];
                }
            }
            double radial = 0;
            for (int k = 0; k < c; k++) {
                radial += du[k] * u[i][k];
            }
            for (int k = 0; k < c; k++) {
                grad[i * c + k] = (du[k] - radial * u[i][k]) / norm[i];
            }
        }
        return value;
    }
}
