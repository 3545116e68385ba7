package dev.lstmspark.model.fused;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

/**
 * {@code C = op(A) op(B) + beta C} on row-major matrices inside {@link NativeBuffer}s, straight into the OpenBLAS
 * that ND4J's CPU backend loads (the same {@code openblas_nolapack} binding ND4J's own level-3 BLAS calls).
 *
 * <p>Operands are (buffer, element offset, leading dimension), so a time step, a column block of the gates or
 * the whole sequence is a matrix without creating an {@code INDArray} view. DL4J's column-major weights are
 * the transposed row-major matrices: {@code W [nIn, G h]} in Fortran order is {@code W^T} row-major with
 * leading dimension {@code nIn}.
 */
final class RowMajorGemm {

    private RowMajorGemm() {
    }

    /**
     * @param m rows of {@code op(A)} and {@code C}
     * @param n columns of {@code op(B)} and {@code C}
     * @param k columns of {@code op(A)}, rows of {@code op(B)}
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     NativeBuffer a, long aOffset, int lda,
                     NativeBuffer b, long bOffset, int ldb,
                     double beta, NativeBuffer c, long cOffset, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (a.isFloat() != b.isFloat() || a.isFloat() != c.isFloat()) {
            throw new IllegalArgumentException("GEMM operands of mixed precision");
        }
        a.requireMatrix(aOffset, transA ? k : m, transA ? m : k, lda);
        b.requireMatrix(bOffset, transB ? n : k, transB ? k : n, ldb);
        c.requireMatrix(cOffset, m, n, ldc);
        int ta = transA ? CblasTrans : CblasNoTrans;
        int tb = transB ? CblasTrans : CblasNoTrans;
        if (c.isFloat()) {
            cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1f, (FloatPointer) a.at(aOffset), lda,
                    (FloatPointer) b.at(bOffset), ldb, (float) beta, (FloatPointer) c.at(cOffset), ldc);
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, (DoublePointer) a.at(aOffset), lda,
                    (DoublePointer) b.at(bOffset), ldb, beta, (DoublePointer) c.at(cOffset), ldc);
        }
    }
}
