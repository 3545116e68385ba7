package dev.lstmspark.model.fused;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Contiguous off-heap memory of the network's data type (float or double) that OpenBLAS reads and writes, and
 * that the gate passes exchange with their {@code double[]} working arrays in bulk copies.
 *
 * <p>The gate arithmetic runs in Java on heap arrays, where loops are cheap and one code path serves both
 * precisions; GEMMs need native memory. Every exchange is one contiguous block or a few row blocks, never an
 * element-wise native call.
 */
final class NativeBuffer {

    /** Keeps the memory alive as long as this buffer is referenced; ND4J frees it when the array is collected. */
    private final INDArray owner;
    private final boolean single;
    private final FloatPointer floats;
    private final DoublePointer doubles;
    private final long length;
    /** Position of element 0 in the pointers, which this class moves for its own bulk copies only. */
    private final long base;
    /**
     * Elements a float buffer converts per JavaCPP copy (32 KB of floats). JavaCPP copies {@code float[]} <-> native
     * and the widening to double is a Java loop, so conversions go through a staging array; one of this fixed size
     * per thread, not one as long as the copy: a layer's outputs are a megabyte, and a fresh array that large per
     * call (a G1 humongous object) was the largest source of garbage in a training run's allocation profile.
     */
    static final int STAGING_CHUNK = 8192;
    private static final ThreadLocal<float[]> STAGING = ThreadLocal.withInitial(() -> new float[STAGING_CHUNK]);

    private NativeBuffer(INDArray owner, long length) {
        if (owner.dataType() != DataType.FLOAT && owner.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("fused recurrent layers compute in FLOAT or DOUBLE, not " + owner.dataType());
        }
        this.owner = owner;
        this.length = length;
        this.single = owner.dataType() == DataType.FLOAT;
        Pointer address = owner.data().addressPointer();
        this.floats = single ? new FloatPointer(address) : null;
        this.doubles = single ? null : new DoublePointer(address);
        this.base = address.position();
    }

    /** Uninitialized memory outside every workspace, so it outlives the iteration that allocated it. */
    static NativeBuffer allocate(DataType dataType, long length) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray array = Nd4j.createUninitialized(dataType, new long[] {Math.max(length, 1)}, 'c');
            return new NativeBuffer(array, array.length());
        }
    }

    /**
     * The memory of {@code array} itself, which must be dense in {@code order} (a parameter or gradient view in
     * Fortran order, or an array this package created in C order): writes go straight into it.
     */
    static NativeBuffer of(INDArray array, char order) {
        if (!isDense(array, order)) {
            throw new IllegalStateException("expected a dense '" + order + "' array, got shape "
                    + java.util.Arrays.toString(array.shape()) + " strides " + java.util.Arrays.toString(array.stride()));
        }
        return new NativeBuffer(array, array.length());
    }

    /** Whether the elements are consecutive in memory in {@code order}; dimensions of size 1 have no stride to check. */
    static boolean isDense(INDArray array, char order) {
        long[] shape = array.shape();
        long[] stride = array.stride();
        long expected = 1;
        for (int i = 0; i < shape.length; i++) {
            int d = order == 'c' ? shape.length - 1 - i : i;
            if (shape[d] != 1) {
                if (stride[d] != expected) {
                    return false;
                }
                expected *= shape[d];
            }
        }
        return true;
    }

    /**
     * The memory under {@code array}, whose elements the caller has checked to occupy exactly the {@code length}
     * consecutive elements from its first one (a permuted view of a dense array, such as this package's outputs).
     */
    static NativeBuffer ofLayout(INDArray array, long length) {
        return new NativeBuffer(array, length);
    }

    INDArray array() {
        return owner;
    }

    long length() {
        return length;
    }

    /** A pointer at element {@code offset}, for one BLAS call (a fresh object: several operands may share memory). */
    Pointer at(long offset) {
        check(offset, 0);
        return single ? new FloatPointer(floats).position(base + offset) : new DoublePointer(doubles).position(base + offset);
    }

    /** Fails unless a {@code rows x cols} row-major matrix with leading dimension {@code ld} at {@code offset} fits. */
    void requireMatrix(long offset, int rows, int cols, int ld) {
        if (rows > 0 && cols > 0) {
            check(offset, (long) (rows - 1) * ld + cols);
        }
    }

    boolean isFloat() {
        return single;
    }

    /** {@code len} elements from {@code from} into {@code dst[dstOff ..]}. */
    void read(long from, double[] dst, int dstOff, int len) {
        check(from, len);
        if (single) {
            float[] s = STAGING.get();
            for (int done = 0; done < len; done += STAGING_CHUNK) {
                int n = Math.min(STAGING_CHUNK, len - done);
                floats.position(base + from + done).get(s, 0, n);
                for (int i = 0; i < n; i++) {
                    dst[dstOff + done + i] = s[i];
                }
            }
        } else {
            doubles.position(base + from).get(dst, dstOff, len);
        }
    }

    /** {@code len} elements of a float buffer from {@code from} into {@code dst[dstOff ..]}, as they are. */
    void read(long from, float[] dst, int dstOff, int len) {
        check(from, len);
        if (!single) {
            throw new IllegalStateException("a double buffer read into floats");
        }
        floats.position(base + from).get(dst, dstOff, len);
    }

    /** {@code src[srcOff .. srcOff + len)} to elements from {@code to}, rounded to float for a float buffer. */
    void write(double[] src, int srcOff, long to, int len) {
        check(to, len);
        if (single) {
            float[] s = STAGING.get();
            for (int done = 0; done < len; done += STAGING_CHUNK) {
                int n = Math.min(STAGING_CHUNK, len - done);
                for (int i = 0; i < n; i++) {
                    s[i] = (float) src[srcOff + done + i];
                }
                floats.position(base + to + done).put(s, 0, n);
            }
        } else {
            doubles.position(base + to).put(src, srcOff, len);
        }
    }

    /**
     * {@code rows} blocks of {@code len} elements, {@code stride} apart here and {@code dstStride} apart in
     * {@code dst}: one column block of a row-major matrix.
     */
    void readRows(long from, int rows, int len, int stride, double[] dst, int dstOff, int dstStride) {
        for (int r = 0; r < rows; r++) {
            read(from + (long) r * stride, dst, dstOff + r * dstStride, len);
        }
    }

    /** The inverse of {@link #readRows}. */
    void writeRows(double[] src, int srcOff, int srcStride, long to, int rows, int len, int stride) {
        for (int r = 0; r < rows; r++) {
            write(src, srcOff + r * srcStride, to + (long) r * stride, len);
        }
    }

    private void check(long from, long len) {
        if (from < 0 || len < 0 || from + len > length) {
            throw new IndexOutOfBoundsException("elements [" + from + ", " + (from + len) + ") of a buffer of " + length);
        }
    }
}
