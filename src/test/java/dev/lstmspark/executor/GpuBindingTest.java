package dev.lstmspark.executor;

import org.apache.spark.TaskContext;
import org.apache.spark.TaskContext$;
import org.apache.spark.TaskContextImpl;
import org.apache.spark.executor.TaskMetrics$;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class GpuBindingTest {

    /** The decision under test, failing with the exception's message so that its wording is checked too. */
    private static String refusal(List<String> addresses, int deviceCount, String cudaVisibleDevices) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GpuBinding.deviceOrdinal(addresses, deviceCount, cudaVisibleDevices));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected \"" + part + "\" in: " + message);
        }
    }

    @Nested
    class ReadingSparkAssignment {

        /*
         * Spark builds its TaskContextImpl itself when it launches a task; constructing one here is the only way to
         * hand GpuBinding a context with resources outside a GPU cluster. The constructor is Spark-internal
         * (private[spark]) but public in bytecode.
         */
        private TaskContext taskWith(scala.collection.immutable.Map<String, ResourceInformation> resources) {
            return new TaskContextImpl(0, 0, 0, 0L, 0, 1, null, new Properties(), null, TaskMetrics$.MODULE$.empty(),
                    1, resources);
        }

        private TaskContext taskWithGpus(String... addresses) {
            return taskWith(new scala.collection.immutable.Map.Map1<>("gpu", new ResourceInformation("gpu", addresses)));
        }

        @Test
        void noTaskContextMeansNoGpu() {
            assertEquals(List.of(), GpuBinding.assignedGpuAddresses(null));
            // The test thread runs no Spark task, so the public entry point sees no context either.
            assertEquals(List.of(), GpuBinding.assignedGpuAddresses());
        }

        @Test
        void taskWithoutResourcesHasNoGpu() {
            assertEquals(List.of(), GpuBinding.assignedGpuAddresses(taskWith(scala.collection.immutable.Map$.MODULE$.empty())));
        }

        @Test
        void otherResourcesAreNotGpus() {
            TaskContext task = taskWith(new scala.collection.immutable.Map.Map1<>("fpga",
                    new ResourceInformation("fpga", new String[]{"0"})));
            assertEquals(List.of(), GpuBinding.assignedGpuAddresses(task));
        }

        @Test
        void oneAssignedGpu() {
            assertEquals(List.of("0"), GpuBinding.assignedGpuAddresses(taskWithGpus("0")));
        }

        @Test
        void severalAssignedGpusKeepSparksOrder() {
            assertEquals(List.of("3", "1"), GpuBinding.assignedGpuAddresses(taskWithGpus("3", "1")));
        }

        @Test
        void gpuNextToOtherResources() {
            TaskContext task = taskWith(new scala.collection.immutable.Map.Map2<>(
                    "fpga", new ResourceInformation("fpga", new String[]{"7"}),
                    "gpu", new ResourceInformation("gpu", new String[]{"2"})));
            assertEquals(List.of("2"), GpuBinding.assignedGpuAddresses(task));
        }

        @Test
        void readsTheContextOfTheCurrentThread() {
            TaskContext$.MODULE$.setTaskContext(taskWithGpus("1", "3"));
            try {
                assertEquals(List.of("1", "3"), GpuBinding.assignedGpuAddresses());
            } finally {
                TaskContext$.MODULE$.unset();
            }
        }
    }

    @Nested
    class NoGpuAssigned {

        @Test
        void emptyAssignmentBindsNothing() {
            assertEquals(OptionalInt.empty(), GpuBinding.deviceOrdinal(List.of(), 2, null));
            assertEquals(OptionalInt.empty(), GpuBinding.deviceOrdinal(null, 2, null));
        }

        @Test
        void cpuExecutorsIgnoreCudaSettingsTheyCannotUse() {
            // A CPU executor on a host whose environment names GPUs by UUID, or has none, must still start.
            assertEquals(OptionalInt.empty(), GpuBinding.deviceOrdinal(List.of(), 0, "GPU-8f6c1b2e-1111-2222-3333-444455556666"));
            assertEquals(OptionalInt.empty(), GpuBinding.deviceOrdinal(List.of(), 0, "not,a,list"));
        }
    }

    @Nested
    class WithoutCudaVisibleDevices {

        @Test
        void addressIsTheOrdinal() {
            assertEquals(OptionalInt.of(0), GpuBinding.deviceOrdinal(List.of("0"), 1, null));
            assertEquals(OptionalInt.of(3), GpuBinding.deviceOrdinal(List.of("3"), 4, null));
        }

        @Test
        void severalAddressesBindTheFirst() {
            assertEquals(OptionalInt.of(1), GpuBinding.deviceOrdinal(List.of("1", "3"), 4, null));
            // The first as Spark listed it, not the lowest.
            assertEquals(OptionalInt.of(3), GpuBinding.deviceOrdinal(List.of("3", "1"), 4, null));
        }

        @Test
        void addressBeyondTheDevicesIsRefused() {
            String message = refusal(List.of("2"), 2, null);
            assertContains(message, "GPU 2", "2 CUDA devices (ordinals 0-1)", "CUDA_VISIBLE_DEVICES is unset");
        }

        @Test
        void noCudaDevicesAtAllIsRefused() {
            assertContains(refusal(List.of("0"), 0, null), "GPU 0", "no CUDA devices");
        }

        @Test
        void oneDeviceIsDescribedInTheSingular() {
            assertContains(refusal(List.of("1"), 1, null), "GPU 1", "1 CUDA device (ordinal 0)");
        }
    }

    @Nested
    class WithCudaVisibleDevices {

        @Test
        void remapsToThePositionInTheList() {
            assertEquals(OptionalInt.of(1), GpuBinding.deviceOrdinal(List.of("3"), 2, "2,3"));
            assertEquals(OptionalInt.of(0), GpuBinding.deviceOrdinal(List.of("2"), 2, "2,3"));
        }

        @Test
        void listOrderDecidesTheOrdinal() {
            assertEquals(OptionalInt.of(0), GpuBinding.deviceOrdinal(List.of("3"), 2, "3,2"));
        }

        @Test
        void severalAddressesBindTheFirstAfterRemapping() {
            assertEquals(OptionalInt.of(2), GpuBinding.deviceOrdinal(List.of("5", "1"), 3, "1,4,5"));
        }

        @Test
        void toleratesSpacesAroundEntries() {
            assertEquals(OptionalInt.of(1), GpuBinding.deviceOrdinal(List.of("3"), 2, " 2, 3 "));
        }

        @Test
        void hiddenAddressIsRefusedNamingTheVisibleDevices() {
            String message = refusal(List.of("0"), 2, "2,3");
            assertContains(message, "GPU 0", "CUDA_VISIBLE_DEVICES=2,3", "[2, 3]", "refusing");
        }

        @Test
        void emptyListHidesEveryDevice() {
            assertContains(refusal(List.of("0"), 0, ""), "GPU 0", "exposes only GPUs []");
        }

        @Test
        void negativeIndexHidesItAndEverythingAfterIt() {
            // CUDA's own rule, and the usual way to hide all GPUs: CUDA_VISIBLE_DEVICES=-1.
            assertContains(refusal(List.of("0"), 0, "-1"), "GPU 0", "[]");
            assertEquals(OptionalInt.of(0), GpuBinding.deviceOrdinal(List.of("0"), 1, "0,-1,1"));
            assertContains(refusal(List.of("1"), 1, "0,-1,1"), "GPU 1", "[0]");
        }

        @Test
        void listedButMissingDeviceIsRefused() {
            // CUDA dropped GPU 3 (it does not exist on this host), so ND4J sees one device where the list has two.
            String message = refusal(List.of("3"), 1, "2,3");
            assertContains(message, "GPU 3", "lists it as CUDA device 1", "1 CUDA device");
        }

        @ParameterizedTest
        @ValueSource(strings = {"GPU-8f6c1b2e-1111-2222-3333-444455556666", "0,GPU-8f6c1b2e-1111-2222-3333-444455556666",
                "MIG-4b2f4f9e-aaaa-bbbb-cccc-ddddeeeeffff"})
        void uuidsCannotBeMatchedToSparkAddresses(String cudaVisibleDevices) {
            String message = refusal(List.of("0"), 1, cudaVisibleDevices);
            assertContains(message, "CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices, "UUID", "list device indices");
        }

        @ParameterizedTest
        @ValueSource(strings = {"0,abc", "0,,1", "1.0", "0;1", "0x1"})
        void malformedListIsRefusedNamingTheEntry(String cudaVisibleDevices) {
            String message = refusal(List.of("0"), 2, cudaVisibleDevices);
            assertContains(message, "CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices, "not a device index");
        }

        @Test
        void duplicateEntryIsRefused() {
            assertContains(refusal(List.of("1"), 2, "1,1"), "lists GPU 1 twice");
        }
    }

    @Nested
    class MalformedAddresses {

        @ParameterizedTest
        @ValueSource(strings = {"gpu0", "", "-1", "0x1", " 0", "1.0", "GPU-8f6c1b2e", "99999999999"})
        void refusedNamingTheAddressAndTheDiscoveryScript(String address) {
            String message = refusal(List.of(address), 4, null);
            assertContains(message, "\"" + address + "\"", "not a device index", "discoveryScript");
        }

        @Test
        void nullAddressIsRefused() {
            assertContains(refusal(Arrays.asList((String) null), 4, null), "\"null\"", "not a device index");
        }

        @Test
        void onlyTheFirstAddressIsParsed() {
            // The task binds to the first; a later address it never uses must not stop it.
            assertEquals(OptionalInt.of(0), GpuBinding.deviceOrdinal(List.of("0", "junk"), 1, null));
        }
    }

    /** A backend that records what binding did to it, so the CUDA path can be tested without a GPU. */
    private static final class RecordingBackend implements GpuBinding.Backend {
        private final boolean cuda;
        private final int deviceCount;
        private Integer current;
        final List<Integer> bindCalls = new ArrayList<>();

        RecordingBackend(boolean cuda, int deviceCount, Integer current) {
            this.cuda = cuda;
            this.deviceCount = deviceCount;
            this.current = current;
        }

        @Override
        public String name() {
            return cuda ? "test.JCublasBackend" : "test.CpuBackend";
        }

        @Override
        public boolean isCuda() {
            return cuda;
        }

        @Override
        public int deviceCount() {
            if (!cuda) {
                fail("the device count is only meaningful on a CUDA backend");
            }
            return deviceCount;
        }

        @Override
        public Integer currentDevice() {
            return current;
        }

        @Override
        public void bindCurrentThread(int ordinal) {
            bindCalls.add(ordinal);
            current = ordinal;
        }
    }

    @Nested
    class BindingTheCurrentThread {
        private final Supplier<GpuBinding.Backend> mustNotLoadNd4j = () -> fail("ND4J must not be loaded without a GPU");

        @Test
        void noTaskContextIsANoOp() {
            assertEquals(OptionalInt.empty(), GpuBinding.bindCurrentThread());
        }

        @Test
        void noGpuDoesNotLoadTheBackend() {
            assertEquals(OptionalInt.empty(), GpuBinding.bindCurrentThread(List.of(), mustNotLoadNd4j, "0", null));
        }

        @Test
        void cpuBackendIsANoOpEvenWithAGpuAssigned() {
            RecordingBackend cpu = new RecordingBackend(false, 0, 0);
            assertEquals(OptionalInt.empty(), GpuBinding.bindCurrentThread(List.of("0"), () -> cpu, null, null));
            assertEquals(List.of(), cpu.bindCalls);
        }

        @Test
        void bindsToTheAssignedDevice() {
            RecordingBackend cuda = new RecordingBackend(true, 2, 0);
            assertEquals(OptionalInt.of(1), GpuBinding.bindCurrentThread(List.of("1"), () -> cuda, null, "PCI_BUS_ID"));
            assertEquals(List.of(1), cuda.bindCalls);
        }

        @Test
        void remapsThroughCudaVisibleDevices() {
            RecordingBackend cuda = new RecordingBackend(true, 2, 0);
            assertEquals(OptionalInt.of(1), GpuBinding.bindCurrentThread(List.of("3"), () -> cuda, "2,3", null));
            assertEquals(List.of(1), cuda.bindCalls);
        }

        @Test
        void isIdempotentAcrossTasksOnTheSameThread() {
            RecordingBackend cuda = new RecordingBackend(true, 2, 0);
            for (int task = 0; task < 5; task++) {
                assertEquals(OptionalInt.of(1), GpuBinding.bindCurrentThread(List.of("1"), () -> cuda, null, null));
            }
            assertEquals(List.of(1), cuda.bindCalls, "only the first task switches the device");
        }

        @Test
        void threadAlreadyOnTheDeviceIsLeftAlone() {
            RecordingBackend cuda = new RecordingBackend(true, 1, 0);
            assertEquals(OptionalInt.of(0), GpuBinding.bindCurrentThread(List.of("0"), () -> cuda, null, null));
            assertEquals(List.of(), cuda.bindCalls);
        }

        @Test
        void unknownCurrentDeviceIsBound() {
            RecordingBackend cuda = new RecordingBackend(true, 1, null);
            assertEquals(OptionalInt.of(0), GpuBinding.bindCurrentThread(List.of("0"), () -> cuda, null, null));
            assertEquals(List.of(0), cuda.bindCalls);
        }

        @Test
        void invisibleDeviceFailsWithoutBindingAnything() {
            RecordingBackend cuda = new RecordingBackend(true, 2, 0);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> GpuBinding.bindCurrentThread(List.of("0"), () -> cuda, "2,3", null));
            assertContains(e.getMessage(), "GPU 0", "[2, 3]");
            assertEquals(List.of(), cuda.bindCalls);
        }

        @Test
        void cudaBackendWithoutDevicesFails() {
            RecordingBackend cuda = new RecordingBackend(true, 0, null);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> GpuBinding.bindCurrentThread(List.of("0"), () -> cuda, null, null));
            assertContains(e.getMessage(), "no CUDA devices");
            assertEquals(List.of(), cuda.bindCalls);
        }

        @Test
        void realCpuBackendIsANoOpInsideATaskWithAGpu() {
            // The test classpath carries nd4j-native: a GPU assigned to a task must leave it untouched.
            assertTrue(Nd4j.getEnvironment().isCPU(), "these tests run on the CPU backend");
            TaskContext task = new TaskContextImpl(0, 0, 0, 0L, 0, 1, null, new Properties(), null,
                    TaskMetrics$.MODULE$.empty(), 1,
                    new scala.collection.immutable.Map.Map1<>("gpu", new ResourceInformation("gpu", new String[]{"0"})));
            TaskContext$.MODULE$.setTaskContext(task);
            try {
                assertEquals(List.of("0"), GpuBinding.assignedGpuAddresses());
                assertEquals(OptionalInt.empty(), GpuBinding.bindCurrentThread());
                assertEquals(OptionalInt.empty(), GpuBinding.bindCurrentThread(), "and stays one on the next task");
            } finally {
                TaskContext$.MODULE$.unset();
            }
        }
    }
}
