package dev.lstmspark.bench;

import dev.lstmspark.config.CellType;
import dev.lstmspark.model.fused.VectorApi;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * The arithmetic bound of training this network: how many tokens per second the machine could train if it did
 * nothing but the matrix products an LSTM or GRU step needs, each at the speed ND4J's single-threaded SGEMM reaches
 * at exactly that shape here, or, for the two per-step products, the fused layers' own Java kernel on packed weights
 * where the JVM has the Vector API and that is faster. The pipeline's tokens/s over this bound says how much of the
 * machine the rest (gate math, framework, Spark) leaves unused.
 *
 * <p>Per predicted token, with hidden size {@code h}, {@code g} gate blocks (4 for an LSTM, 3 for a GRU),
 * vocabulary {@code v} and a minibatch of {@code b} rows and {@code t} steps: forward, the recurrent product
 * {@code [b,h]·[h,gh]} each step and the output layer {@code [bt,h]·[h,v]}; backward, the recurrent gradient
 * {@code [b,gh]·[gh,h]} each step, the recurrent weight gradient {@code [h,bt]·[bt,gh]} over the whole sequence,
 * and the output layer's two products. The input projection of a character model is a row gather, no product.
 *
 * @param shapes          every product, with its measured speed
 * @param flopsPerToken   the products' floating-point operations per predicted token
 * @param secondsPerToken the time those take on one core
 */
record GemmBound(List<Shape> shapes, double flopsPerToken, double secondsPerToken) {

    /**
     * One product {@code [m,k]·[k,n]} (with transposes as the layer needs them), done {@code perToken} times per
     * token: ND4J's SGEMM at {@code sgemmGflops}, the Vector API kernel at {@code vectorGflops} (NaN: not a per-step
     * product, or no Vector API here).
     */
    record Shape(String name, int m, int n, int k, boolean transA, boolean transB, double perToken, boolean perStep,
                 double sgemmGflops, double vectorGflops) {
        double flops() {
            return 2.0 * m * n * k;
        }

        /** The faster of the two: what the bound counts. */
        double gflops() {
            return Double.isNaN(vectorGflops) ? sgemmGflops : Math.max(sgemmGflops, vectorGflops);
        }
    }

    /** Tokens per second on {@code cores} cores, each doing its own products (as Spark's one task per core does). */
    double tokensPerSecond(int cores) {
        return cores / secondsPerToken;
    }

    /**
     * Measures each product of one layer of {@code cell} at this minibatch shape on this thread, {@code iterations}
     * times after a warm-up, and keeps the best of {@code repeats} timings (the bound is what the machine can do).
     */
    static GemmBound measure(CellType cell, int batch, int steps, int hidden, int vocab, int iterations, int repeats) {
        int g = cell == CellType.LSTM ? 4 : 3;
        int bt = batch * steps;
        List<Shape> planned = List.of(
                new Shape("recurrent forward [b,h]x[h,gh]", batch, g * hidden, hidden, false, false, 1.0 / batch, true, 0, 0),
                new Shape("recurrent gradient [b,gh]x[h,gh]^T", batch, hidden, g * hidden, false, true, 1.0 / batch, true, 0, 0),
                new Shape("recurrent weight gradient [bt,h]^T x[bt,gh]", hidden, g * hidden, bt, true, false, 1.0 / bt, false, 0, 0),
                new Shape("output forward [bt,h]x[h,v]", bt, vocab, hidden, false, false, 1.0 / bt, false, 0, 0),
                new Shape("output input gradient [bt,v]x[h,v]^T", bt, hidden, vocab, false, true, 1.0 / bt, false, 0, 0),
                new Shape("output weight gradient [bt,h]^T x[bt,v]", hidden, vocab, bt, true, false, 1.0 / bt, false, 0, 0));
        List<Shape> measured = new ArrayList<>();
        double flopsPerToken = 0;
        double secondsPerToken = 0;
        for (Shape s : planned) {
            double vector = s.perStep()
                    ? VectorApi.stepProductGflops(s.m(), s.k(), s.n(), iterations, repeats).orElse(Double.NaN) : Double.NaN;
            Shape m = new Shape(s.name(), s.m(), s.n(), s.k(), s.transA(), s.transB(), s.perToken(), s.perStep(),
                    sgemmGflops(s, iterations, repeats), vector);
            measured.add(m);
            flopsPerToken += m.flops() * m.perToken();
            secondsPerToken += m.flops() * m.perToken() / (m.gflops() * 1e9);
        }
        return new GemmBound(measured, flopsPerToken, secondsPerToken);
    }

    private static double sgemmGflops(Shape s, int iterations, int repeats) {
        // Column-major ('f') operands are BLAS's own layout: no copies, the best case a layer can reach.
        INDArray a = Nd4j.rand(DataType.FLOAT, s.transA() ? s.k() : s.m(), s.transA() ? s.m() : s.k()).dup('f');
        INDArray b = Nd4j.rand(DataType.FLOAT, s.transB() ? s.n() : s.k(), s.transB() ? s.k() : s.n()).dup('f');
        INDArray c = Nd4j.create(DataType.FLOAT, new long[] {s.m(), s.n()}, 'f');
        for (int i = 0; i < Math.max(3, iterations / 5); i++) {
            Nd4j.gemm(a, b, c, s.transA(), s.transB(), 1.0, 0.0);
        }
        double best = Double.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                Nd4j.gemm(a, b, c, s.transA(), s.transB(), 1.0, 0.0);
            }
            best = Math.min(best, (System.nanoTime() - start) / 1e9 / iterations);
        }
        return s.flops() / best / 1e9;
    }
}
