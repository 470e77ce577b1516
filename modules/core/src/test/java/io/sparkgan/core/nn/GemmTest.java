package io.sparkgan.core.nn;

import static io.sparkgan.core.FiniteDifferences.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The direct cblas path against ND4J's gemm, for every layout, transposition and kind of view Backprop hands it. */
class GemmTest {
    /** A [rows, cols] matrix in the given form, filled from {@code seed}. */
    private static INDArray matrix(long seed, int rows, int cols, String form, DataType t) {
        INDArray values = gaussian(seed, rows, cols, 1.0).castTo(t);
        return switch (form) {
            case "c" -> values.dup('c');
            case "f" -> values.dup('f');
            // A column-major view inside a flat buffer at an offset, as DL4J keeps weights and their gradients.
            case "flat-f" -> {
                INDArray flat = Nd4j.create(t, 1, 7 + rows * cols + 5);
                INDArray v = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(7, 7 + rows * cols)).reshape('f', rows, cols);
                v.assign(values);
                yield v;
            }
            // Rows 3.. of a wider row-major matrix: an offset and a leading dimension larger than the width.
            case "rows" -> {
                INDArray big = Nd4j.create(t, rows + 3, cols + 4);
                INDArray v = big.get(NDArrayIndex.interval(3, rows + 3), NDArrayIndex.interval(0, cols));
                v.assign(values);
                yield v;
            }
            default -> throw new IllegalArgumentException(form);
        };
    }

    @Test
    void everyLayoutAndTranspositionMatchesNd4j() {
        String[] forms = {"c", "f", "flat-f", "rows"};
        int checked = 0;
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] mkn : new int[][] {{5, 3, 4}, {1, 6, 3}, {6, 1, 5}, {4, 5, 1}, {7, 2, 9}}) {
                int m = mkn[0];
                int k = mkn[1];
                int n = mkn[2];
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        for (String fa : forms) {
                            for (String fb : forms) {
                                for (String fc : forms) {
                                    INDArray a = ta ? matrix(1, k, m, fa, t) : matrix(1, m, k, fa, t);
                                    INDArray b = tb ? matrix(2, n, k, fb, t) : matrix(2, k, n, fb, t);
                                    INDArray c = matrix(3, m, n, fc, t);
                                    INDArray expected = c.dup('c');
                                    Nd4j.gemm(a.dup('c'), b.dup('c'), expected, ta, tb, 0.7, 0.3);
                                    Gemm.gemm(a, b, c, ta, tb, 0.7, 0.3);
                                    String what = t + " " + m + "x" + k + "x" + n + " ta=" + ta + " tb=" + tb + " " + fa + "/" + fb + "/" + fc;
                                    assertTrue(expected.equalsWithEps(c, 1e-5), what + ": " + c + " vs " + expected);
                                    checked++;
                                }
                            }
                        }
                    }
                }
            }
        }
        assertEquals(2 * 5 * 4 * 64, checked);
    }

    @Test
    void layoutsAreRecognisedAndStridedViewsAreNot() {
        assertEquals(1, Gemm.layout(Nd4j.create(DataType.FLOAT, 3, 4)));
        assertEquals(2, Gemm.layout(Nd4j.create(DataType.FLOAT, new long[] {3, 4}, 'f')));
        // Every other column: neither rows nor columns are contiguous, so ND4J's gemm takes it.
        INDArray strided = Nd4j.create(DataType.FLOAT, 3, 8).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 8));
        assertEquals(0, Gemm.layout(strided));
        INDArray a = gaussian(4, 2, 3, 1.0).castTo(DataType.FLOAT);
        INDArray c = Nd4j.create(DataType.FLOAT, 2, 4);
        Gemm.gemm(a, strided.assign(gaussian(5, 3, 4, 1.0).castTo(DataType.FLOAT)), c, false, false, 1.0, 0.0);
        assertTrue(c.equalsWithEps(a.mmul(strided.dup()), 1e-5));
    }
}
