package dev.lstmspark.model.fused;

import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link VectorGemm} against the plain triple loop, at shapes around every boundary of its panels and row blocks. */
class VectorGemmTest {

    @Test
    void productsEqualThePlainProduct() {
        Random random = new Random(5);
        int panel = VectorGemm.PANEL;
        int[] rows = {1, 3, 4, 5, 9, 32};
        int[] columns = {1, panel - 1, panel, panel + 1, 3 * panel + 7};
        int[] depths = {1, 2, 17, 64};
        for (int m : rows) {
            for (int n : columns) {
                for (int k : depths) {
                    for (boolean rowMajor : new boolean[] {true, false}) {
                        assertProduct(random, m, n, k, rowMajor);
                    }
                }
            }
        }
    }

    /** {@code B [k, n]} stored row-major or column-major inside a larger array, {@code A} and {@code C} at offsets. */
    private static void assertProduct(Random random, int m, int n, int k, boolean rowMajor) {
        int bOffset = 3;
        float[] b = new float[bOffset + k * n + 5];
        for (int i = 0; i < b.length; i++) {
            b[i] = random.nextFloat() - 0.5f;
        }
        int lda = k + 2;
        int aOffset = 1;
        float[] a = new float[aOffset + m * lda];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat() - 0.5f;
        }
        int rowStride = rowMajor ? n : 1;
        int colStride = rowMajor ? 1 : k;
        float[] packed = new float[VectorGemm.packedLength(k, n)];
        java.util.Arrays.fill(packed, Float.NaN);
        VectorGemm.pack(b, bOffset, rowStride, colStride, k, n, packed);
        int ldc = VectorGemm.paddedColumns(n) + 3;
        int cOffset = 2;
        float[] c = new float[cOffset + m * ldc];
        java.util.Arrays.fill(c, Float.NaN);
        VectorGemm.multiply(a, aOffset, lda, m, k, packed, n, c, cOffset, ldc);
        String shape = "[" + m + ", " + k + "] x [" + k + ", " + n + "] " + (rowMajor ? "row-major" : "column-major");
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < VectorGemm.paddedColumns(n); j++) {
                double expected = 0;
                if (j < n) {
                    for (int l = 0; l < k; l++) {
                        expected += (double) a[aOffset + i * lda + l] * b[bOffset + l * rowStride + j * colStride];
                    }
                }
                assertEquals(expected, c[cOffset + i * ldc + j], 1e-5, shape + " at (" + i + ", " + j + ")");
            }
        }
        assertEquals(Float.NaN, c[0], "nothing before C's offset is written");
    }

    @Test
    void refusesAProductWiderThanItsTarget() {
        float[] packed = new float[VectorGemm.packedLength(2, 3)];
        assertThrows(IllegalArgumentException.class,
                () -> VectorGemm.multiply(new float[2], 0, 2, 1, 2, packed, 3, new float[VectorGemm.PANEL], 0, VectorGemm.PANEL - 1));
    }
}
