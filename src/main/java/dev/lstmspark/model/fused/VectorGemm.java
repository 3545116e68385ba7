package dev.lstmspark.model.fused;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision {@code C = A B} in Java through the JDK's Vector API, with {@code B} packed once and multiplied
 * many times: a time step's recurrent products, where {@code B} is a block of {@code RW} (or its transpose) and
 * {@code A} the step's {@code [minibatch, k]} multiplier.
 *
 * <p>Why not OpenBLAS: it packs both operands on every call, and at a step's shapes ({@code [32, 256] [256, 1024]})
 * that is all of {@code RW}, a megabyte, for 32 multiply-adds per element: a fifth of a training step went to
 * {@code sgemm_itcopy}/{@code sgemm_incopy}. Here {@code RW} is packed once per pass and a step reads it as
 * packed. Only the JIT's intrinsics make this fast: every species is a constant, and the kernel keeps its
 * accumulators in locals.
 *
 * <p>Loaded only on a JVM started with {@code --add-modules jdk.incubator.vector} ({@link VectorApi} decides).
 */
final class VectorGemm {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    /** Columns of one packed panel: two vectors, so that a row of the kernel is two FMAs per broadcast value. */
    static final int PANEL = 2 * LANES;
    /** Rows of {@code A} per kernel call: 8 accumulators, which fit the 16 vector registers of AVX2 with room to spare. */
    private static final int ROWS = 4;

    private VectorGemm() {
    }

    /** {@code n} rounded up to whole panels: the width of a packed matrix and of the product it writes. */
    static int paddedColumns(int n) {
        return (n + PANEL - 1) / PANEL * PANEL;
    }

    /** Elements of the packed form of a {@code [k, n]} matrix. */
    static int packedLength(int k, int n) {
        return k * paddedColumns(n);
    }

    /**
     * Packs {@code B [k, n]}, element {@code (i, j)} at {@code src[offset + i rowStride + j colStride]}, into
     * {@code packed}: panel {@code p} holds columns {@code [p PANEL, (p + 1) PANEL)} as {@code k} consecutive rows
     * of {@code PANEL} values; columns past {@code n} are zero.
     */
    static void pack(float[] src, int offset, int rowStride, int colStride, int k, int n, float[] packed) {
        int width = paddedColumns(n);
        if (packed.length < k * width) {
            throw new IllegalArgumentException("packed [" + k + ", " + n + "] needs " + k * width + " elements, not " + packed.length);
        }
        for (int p = 0; p < width; p += PANEL) {
            int base = p * k;
            int valid = Math.max(0, Math.min(PANEL, n - p));
            if (colStride < rowStride) {
                for (int i = 0; i < k; i++) {
                    int s = offset + i * rowStride + p * colStride;
                    int d = base + i * PANEL;
                    for (int j = 0; j < valid; j++) {
                        packed[d + j] = src[s + j * colStride];
                    }
                    Arrays.fill(packed, d + valid, d + PANEL, 0f);
                }
            } else {
                // src runs along i: read it in that order
                for (int j = 0; j < PANEL; j++) {
                    int s = offset + (p + j) * colStride;
                    for (int i = 0; i < k; i++) {
                        packed[base + i * PANEL + j] = j < valid ? src[s + i * rowStride] : 0f;
                    }
                }
            }
        }
    }

    /**
     * {@code C = A B} for the first {@code m} rows: {@code A [m, k]} at {@code a[aOffset + i lda + l]}, {@code B}
     * {@link #pack packed} from {@code [k, n]}, {@code C} written {@code paddedColumns(n)} wide from
     * {@code c[cOffset + i ldc]} (the padding columns come out zero).
     */
    static void multiply(float[] a, int aOffset, int lda, int m, int k, float[] packed, int n, float[] c, int cOffset, int ldc) {
        int width = paddedColumns(n);
        if (ldc < width || packed.length < k * width) {
            throw new IllegalArgumentException("product of " + n + " columns with ldc " + ldc + " and " + packed.length
                    + " packed elements");
        }
        for (int p = 0; p < width; p += PANEL) {
            int panel = p * k;
            int i = 0;
            for (; i + ROWS <= m; i += ROWS) {
                fourRows(a, aOffset + i * lda, lda, k, packed, panel, c, cOffset + i * ldc + p, ldc);
            }
            for (; i < m; i++) {
                oneRow(a, aOffset + i * lda, k, packed, panel, c, cOffset + i * ldc + p);
            }
        }
    }

    private static void fourRows(float[] a, int a0, int lda, int k, float[] packed, int panel, float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        int a1 = a0 + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        for (int l = 0; l < k; l++) {
            int o = panel + l * PANEL;
            FloatVector b0 = FloatVector.fromArray(SPECIES, packed, o);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packed, o + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + l]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[a1 + l]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[a2 + l]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[a3 + l]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + LANES);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + LANES);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + LANES);
    }

    private static void oneRow(float[] a, int a0, int k, float[] packed, int panel, float[] c, int c0) {
        FloatVector c0v = FloatVector.zero(SPECIES);
        FloatVector c1v = c0v;
        for (int l = 0; l < k; l++) {
            int o = panel + l * PANEL;
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + l]);
            c0v = x.fma(FloatVector.fromArray(SPECIES, packed, o), c0v);
            c1v = x.fma(FloatVector.fromArray(SPECIES, packed, o + LANES), c1v);
        }
        c0v.intoArray(c, c0);
        c1v.intoArray(c, c0 + LANES);
    }
}
