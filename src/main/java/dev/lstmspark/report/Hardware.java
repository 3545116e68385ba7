package dev.lstmspark.report;

import dev.lstmspark.executor.BlasCore;
import dev.lstmspark.model.fused.VectorApi;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Objects;

/**
 * What the driver ran on, for the report: enough to tell a laptop run from a cluster run and a CPU backend from
 * a GPU one when comparing tokens per second. Executors are counted per epoch in {@link
 * dev.lstmspark.training.EpochMetrics}, so they are not here.
 *
 * @param cpu                the driver's CPU model and the vector extensions it has that matter to BLAS kernels,
 *                           e.g. {@code AMD EPYC (avx2 fma)}, from {@code /proc/cpuinfo}
 * @param driverCores        processors the driver JVM may use
 * @param driverMaxHeapBytes the driver's maximum heap ({@code -Xmx})
 * @param jvm                VM name and runtime version
 * @param os                 operating system name, version and architecture
 * @param nd4jBackend        the ND4J backend class, e.g. {@code CpuBackend} or {@code CudaBackend}
 * @param blasCore           the OpenBLAS kernels the driver runs, as {@link BlasCore#describe()} names them
 * @param stepKernels        what computes a float fused layer's time steps in the driver JVM, as {@link
 *                           VectorApi#describe()} names it (executors started by {@code jobs/} run the same)
 */
public record Hardware(String cpu, int driverCores, long driverMaxHeapBytes, String jvm, String os, String nd4jBackend,
                       String blasCore, String stepKernels) {

    public Hardware {
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(jvm, "jvm");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(nd4jBackend, "nd4jBackend");
        Objects.requireNonNull(blasCore, "blasCore");
        Objects.requireNonNull(stepKernels, "stepKernels");
    }

    /** This JVM; loads the ND4J backend if training has not already done so. */
    public static Hardware ofThisDriver() {
        Runtime runtime = Runtime.getRuntime();
        return new Hardware(readCpu(), runtime.availableProcessors(), runtime.maxMemory(),
                System.getProperty("java.vm.name", "unknown JVM") + " " + System.getProperty("java.runtime.version", ""),
                System.getProperty("os.name", "unknown OS") + " " + System.getProperty("os.version", "")
                        + " (" + System.getProperty("os.arch", "") + ")",
                nd4jBackendName(), BlasCore.describe(), VectorApi.describe());
    }

    /** The CPU model and its BLAS-relevant vector extensions, or the architecture where /proc/cpuinfo is missing. */
    static String readCpu() {
        try {
            return describeCpu(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo")));
        } catch (java.io.IOException | RuntimeException e) {
            return System.getProperty("os.arch", "unknown CPU");
        }
    }

    /** {@code model name} of the first processor, with whichever of avx512f, avx2 and fma its {@code flags} list. */
    static String describeCpu(java.util.List<String> cpuinfo) {
        String model = null;
        String flags = "";
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (key.equals("model name") && model == null) {
                model = value;
            } else if (key.equals("flags") && flags.isEmpty()) {
                flags = " " + value + " ";
            }
        }
        StringBuilder extensions = new StringBuilder();
        for (String flag : new String[] {"avx512f", "avx2", "fma"}) {
            if (flags.contains(" " + flag + " ")) {
                extensions.append(extensions.length() == 0 ? "" : " ").append(flag);
            }
        }
        return (model == null ? System.getProperty("os.arch", "unknown CPU") : model)
                + (extensions.length() == 0 ? "" : " (" + extensions + ")");
    }

    private static String nd4jBackendName() {
        try {
            return Nd4j.getBackend().getClass().getSimpleName();
        } catch (RuntimeException | LinkageError e) {
            // The report is still worth writing when the backend cannot be named (e.g. native libraries missing).
            return "unavailable (" + e.getClass().getSimpleName() + ")";
        }
    }
}
