package io.sparkgan.metrics;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Fréchet Inception Distance (Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge
 * to a Local Nash Equilibrium", NeurIPS 2017): the Fréchet (2-Wasserstein) distance between the
 * Gaussians fitted to two sets of classifier features,
 * <pre>  d² = ‖μa − μb‖² + tr(Σa) + tr(Σb) − 2·tr((Σa Σb)^½)</pre>
 * Here the features come from our own evaluation classifier rather than Inception-v3, so values are
 * comparable only between runs that use the same classifier.
 *
 * <p>{@code tr((Σa Σb)^½)} is computed as the sum of the square roots of the eigenvalues of the
 * symmetric positive semi-definite matrix {@code Σa^½ Σb Σa^½}, which has the same eigenvalues as
 * {@code Σa Σb}: the symmetric eigensolver is stable where a general square root of the non-symmetric
 * product is not, and eigenvalues that rounding pushes slightly below zero are clamped to zero.
 */
public final class Fid {
    private Fid() {}

    /**
     * Mean, unbiased covariance (divided by n − 1) and row count of a feature set. The arrays are
     * shared, not copied: treat them as read-only.
     */
    public record FeatureStats(double[] mean, double[][] covariance, long count) {
        private static final int MAGIC = 0x53474653; // "SGFS"
        private static final int VERSION = 1;
        /** Bound on the dimension a stats file may claim, so a corrupt header fails fast instead of allocating gigabytes. */
        private static final int MAX_DIMENSION = 1 << 14;

        public FeatureStats {
            if (mean == null || mean.length == 0) {
                throw new IllegalArgumentException("feature statistics need a non-empty mean vector");
            }
            if (covariance == null || covariance.length != mean.length) {
                throw new IllegalArgumentException("the covariance has " + (covariance == null ? "no" : covariance.length)
                        + " rows; expected " + mean.length + " (the mean's dimension)");
            }
            for (int i = 0; i < covariance.length; i++) {
                if (covariance[i] == null || covariance[i].length != mean.length) {
                    throw new IllegalArgumentException("covariance row " + i + " has "
                            + (covariance[i] == null ? "no" : covariance[i].length) + " entries; expected " + mean.length);
                }
            }
            if (count < 2) {
                throw new IllegalArgumentException("feature statistics count " + count + " rows; expected at least 2 (the covariance divides by n - 1)");
            }
        }

        /** Statistics of {@code features} ([n][d], n ≥ 2), in one pass over centred rows. */
        public static FeatureStats of(float[][] features) {
            if (features.length == 0) {
                throw new IllegalArgumentException("no feature rows; expected at least 2");
            }
            return new Accumulator(features[0].length).add(features).stats();
        }

        public int dimension() {
            return mean.length;
        }

        /**
         * Writes a small binary form: a header, the mean and the upper triangle of the covariance, as
         * big-endian doubles, so a reload gives bit-identical statistics.
         */
        public void write(OutputStream out) throws IOException {
            DataOutputStream o = new DataOutputStream(new BufferedOutputStream(out));
            o.writeInt(MAGIC);
            o.writeInt(VERSION);
            o.writeInt(mean.length);
            o.writeLong(count);
            for (double m : mean) {
                o.writeDouble(m);
            }
            for (int i = 0; i < mean.length; i++) {
                for (int j = i; j < mean.length; j++) {
                    o.writeDouble(covariance[i][j]);
                }
            }
            o.flush();
        }

        /** Reads what {@link #write} wrote; a truncated or foreign stream fails with an IOException. */
        public static FeatureStats read(InputStream in) throws IOException {
            DataInputStream s = new DataInputStream(new BufferedInputStream(in));
            int magic = s.readInt();
            if (magic != MAGIC) {
                throw new IOException(String.format("not a feature-statistics file (header 0x%08x, expected 0x%08x)", magic, MAGIC));
            }
            int version = s.readInt();
            if (version != VERSION) {
                throw new IOException("feature-statistics format version " + version + " is unknown; expected " + VERSION);
            }
            int d = s.readInt();
            long count = s.readLong();
            if (d < 1 || d > MAX_DIMENSION || count < 2) {
                throw new IOException("corrupt feature-statistics header: dimension " + d + ", count " + count);
            }
            double[] mean = new double[d];
            for (int i = 0; i < d; i++) {
                mean[i] = s.readDouble();
            }
            double[][] cov = new double[d][d];
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    cov[i][j] = s.readDouble();
                    cov[j][i] = cov[i][j];
                }
            }
            return new FeatureStats(mean, cov, count);
        }
    }

    /**
     * Builds {@link FeatureStats} over batches, and merges partial results (from partitions or
     * threads) exactly as if all rows had been seen at once. Each batch contributes its mean and its
     * sum of products of rows centred on that mean; batches combine with the pairwise update of Chan,
     * Golub and LeVeque (1979). Summing raw products instead would cancel catastrophically when the
     * features' means are large next to their spread.
     */
    public static final class Accumulator implements Serializable {
        private static final long serialVersionUID = 1L;

        private final int dimension;
        private long count;
        private final double[] mean;
        /** Sum of centred outer products, lower triangle only (row i holds columns 0..i). */
        private final double[][] m2;

        public Accumulator(int dimension) {
            if (dimension < 1) {
                throw new IllegalArgumentException("feature dimension " + dimension + " is invalid; expected at least 1");
            }
            this.dimension = dimension;
            this.mean = new double[dimension];
            this.m2 = triangle(dimension);
        }

        public int dimension() {
            return dimension;
        }

        public long count() {
            return count;
        }

        /** Adds the rows of {@code batch} ([n][dimension]); returns this accumulator. */
        public Accumulator add(float[][] batch) {
            if (batch.length == 0) {
                return this;
            }
            double[] bm = new double[dimension];
            for (int r = 0; r < batch.length; r++) {
                float[] row = batch[r];
                if (row.length != dimension) {
                    throw new IllegalArgumentException("feature row " + r + " has dimension " + row.length + "; expected " + dimension);
                }
                for (int j = 0; j < dimension; j++) {
                    if (!Float.isFinite(row[j])) {
                        throw new IllegalArgumentException("feature row " + r + " holds a non-finite value (" + row[j] + ") at index " + j);
                    }
                    bm[j] += row[j];
                }
            }
            for (int j = 0; j < dimension; j++) {
                bm[j] /= batch.length;
            }
            double[][] bm2 = triangle(dimension);
            double[] c = new double[dimension];
            for (float[] row : batch) {
                for (int j = 0; j < dimension; j++) {
                    c[j] = row[j] - bm[j];
                }
                for (int i = 0; i < dimension; i++) {
                    double ci = c[i];
                    double[] t = bm2[i];
                    for (int j = 0; j <= i; j++) {
                        t[j] += ci * c[j];
                    }
                }
            }
            combine(batch.length, bm, bm2);
            return this;
        }

        /** Adds everything {@code other} has seen; returns this accumulator. */
        public Accumulator merge(Accumulator other) {
            if (other.dimension != dimension) {
                throw new IllegalArgumentException("cannot merge feature statistics of dimension " + other.dimension + " into dimension " + dimension);
            }
            if (other.count > 0) {
                combine(other.count, other.mean, other.m2);
            }
            return this;
        }

        private void combine(long nb, double[] mb, double[][] m2b) {
            long n = count + nb;
            double w = (double) count * nb / n;
            double[] delta = new double[dimension];
            for (int i = 0; i < dimension; i++) {
                delta[i] = mb[i] - mean[i];
            }
            for (int i = 0; i < dimension; i++) {
                double di = delta[i] * w;
                double[] t = m2[i];
                double[] tb = m2b[i];
                for (int j = 0; j <= i; j++) {
                    t[j] += tb[j] + di * delta[j];
                }
            }
            double f = (double) nb / n;
            for (int i = 0; i < dimension; i++) {
                mean[i] += delta[i] * f;
            }
            count = n;
        }

        /** The statistics of all rows added so far (at least 2). */
        public FeatureStats stats() {
            if (count < 2) {
                throw new IllegalArgumentException("feature statistics need at least 2 rows, got " + count);
            }
            double[][] cov = new double[dimension][dimension];
            for (int i = 0; i < dimension; i++) {
                for (int j = 0; j <= i; j++) {
                    cov[i][j] = m2[i][j] / (count - 1);
                    cov[j][i] = cov[i][j];
                }
            }
            return new FeatureStats(mean.clone(), cov, count);
        }

        private static double[][] triangle(int d) {
            double[][] t = new double[d][];
            for (int i = 0; i < d; i++) {
                t[i] = new double[i + 1];
            }
            return t;
        }
    }

    /** The Fréchet distance between the Gaussians {@code a} and {@code b} (symmetric in its arguments). */
    public static double distance(FeatureStats a, FeatureStats b) {
        return new Reference(a).distanceTo(b);
    }

    /**
     * A fixed side of the distance (the real data's statistics) with its eigendecomposition done once,
     * so that scoring many generated sets against it costs one eigendecomposition each instead of two.
     */
    public static final class Reference {
        private final FeatureStats stats;
        private final RealMatrix basis;
        private final RealMatrix basisT;
        private final double[] rootEigenvalues;
        private final double trace;

        public Reference(FeatureStats stats) {
            this.stats = stats;
            RealMatrix s = symmetric(stats.covariance());
            EigenDecomposition e = new EigenDecomposition(s);
            this.basis = e.getV();
            this.basisT = basis.transpose();
            this.rootEigenvalues = e.getRealEigenvalues();
            for (int i = 0; i < rootEigenvalues.length; i++) {
                rootEigenvalues[i] = Math.sqrt(Math.max(0, rootEigenvalues[i]));
            }
            this.trace = s.getTrace();
        }

        public FeatureStats stats() {
            return stats;
        }

        /** The Fréchet distance between this reference and {@code other}. */
        public double distanceTo(FeatureStats other) {
            int d = stats.dimension();
            if (other.dimension() != d) {
                throw new IllegalArgumentException("FID needs features of one dimension; got " + d + " and " + other.dimension());
            }
            double meanTerm = 0;
            for (int i = 0; i < d; i++) {
                double t = stats.mean()[i] - other.mean()[i];
                meanTerm += t * t;
            }
            RealMatrix sb = symmetric(other.covariance());
            // With Σa = V Λ Vᵀ, Σa^½ Σb Σa^½ = V (Λ^½ Vᵀ Σb V Λ^½) Vᵀ: the bracket is the same matrix in Σa's
            // eigenbasis, so it has the same eigenvalues and saves forming Σa^½ (one d³ product fewer).
            double[][] m = basisT.multiply(sb).multiply(basis).getData();
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    m[i][j] *= rootEigenvalues[i] * rootEigenvalues[j];
                }
            }
            double traceSqrt = 0;
            for (double e : new EigenDecomposition(symmetric(m)).getRealEigenvalues()) {
                traceSqrt += Math.sqrt(Math.max(0, e));
            }
            double fid = meanTerm + trace + sb.getTrace() - 2 * traceSqrt;
            // Mathematically ≥ 0; identical inputs can land a few ulps below zero.
            return Math.max(0, fid);
        }
    }

    /**
     * The matrix as commons-math sees it, with both triangles set to their average: the
     * eigensolver takes the symmetric (real, stable) path only for a matrix that is symmetric to
     * within a few ulps, and products like Vᵀ Σ V are symmetric only up to rounding.
     */
    private static RealMatrix symmetric(double[][] m) {
        int d = m.length;
        double[][] s = new double[d][d];
        for (int i = 0; i < d; i++) {
            s[i][i] = m[i][i];
            for (int j = 0; j < i; j++) {
                double avg = 0.5 * (m[i][j] + m[j][i]);
                s[i][j] = avg;
                s[j][i] = avg;
            }
        }
        return MatrixUtils.createRealMatrix(s);
    }
}
