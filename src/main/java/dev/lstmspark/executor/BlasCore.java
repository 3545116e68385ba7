package dev.lstmspark.executor;

import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
    /** What OpenBLAS's dynamic dispatch (0.3.19 bundled, or another build) picks for x86-64 CPUs it does not recognize. */
    static final Set<String> FALLBACK_CORES = Set.of("Prescott", "Core2", "Katmai", "Northwood", "Banias", "Generic");
    /** The system property the launch scripts set to the core OpenBLAS runs, for the report and the benchmark. */
    public static final String PROPERTY = "lstmspark.blas.core";
    /** Set by the launch scripts to the fallback core they replaced, when they did. */
    public static final String REPLACED_PROPERTY = "lstmspark.blas.replaced";
    /**
     * Set by the launch scripts ({@code LSTM_SPARK_OPENBLAS}) to the OpenBLAS file JavaCPP was pointed at instead of
     * the bundled build; absent for the bundled one.
     */
    public static final String LIBRARY_PROPERTY = "lstmspark.blas.library";
    /** What the probe prints as the OpenBLAS it loaded when that is ND4J's own. */
    static final String BUNDLED = "bundled";
    static final String ENV = "OPENBLAS_CORETYPE";
    private static final String LOADED = "Loaded: ";

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

    /** The file JavaCPP loaded for OpenBLAS, from {@link org.bytedeco.javacpp.Loader#getLoadedLibraries()}. */
    static Optional<String> loadedFile(Map<String, String> loadedLibraries) {
        return loadedLibraries.entrySet().stream()
                .filter(e -> e.getKey().startsWith("openblas_nolapack") || e.getKey().startsWith("openblas@"))
                .map(Map.Entry::getValue).findFirst();
    }

    /**
     * What the probe reports as the OpenBLAS that ran: {@code requested} when the file JavaCPP loaded is a copy of
     * it (JavaCPP copies a library into its cache under the bundled name), else {@value #BUNDLED}.
     */
    static String loadedSource(String loaded, String requested) {
        if (requested == null || requested.isBlank() || loaded == null) {
            return BUNDLED;
        }
        try {
            return Files.mismatch(Path.of(loaded), Path.of(requested)) == -1 ? requested : BUNDLED;
        } catch (IOException | RuntimeException e) {
            return BUNDLED;
        }
    }

    /**
     * The warning an executor logs when {@code LSTM_SPARK_OPENBLAS} asked for {@code requested} and JavaCPP loaded
     * {@code loaded} instead (where the file is missing on a node, JavaCPP falls back to the bundled build), or
     * empty when the request was met, nothing was requested, or the loaded file is unknown.
     */
    static Optional<String> requestedBuildMissing(String requested, String loaded, String host) {
        if (requested == null || requested.isBlank() || loaded == null || !BUNDLED.equals(loadedSource(loaded, requested))) {
            return Optional.empty();
        }
        return Optional.of("executor on " + host + ": LSTM_SPARK_OPENBLAS asked for " + requested
                + ", which this node does not have; it runs the bundled OpenBLAS 0.3.19 (install the same file on every"
                + " node, or set LSTM_SPARK_EXECUTOR_OPENBLAS to the executors' path or to bundled)");
    }

    private static final AtomicBoolean CHECKED = new AtomicBoolean();

    /**
     * Once per JVM, after ND4J has loaded: logs {@link #requestedBuildMissing} when it applies. The launch scripts
     * check the submitting machine; this covers the executors, which may be other machines.
     */
    static void warnIfRequestedBuildMissing() {
        String requested = System.getProperty(LIBRARY_PROPERTY);
        if (requested == null || !CHECKED.compareAndSet(false, true)) {
            return;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "this host";
        }
        requestedBuildMissing(requested, loadedFile(org.bytedeco.javacpp.Loader.getLoadedLibraries()).orElse(null), host)
                .ifPresent(LoggerFactory.getLogger(BlasCore.class)::warn);
    }

    /**
     * {@code probe}: loads OpenBLAS in this JVM (with {@code OPENBLAS_VERBOSE=2} set by the caller, it prints its
     * core) and prints the file loaded. Without arguments: runs the probe in a child JVM with OpenBLAS left to itself
     * (the {@code -D} flags of this JVM, such as {@code LSTM_SPARK_OPENBLAS}'s, passed on), and prints three words:
     * the core to export as {@code OPENBLAS_CORETYPE} (or {@code -} for none), the core OpenBLAS chose by itself, and
     * the OpenBLAS that loaded ({@value #LIBRARY_PROPERTY}'s file when it did, else {@value #BUNDLED}).
     * {@code LSTM_SPARK_CPUINFO} replaces {@code /proc/cpuinfo} (for tests).
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 0 && args[0].equals("probe")) {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
            System.out.println(LOADED + loadedFile(org.bytedeco.javacpp.Loader.getLoadedLibraries()).orElse("unknown"));
            return;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-D")).forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BlasCore.class.getName(), "probe"));
        ProcessBuilder child = new ProcessBuilder(command).redirectErrorStream(true);
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
        String loaded = output.lines().filter(l -> l.startsWith(LOADED)).map(l -> l.substring(LOADED.length()).strip())
                .findFirst().orElse(null);
        String cpuinfo = System.getenv().getOrDefault("LSTM_SPARK_CPUINFO", "/proc/cpuinfo");
        Set<String> flags;
        try {
            flags = flags(Files.readAllLines(Path.of(cpuinfo)));
        } catch (IOException e) {
            flags = Set.of();
        }
        System.out.println(recommended(chosen, flags).orElse("-") + " " + (chosen == null ? "unknown" : chosen) + " "
                + loadedSource(loaded, System.getProperty(LIBRARY_PROPERTY)));
    }

    /**
     * The OpenBLAS core this JVM runs and the build it came from, for the report and the benchmark, as the launch
     * script found it ({@value #PROPERTY}, and {@value #REPLACED_PROPERTY} when it overrode OpenBLAS's fallback), else
     * the {@code OPENBLAS_CORETYPE} the JVM was started with, else unknown.
     */
    public static String describe() {
        String core = System.getProperty(PROPERTY);
        String replaced = System.getProperty(REPLACED_PROPERTY);
        String forced = System.getenv(ENV);
        String library = System.getProperty(LIBRARY_PROPERTY);
        String build = library != null && !library.isBlank() ? "OpenBLAS " + library.strip() : "the bundled OpenBLAS 0.3.19";
        if (core != null && !core.isBlank()) {
            return replaced != null && !replaced.isBlank()
                    ? core + " (OPENBLAS_CORETYPE; " + build + " fell back to " + replaced + " on this CPU)"
                    : core + (forced != null && !forced.isBlank() ? " (OPENBLAS_CORETYPE; " : " (OpenBLAS's own choice; ") + build + ")";
        }
        if (forced != null && !forced.isBlank()) {
            return forced.strip() + " (OPENBLAS_CORETYPE; " + build + ")";
        }
        return "unknown (started without jobs/, which probe it)";
    }
}
