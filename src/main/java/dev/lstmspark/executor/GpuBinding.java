package dev.lstmspark.executor;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Binds ND4J on a Spark executor thread to the GPU that Spark assigned to the running task.
 *
 * <p>Why this exists: with {@code spark.executor.resource.gpu.amount} Spark hands each executor (and each task)
 * specific GPU addresses, but ND4J knows nothing of Spark: a thread runs on whatever device CUDA makes current,
 * device 0 unless something says otherwise. Two executors on one host would then share device 0 while the GPU
 * Spark reserved for one of them sits idle. Calling
 * {@link #bindCurrentThread()} at the start of every task, before the task creates its first array, moves the
 * thread onto the device Spark reserved for it.
 *
 * <p>Spark's addresses are what the discovery script printed: {@code nvidia-smi} indices, which are physical and
 * ignore {@code CUDA_VISIBLE_DEVICES}. CUDA ordinals (what ND4J uses) count only the devices that
 * {@code CUDA_VISIBLE_DEVICES} exposes, in the order it lists them, so {@link #deviceOrdinal} translates one into
 * the other. nvidia-smi numbers devices in PCI bus order while CUDA by default puts the fastest first; on hosts
 * with mixed GPU models the two only agree with {@code CUDA_DEVICE_ORDER=PCI_BUS_ID} in the executor environment,
 * which this class warns about but cannot check.
 *
 * <p>Everything here is static; the only state is a cached description of the backend and log-once bookkeeping,
 * so Spark closures can call it without capturing anything that needs serializing.
 */
public final class GpuBinding {
    /** Spark's name for the resource: the {@code gpu} in {@code spark.executor.resource.gpu.amount}. */
    public static final String GPU_RESOURCE = "gpu";
    static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";
    static final String CUDA_DEVICE_ORDER = "CUDA_DEVICE_ORDER";

    private static final Logger LOG = LoggerFactory.getLogger(GpuBinding.class);

    /** Devices whose first binding in this JVM was logged: one line per device, not one per task. */
    private static final Set<Integer> LOGGED_DEVICES = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean WARNED_CPU_BACKEND = new AtomicBoolean();
    private static final AtomicBoolean WARNED_DEVICE_ORDER = new AtomicBoolean();

    /**
     * What the loaded ND4J backend is, probed once: the backend never changes within a JVM, and
     * {@link #bindCurrentThread()} runs at the start of every task so it should not ask ND4J each time.
     * A racing second probe computes the same answer, hence no locking.
     */
    private static volatile Backend probedBackend;

    private GpuBinding() {
    }

    /**
     * The GPU addresses Spark assigned to the task running on this thread, e.g. {@code ["0"]} or {@code ["1", "3"]};
     * empty on the driver, in tests and local mode (no {@link TaskContext}), and on executors without GPUs.
     */
    public static List<String> assignedGpuAddresses() {
        return assignedGpuAddresses(TaskContext.get());
    }

    static List<String> assignedGpuAddresses(TaskContext task) {
        if (task == null) {
            return List.of();
        }
        // The Java view of TaskContext.resources(), so no scala.Option handling is needed here.
        Map<String, ResourceInformation> resources = task.resourcesJMap();
        ResourceInformation gpu = resources == null ? null : resources.get(GPU_RESOURCE);
        if (gpu == null || gpu.addresses() == null) {
            return List.of();
        }
        return List.of(gpu.addresses());
    }

    /**
     * The CUDA ordinal ND4J must use for the GPU Spark assigned, or empty when Spark assigned none (CPU executors,
     * local mode, the driver). With several addresses (a task that asked for more than one GPU) it binds to the
     * first: one thread can only have one current device, and DL4J's parameter-averaging worker uses one.
     *
     * @param assignedAddresses  Spark's addresses for the task, nvidia-smi indices as decimal strings
     * @param cudaDeviceCount    how many CUDA devices the ND4J backend sees (already filtered by CUDA_VISIBLE_DEVICES)
     * @param cudaVisibleDevices the executor's CUDA_VISIBLE_DEVICES, or null when it is not set
     * @throws IllegalStateException (one line) when the assigned GPU is not visible to this process, when an address
     *                               is not a device index, or when CUDA_VISIBLE_DEVICES cannot be mapped to indices
     *                               (it names devices by UUID, or is malformed). Picking some other device instead
     *                               would silently put two executors on one GPU.
     */
    public static OptionalInt deviceOrdinal(List<String> assignedAddresses, int cudaDeviceCount,
                                            String cudaVisibleDevices) {
        if (assignedAddresses == null || assignedAddresses.isEmpty()) {
            return OptionalInt.empty();
        }
        int address = parseAssignedAddress(assignedAddresses.get(0));
        int ordinal;
        if (cudaVisibleDevices == null) {
            ordinal = address;
            if (ordinal >= cudaDeviceCount) {
                throw notVisible(address, "ND4J sees " + describeDeviceCount(cudaDeviceCount)
                        + " and CUDA_VISIBLE_DEVICES is unset");
            }
        } else {
            List<Integer> visible = visibleDeviceIndices(cudaVisibleDevices);
            ordinal = visible.indexOf(address);
            if (ordinal < 0) {
                throw notVisible(address, "CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + " exposes only GPUs " + visible);
            }
            // CUDA drops a listed device that does not exist, and every entry after it; the count ND4J reports
            // is what CUDA really kept, so a position beyond it means the entry never reached ND4J.
            if (ordinal >= cudaDeviceCount) {
                throw notVisible(address, "CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + " lists it as CUDA device "
                        + ordinal + " but ND4J sees " + describeDeviceCount(cudaDeviceCount));
            }
        }
        return OptionalInt.of(ordinal);
    }

    /**
     * Parses CUDA_VISIBLE_DEVICES into the nvidia-smi indices it exposes, in CUDA ordinal order. Follows CUDA's
     * rule that a negative index ends the list (so {@code -1} hides every device, a common idiom); rejects what it
     * cannot translate instead of guessing.
     */
    static List<Integer> visibleDeviceIndices(String cudaVisibleDevices) {
        List<Integer> indices = new ArrayList<>();
        if (cudaVisibleDevices.isBlank()) {
            return indices; // set but empty: CUDA exposes no device at all
        }
        for (String rawEntry : cudaVisibleDevices.split(",", -1)) {
            String entry = rawEntry.strip();
            if (entry.startsWith("GPU-") || entry.startsWith("MIG-")) {
                // Matching a UUID to an nvidia-smi index needs NVML, which the JVM does not have.
                throw new IllegalStateException("CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + " names devices by"
                        + " UUID, which cannot be matched to the nvidia-smi indices Spark assigns; list device indices"
                        + " instead (nvidia-smi --query-gpu=index,uuid --format=csv) or leave it unset");
            }
            if (!entry.matches("-?[0-9]{1,9}")) {
                throw new IllegalStateException("CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + " has entry \""
                        + rawEntry + "\", which is not a device index; expected a comma-separated list such as 0,1");
            }
            int index = Integer.parseInt(entry);
            if (index < 0) {
                break; // CUDA stops enumerating at an invalid index
            }
            if (indices.contains(index)) {
                throw new IllegalStateException("CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + " lists GPU " + index
                        + " twice, so its CUDA ordinal is ambiguous");
            }
            indices.add(index);
        }
        return indices;
    }

    private static int parseAssignedAddress(String address) {
        // Strict on purpose: our discovery script prints plain indices, so anything else means a different script
        // (or a resource file) is feeding Spark addresses this class would otherwise misread.
        if (address == null || !address.matches("[0-9]{1,9}")) {
            throw new IllegalStateException("Spark assigned GPU address \"" + address + "\", which is not a device"
                    + " index; the discovery script (spark.executor.resource.gpu.discoveryScript) must print"
                    + " nvidia-smi indices such as \"0\"");
        }
        return Integer.parseInt(address);
    }

    private static IllegalStateException notVisible(int address, String why) {
        return new IllegalStateException("Spark assigned GPU " + address + " to this task, but this executor cannot"
                + " see it: " + why + "; refusing to fall back to another device");
    }

    private static String describeDeviceCount(int count) {
        if (count <= 0) {
            return "no CUDA devices";
        }
        return count == 1 ? "1 CUDA device (ordinal 0)" : count + " CUDA devices (ordinals 0-" + (count - 1) + ")";
    }

    /**
     * Binds ND4J on the current thread to the GPU Spark assigned to the running task, and returns the CUDA ordinal
     * it is bound to. Returns empty, without touching ND4J, when no GPU was assigned, and empty (after one warning
     * per JVM) when the jar carries the CPU backend. Idempotent: a thread already on the right device is left alone,
     * so calling it at the start of every task costs a TaskContext lookup, two getenv calls and one cudaGetDevice.
     *
     * @throws IllegalStateException when the assigned GPU is not visible to ND4J (see {@link #deviceOrdinal})
     */
    public static OptionalInt bindCurrentThread() {
        return bindCurrentThread(assignedGpuAddresses(), GpuBinding::backend, System.getenv(CUDA_VISIBLE_DEVICES),
                System.getenv(CUDA_DEVICE_ORDER));
    }

    /**
     * The binding logic, with the backend supplied lazily: a task without a GPU must not be the one that loads ND4J
     * (on the driver that would load a native library the driver may never need).
     */
    static OptionalInt bindCurrentThread(List<String> assignedAddresses, Supplier<Backend> backendLookup,
                                         String cudaVisibleDevices, String cudaDeviceOrder) {
        if (assignedAddresses.isEmpty()) {
            return OptionalInt.empty();
        }
        Backend backend = backendLookup.get();
        if (!backend.isCuda()) {
            if (WARNED_CPU_BACKEND.compareAndSet(false, true)) {
                LOG.warn("Spark assigned GPU {} to {}, but ND4J runs on its CPU backend ({}); training stays on the"
                        + " CPU. Build the application with -Pcuda to use the GPU.",
                        assignedAddresses, where(), backend.name());
            }
            return OptionalInt.empty();
        }
        int deviceCount = backend.deviceCount();
        int ordinal = deviceOrdinal(assignedAddresses, deviceCount, cudaVisibleDevices).getAsInt();
        if (deviceCount > 1 && !"PCI_BUS_ID".equals(cudaDeviceOrder)
                && WARNED_DEVICE_ORDER.compareAndSet(false, true)) {
            LOG.warn("{} sees {} CUDA devices and CUDA_DEVICE_ORDER is not PCI_BUS_ID: CUDA orders them fastest first,"
                    + " nvidia-smi (and so Spark) by PCI bus, which differ on hosts with mixed GPU models. Set"
                    + " spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID.", where(), deviceCount);
        }
        Integer current = backend.currentDevice();
        if (current == null || current != ordinal) {
            backend.bindCurrentThread(ordinal);
        }
        if (LOGGED_DEVICES.add(ordinal)) {
            LOG.info("{} bound ND4J to CUDA device {} on thread '{}' (Spark GPU address {}, CUDA_VISIBLE_DEVICES={})",
                    where(), ordinal, Thread.currentThread().getName(), assignedAddresses.get(0),
                    cudaVisibleDevices == null ? "unset" : cudaVisibleDevices);
        }
        return OptionalInt.of(ordinal);
    }

    /** "executor 3", "the driver", or "this JVM" when no SparkEnv is up (tests, before a context starts). */
    private static String where() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "this JVM" : ("driver".equals(env.executorId()) ? "the driver" : "executor " + env.executorId());
    }

    private static Backend backend() {
        Backend backend = probedBackend;
        if (backend == null) {
            backend = new Nd4jBackend();
            probedBackend = backend;
        }
        return backend;
    }

    /** The few facts about the ND4J backend that binding needs; a seam so the CUDA path is testable without one. */
    interface Backend {
        /** The backend's class name, for log lines. */
        String name();

        boolean isCuda();

        /** CUDA devices the backend sees; only asked of a CUDA backend. */
        int deviceCount();

        /** The current thread's CUDA device, or null when unknown. */
        Integer currentDevice();

        void bindCurrentThread(int ordinal);
    }

    /**
     * The loaded ND4J backend, asked only through nd4j-api so that this class compiles and runs against nd4j-native
     * as well as nd4j-cuda (each build has exactly one of them on its classpath).
     */
    private static final class Nd4jBackend implements Backend {
        private final String name;
        private final boolean cuda;
        private final int deviceCount;

        Nd4jBackend() {
            // The first ND4J call loads the backend, which on a CUDA executor is the JVM's first CUDA work. It
            // happens here, at the start of the first task, so that no array of the task exists before the thread
            // is moved to its device. (Whether loading the backend leaves a context on device 0 has not been
            // observed on hardware.)
            name = Nd4j.getBackend().getClass().getName();
            // Asked of the native library rather than read from the class name: the CUDA backend class is
            // org.nd4j.linalg.jcublas.JCublasBackend, whose name does not even contain "cuda".
            cuda = !Nd4j.getEnvironment().isCPU();
            deviceCount = cuda ? Nd4j.getAffinityManager().getNumberOfDevices() : 0;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean isCuda() {
            return cuda;
        }

        @Override
        public int deviceCount() {
            return deviceCount;
        }

        @Override
        public Integer currentDevice() {
            // On the CUDA backend this is cudaGetDevice for the calling thread: cheap, and it creates no context.
            return Nd4j.getAffinityManager().getDeviceForCurrentThread();
        }

        @Override
        public void bindCurrentThread(int ordinal) {
            AffinityManager affinity = Nd4j.getAffinityManager();
            affinity.unsafeSetDevice(ordinal);
        }
    }
}
