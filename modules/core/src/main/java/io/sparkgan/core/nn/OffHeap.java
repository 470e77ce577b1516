package io.sparkgan.core.nn;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * What the Java loops of the fast path ({@link Convolutions}, {@link Pooling}, {@link BatchNorm})
 * need from ND4J arrays: a row-major contiguous array, and its elements as a {@code java.nio}
 * buffer over the same off-heap memory (no copy), for bulk reads into heap arrays and writes back.
 */
final class OffHeap {
    private OffHeap() {}

    /** {@code x} itself if it is row-major with default strides, else a row-major copy. */
    static INDArray contiguous(INDArray x) {
        return x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) ? x : x.dup('c');
    }

    /** The elements of a contiguous float array, read and written in place. */
    static FloatBuffer floats(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }

    /** The elements of a contiguous double array, read and written in place. */
    static DoubleBuffer doubles(INDArray a) {
        return new DoublePointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }
}
