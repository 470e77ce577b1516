package io.sparkgan.core.refine;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The mean of several energies: E(x) = (1/K) Σ_k E_k(x), and its gradient the mean of theirs.
 * With MD-GAN's discriminators, one per worker, each judged against its own shard, this is a
 * refinement no single-discriminator system can offer: a sample is pulled towards where the
 * discriminators agree the data lies.
 */
public final class EnsembleEnergy implements Energy {
    private final List<Energy> members;

    public EnsembleEnergy(List<? extends Energy> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("an ensemble energy needs at least one member");
        }
        this.members = List.copyOf(members);
    }

    public List<Energy> members() {
        return members;
    }

    @Override
    public Evaluation evaluate(INDArray x) {
        double[] sum = null;
        INDArray grad = null;
        for (Energy m : members) {
            Evaluation e = m.evaluate(x);
            if (sum == null) {
                sum = e.values().clone();
                grad = e.gradient().dup();
            } else {
                add(sum, e.values());
                grad.addi(e.gradient());
            }
        }
        int k = members.size();
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= k;
        }
        return new Evaluation(sum, grad.divi(k));
    }

    @Override
    public double[] values(INDArray x) {
        double[] sum = null;
        for (Energy m : members) {
            double[] v = m.values(x);
            if (sum == null) {
                sum = v.clone();
            } else {
                add(sum, v);
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= members.size();
        }
        return sum;
    }

    private static void add(double[] into, double[] v) {
        if (v.length != into.length) {
            throw new IllegalArgumentException("members gave " + v.length + " and " + into.length + " energies for the same samples");
        }
        for (int i = 0; i < into.length; i++) {
            into[i] += v[i];
        }
    }
}
