package dev.lstmspark.report;

import org.nd4j.linalg.factory.Nd4j;

import java.util.Objects;

/**
 * What the driver ran on, for the report: enough to tell a laptop run from a cluster run and a CPU backend from
 * a GPU one when comparing tokens per second. Executors are counted per epoch in {@link
 * dev.lstmspark.training.EpochMetrics}, so they are not here.
 *
 * @param driverCores        processors the driver JVM may use
 * @param driverMaxHeapBytes the driver's maximum heap ({@code -Xmx})
 * @param jvm                VM name and runtime version
 * @param os                 operating system name, version and architecture
 * @param nd4jBackend        the ND4J backend class, e.g. {@code CpuBackend} or {@code CudaBackend}
 */
public record Hardware(int driverCores, long driverMaxHeapBytes, String jvm, String os, String nd4jBackend) {

    public Hardware {
        Objects.requireNonNull(jvm, "jvm");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(nd4jBackend, "nd4jBackend");
    }

    /** This JVM; loads the ND4J backend if training has not already done so. */
    public static Hardware ofThisDriver() {
        Runtime runtime = Runtime.getRuntime();
        return new Hardware(runtime.availableProcessors(), runtime.maxMemory(),
                System.getProperty("java.vm.name", "unknown JVM") + " " + System.getProperty("java.runtime.version", ""),
                System.getProperty("os.name", "unknown OS") + " " + System.getProperty("os.version", "")
                        + " (" + System.getProperty("os.arch", "") + ")",
                nd4jBackendName());
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
