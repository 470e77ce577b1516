package io.sparkgan.core.nn;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code C = α·op(A)·op(B) + β·C} handed straight to OpenBLAS's {@code cblas_?gemm}, the library
 * ND4J itself multiplies with, without ND4J's op machinery around the call.
 *
 * <p>Why: {@code Nd4j.gemm} builds an op context and shape descriptors for every call, 30–45 µs
 * here, which is more than the arithmetic of the small layers the default grid25 networks are made
 * of (a 512×128·128×1 product: 52 µs through ND4J, 24 µs direct; docs/benchmarks.md). Row- and
 * column-major operands and views (DL4J keeps weights and their gradients as column-major views of
 * one flat buffer) map onto cblas's layout and leading-dimension arguments; anything else (strided
 * views, mixed or other data types) goes through {@code Nd4j.gemm}.
 */
final class Gemm {
    private static final int ROW = 1;
    private static final int COL = 2;

    private Gemm() {}

    /** As {@code Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta)}, which it falls back to. */
    static void gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha, double beta) {
        DataType t = c.dataType();
        int la = layout(a);
        int lb = layout(b);
        int lc = layout(c);
        if (la == 0 || lb == 0 || lc == 0 || a.dataType() != t || b.dataType() != t
                || (t != DataType.FLOAT && t != DataType.DOUBLE) || c.length() == 0) {
            Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
            return;
        }
        int m = (int) c.rows();
        int n = (int) c.columns();
        int k = (int) (transposeA ? a.rows() : a.columns());
        if ((transposeA ? a.columns() : a.rows()) != m || (transposeB ? b.columns() : b.rows()) != k || (transposeB ? b.rows() : b.columns()) != n) {
            throw new IllegalArgumentException("gemm shapes do not match: " + java.util.Arrays.toString(a.shape()) + (transposeA ? "ᵀ" : "")
                    + " · " + java.util.Arrays.toString(b.shape()) + (transposeB ? "ᵀ" : "") + " -> " + java.util.Arrays.toString(c.shape()));
        }
        // cblas reads every matrix in C's layout; an operand stored the other way round is its own transpose.
        int order = lc == ROW ? openblas.CblasRowMajor : openblas.CblasColMajor;
        int opA = (transposeA ^ (la != lc)) ? openblas.CblasTrans : openblas.CblasNoTrans;
        int opB = (transposeB ^ (lb != lc)) ? openblas.CblasTrans : openblas.CblasNoTrans;
        int lda = ld(a, la);
        int ldb = ld(b, lb);
        int ldc = ld(c, lc);
        if (t == DataType.FLOAT) {
            openblas.cblas_sgemm(order, opA, opB, m, n, k, (float) alpha, new FloatPointer(a.data().addressPointer()), lda,
                    new FloatPointer(b.data().addressPointer()), ldb, (float) beta, new FloatPointer(c.data().addressPointer()), ldc);
        } else {
            openblas.cblas_dgemm(order, opA, opB, m, n, k, alpha, new DoublePointer(a.data().addressPointer()), lda,
                    new DoublePointer(b.data().addressPointer()), ldb, beta, new DoublePointer(c.data().addressPointer()), ldc);
        }
    }

    /** ROW if rows are contiguous, COL if columns are, 0 for other strides (or anything but a matrix). */
    static int layout(INDArray x) {
        if (x.rank() != 2) {
            return 0;
        }
        long r = x.rows();
        long c = x.columns();
        long s0 = x.stride(0);
        long s1 = x.stride(1);
        if ((s1 == 1 || c == 1) && (r == 1 || s0 >= c)) {
            return ROW;
        }
        if ((s0 == 1 || r == 1) && (c == 1 || s1 >= r)) {
            return COL;
        }
        return 0;
    }

    /** The leading dimension cblas expects: the stride between rows (ROW) or columns (COL), at least their length. */
    private static int ld(INDArray x, int layout) {
        return (int) (layout == ROW ? Math.max(x.rows() == 1 ? 1 : x.stride(0), Math.max(1, x.columns()))
                : Math.max(x.columns() == 1 ? 1 : x.stride(1), Math.max(1, x.rows())));
    }
}
