package dev.lstmspark.model.fused;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link NativeBuffer}'s bulk copies between the gate passes' {@code double[]} and float or double native memory. */
class NativeBufferTest {

    private static final int CHUNK = NativeBuffer.STAGING_CHUNK;

    @Test
    void floatCopiesRoundToFloatAcrossStagingChunks() {
        int length = 3 * CHUNK + 11;
        NativeBuffer buffer = NativeBuffer.allocate(DataType.FLOAT, length + 7);
        double[] source = new double[length + 5];
        for (int i = 0; i < source.length; i++) {
            source[i] = Math.sin(i) * 1e3 + 1.0 / 3;
        }
        // Offsets on both sides, so a chunk's position in the pointer and in the array are both exercised.
        buffer.write(source, 5, 7, length);
        double[] back = new double[length + 2];
        buffer.read(7, back, 2, length);
        for (int i = 0; i < length; i++) {
            assertEquals((float) source[5 + i], back[2 + i], 0.0, "element " + i);
        }
        float[] asFloats = new float[length];
        buffer.read(7, asFloats, 0, length);
        for (int i = 0; i < length; i++) {
            assertEquals((float) source[5 + i], asFloats[i], 0.0f, "element " + i);
        }
    }

    @Test
    void doubleCopiesAreExact() {
        int length = 2 * CHUNK + 3;
        NativeBuffer buffer = NativeBuffer.allocate(DataType.DOUBLE, length);
        double[] source = new double[length];
        for (int i = 0; i < length; i++) {
            source[i] = Math.sin(i) + 1.0 / 3;
        }
        buffer.write(source, 0, 0, length);
        double[] back = new double[length];
        buffer.read(0, back, 0, length);
        assertArrayEquals(source, back);
    }

    @Test
    void convertingAMegabyteAllocatesNoArrayAsLongAsTheCopy() {
        int length = 1 << 18;
        NativeBuffer target = NativeBuffer.allocate(DataType.FLOAT, length);
        double[] values = new double[length];
        NativeBuffer.ofLayout(target.array(), length).write(values, 0, 0, length); // this thread's staging, once
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long threadId = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < 4; i++) {
            // A fresh view each time, as the layers make per call: the staging must not belong to it.
            NativeBuffer view = NativeBuffer.ofLayout(target.array(), length);
            view.write(values, 0, 0, length);
            view.read(0, values, 0, length);
        }
        long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        // Eight 1 MB copies: a staging array per view would be 4 MB of garbage. The views themselves are small.
        assertTrue(allocated < 256 * 1024, "eight copies of " + length + " floats allocated " + allocated + " bytes");
    }
}
