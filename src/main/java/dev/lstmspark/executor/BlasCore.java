package dev.lstmspark.executor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Which OpenBLAS kernels the CPU should run. ND4J 1.0.0-M2.1 bundles OpenBLAS 0.3.19, whose run-time CPU detection
 * does not know CPUs newer than it (Intel Sapphire and Emerald Rapids among them) and then falls back to its SSE3
 * "Prescott" kernels: measured on such a Xeon, single-precision GEMM at this model's shapes ran at 29 GFLOP/s per
 * core instead of 123 with its SkylakeX kernels. OpenBLAS reads {@code OPENBLAS_CORETYPE} once, when it loads, so
 * the choice must be made before the JVM that trains starts: {@code jobs/common.sh} runs {@link #main} (in a JVM of
 * its own) and exports the answer for the driver, local executors and {@code spark.executorEnv}.
 *
 * <p>Only a fallback core is overridden: where OpenBLAS knows the CPU (an AMD EPYC is "Zen") its own choice
 * stands, and a user's {@code OPENBLAS_CORETYPE} always wins.
 */
public final class BlasCore {
    /** What OpenBLAS 0.3.19's dynamic dispatch picks for x86-64 CPUs it does not recognize. */
    static final Set<String> FALLBACK_CORES = Set.of("Prescott", "Core2", "Katmai", "Northwood", "Banias", "Generic");
    /** The system property the launch scripts set to the core OpenBLAS runs, for the report and the benchmark. */
    public static final String PROPERTY = "lstmspark.blas.core";
    /** Set by the launch scripts to the fallback core they replaced, when they did. */
    public static final String REPLACED_PROPERTY = "lstmspark.blas.replaced";
    static final String ENV = "OPENBLAS_CORETYPE";

    private BlasCore() {
    }

    /**
     * The {@code OPENBLAS_CORETYPE} a CPU should use, or empty to leave OpenBLAS's own choice.
     *
     * @param chosenCore the core OpenBLAS picked by itself ({@code OPENBLAS_VERBOSE=2} prints it as {@code Core: X})
     * @param cpuFlags   the CPU's flags, as {@code /proc/cpuinfo} lists them
     */
    static Optional<String> recommended(String chosenCore, Set<String> cpuFlags) {
        if (chosenCore == null || !FALLBACK_CORES.contains(chosenCore)) {
            return Optional.empty();
        }
        // SkylakeX kernels use AVX-512 F, BW, VL and DQ; Haswell's AVX2 and FMA3.
        if (cpuFlags.containsAll(List.of("avx512f", "avx512bw", "avx512vl", "avx512dq"))) {
            return Optional.of("SkylakeX");
        }
        if (cpuFlags.containsAll(List.of("avx2", "fma"))) {
            return Optional.of("Haswell");
        }
        return Optional.empty();
    }

    /** The flags of the first processor in a {@code /proc/cpuinfo} text. */
    static Set<String> flags(List<String> cpuinfo) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals("flags")) {
                return new TreeSet<>(Arrays.asList(line.substring(colon + 1).strip().split("\\s+")));
            }
        }
        return Set.of();
    }

    /** The core an {@code OPENBLAS_VERBOSE=2} load printed, from its output. */
    static String chosenCore(String verboseOutput) {
        for (String line : verboseOutput.lines().toList()) {
            if (line.startsWith("Core: ")) {
                return line.substring("Core: ".length()).strip();
            }
        }
        return null;
    }

    /**
     * {@code probe}: loads OpenBLAS in this JVM (with {@code OPENBLAS_VERBOSE=2} set by the caller, it prints its
     * core). Without arguments: runs the probe in a child JVM with OpenBLAS left to itself, and prints two words,
     * the core to export as {@code OPENBLAS_CORETYPE} (or {@code -} for none) and the core OpenBLAS chose by itself.
     * {@code LSTM_SPARK_CPUINFO} replaces {@code /proc/cpuinfo} (for tests).
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 0 && args[0].equals("probe")) {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
            return;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                BlasCore.class.getName(), "probe").redirectErrorStream(true);
        child.environment().remove(ENV);
        child.environment().put("OPENBLAS_VERBOSE", "2");
        Process process = child.start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        String chosen = chosenCore(output);
        String cpuinfo = System.getenv().getOrDefault("LSTM_SPARK_CPUINFO", "/proc/cpuinfo");
        Set<String> flags;
        try {
            flags = flags(Files.readAllLines(Path.of(cpuinfo)));
        } catch (IOException e) {
            flags = Set.of();
        }
        System.out.println(recommended(chosen, flags).orElse("-") + " " + (chosen == null ? "unknown" : chosen));
    }

    /**
     * The OpenBLAS core this JVM runs, for the report and the benchmark, as the launch script found it
     * ({@value #PROPERTY}, and {@value #REPLACED_PROPERTY} when it overrode OpenBLAS's fallback), else the
     * {@code OPENBLAS_CORETYPE} the JVM was started with, else unknown.
     */
    public static String describe() {
        String core = System.getProperty(PROPERTY);
        String replaced = System.getProperty(REPLACED_PROPERTY);
        String forced = System.getenv(ENV);
        if (core != null && !core.isBlank()) {
            return replaced != null && !replaced.isBlank()
                    ? core + " (OPENBLAS_CORETYPE; the bundled OpenBLAS 0.3.19 fell back to " + replaced + " on this CPU)"
                    : core + (forced != null && !forced.isBlank() ? " (OPENBLAS_CORETYPE)" : " (OpenBLAS's own choice)");
        }
        if (forced != null && !forced.isBlank()) {
            return forced.strip() + " (OPENBLAS_CORETYPE)";
        }
        return "unknown (started without jobs/, which probe it)";
    }
}
