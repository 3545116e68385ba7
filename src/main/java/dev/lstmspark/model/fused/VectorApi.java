package dev.lstmspark.model.fused;

import java.util.OptionalDouble;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.LoggerFactory;

/**
 * Whether the fused layers' Java kernels ({@link VectorGemm}, {@link VectorActivations}) run in this JVM: the JDK's
 * Vector API is an incubator module on Java 17, present only in a JVM started with
 * {@code --add-modules=jdk.incubator.vector} (every {@code jobs/} script passes it to the driver and the executors,
 * unless {@code LSTM_SPARK_VECTOR_API=off}). Without it the layers run their OpenBLAS path, which computes the same
 * within float rounding, more slowly. This class touches no class of that module, so it loads anywhere.
 */
public final class VectorApi {

    /** The JVM flag that enables the module. */
    public static final String FLAG = "--add-modules=jdk.incubator.vector";

    private static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private static final AtomicBoolean FALLBACK_NOTED = new AtomicBoolean();

    private VectorApi() {
    }

    /**
     * Once per JVM, when a float network's fused layer runs on OpenBLAS because the module is missing: says so and
     * names the flag, since an executor started without it (a hand-written {@code spark-submit}) is slower silently.
     */
    static void noteFallback() {
        if (!PRESENT && FALLBACK_NOTED.compareAndSet(false, true)) {
            LoggerFactory.getLogger(VectorApi.class).warn("fused layers compute their time steps on OpenBLAS, more"
                    + " slowly: this JVM was started without " + FLAG + ", which the jobs/ scripts pass to the driver and"
                    + " the executors (the results are the same within float rounding)");
        }
    }

    /** Whether float networks' time steps run through {@link VectorGemm} and {@link VectorActivations}. */
    static boolean enabled() {
        return PRESENT;
    }

    /**
     * GFLOP/s of a time step's product {@code [m, k] [k, n]} through {@link VectorGemm} on this thread, {@code B}
     * packed beforehand as the layers pack {@code RW} once per pass: the best of {@code repeats} timings of
     * {@code iterations} products each. Empty where the module is missing.
     */
    public static OptionalDouble stepProductGflops(int m, int k, int n, int iterations, int repeats) {
        if (!PRESENT) {
            return OptionalDouble.empty();
        }
        Random random = new Random(1);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat() - 0.5f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = random.nextFloat() - 0.5f;
        }
        float[] packed = new float[VectorGemm.packedLength(k, n)];
        VectorGemm.pack(b, 0, n, 1, k, n, packed);
        int ldc = VectorGemm.paddedColumns(n);
        float[] c = new float[m * ldc];
        // enough products before timing for the JIT to compile the kernel with its intrinsics
        for (int i = 0; i < Math.max(2000, iterations / 5); i++) {
            VectorGemm.multiply(a, 0, k, m, k, packed, n, c, 0, ldc);
        }
        double best = Double.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                VectorGemm.multiply(a, 0, k, m, k, packed, n, c, 0, ldc);
            }
            best = Math.min(best, (System.nanoTime() - start) / 1e9 / iterations);
        }
        return OptionalDouble.of(2.0 * m * n * k / best / 1e9);
    }

    /** For the run report and the benchmark: which kernels a float network's time steps run. */
    public static String describe() {
        return PRESENT ? "Java Vector API, " + VectorGemm.LANES + " float lanes" : "OpenBLAS (JVM without " + FLAG + ")";
    }
}
