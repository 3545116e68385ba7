package dev.lstmspark.executor;

import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs jobs/gpu-discovery.sh as Spark does (directly, by its shebang) with a PATH that holds only a stand-in
 * nvidia-smi and the tools the test chooses, so a real nvidia-smi on a GPU host cannot leak into the result.
 */
class GpuDiscoveryScriptTest {
    private static final Path SCRIPT = Path.of("jobs", "gpu-discovery.sh");
    /** The exact arguments the script must pass: anything else would print more than the indices. */
    private static final String EXPECTED_ARGS = "--query-gpu=index --format=csv,noheader";

    @TempDir
    Path bin;

    private record Run(int exitCode, String stdout, String stderr) {
    }

    @BeforeEach
    void provideBash() throws IOException {
        // The script starts with "#!/usr/bin/env bash", so bash itself must be on the restricted PATH.
        provideSystemTool("bash");
    }

    /** Puts one system tool on the restricted PATH (a wrapper, not a symlink, which JUnit warns about deleting). */
    private void provideSystemTool(String name) throws IOException {
        executable(bin.resolve(name), "#!/bin/sh\nexec " + systemTool(name) + " \"$@\"\n");
    }

    private static void executable(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Path systemTool(String name) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(name + " not found in /usr/bin, /bin or /usr/local/bin");
    }

    /** A stand-in nvidia-smi that checks its arguments, then runs {@code body} (POSIX sh). */
    private void fakeNvidiaSmi(String body) throws IOException {
        executable(bin.resolve("nvidia-smi"), "#!/bin/sh\n"
                + "if [ \"$*\" != \"" + EXPECTED_ARGS + "\" ]; then echo \"fake nvidia-smi: unexpected arguments: $*\"; exit 2; fi\n"
                + body + "\n");
    }

    private Run discover(String... extraEnvironment) throws IOException, InterruptedException {
        Path out = bin.resolveSibling(bin.getFileName() + ".out");
        Path err = bin.resolveSibling(bin.getFileName() + ".err");
        ProcessBuilder builder = new ProcessBuilder(SCRIPT.toAbsolutePath().toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", bin.toString());
        for (int i = 0; i < extraEnvironment.length; i += 2) {
            builder.environment().put(extraEnvironment[i], extraEnvironment[i + 1]);
        }
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "discovery script did not finish");
        try {
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** A failed discovery: exit 1, nothing on stdout for Spark to misread, and exactly one line on stderr. */
    private static void assertFailedWith(Run run, String expectedInMessage) {
        assertEquals(1, run.exitCode(), () -> "stdout: " + run.stdout() + " stderr: " + run.stderr());
        assertEquals("", run.stdout());
        assertTrue(run.stderr().endsWith("\n") && run.stderr().indexOf('\n') == run.stderr().length() - 1,
                () -> "one line on stderr, got: " + run.stderr());
        assertTrue(run.stderr().contains(expectedInMessage), () -> "expected \"" + expectedInMessage + "\" in " + run.stderr());
    }

    @Test
    void scriptIsExecutableAsSparkRunsIt() {
        assertTrue(Files.isExecutable(SCRIPT), SCRIPT + " must be executable: Spark runs it directly");
    }

    @Test
    void printsEveryGpuAsSparkResourceJson() throws Exception {
        fakeNvidiaSmi("printf '0\\n1\\n'");
        Run run = discover();
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\",\"1\"]}\n", run.stdout());
        assertEquals("", run.stderr());
        // And Spark's own parser accepts it.
        ResourceInformation parsed = ResourceInformation.parseJson(run.stdout());
        assertEquals("gpu", parsed.name());
        assertArrayEquals(new String[]{"0", "1"}, parsed.addresses());
    }

    @Test
    void singleGpu() throws Exception {
        fakeNvidiaSmi("echo 0");
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\"]}\n", discover().stdout());
    }

    @Test
    void toleratesPaddingAndCarriageReturns() throws Exception {
        fakeNvidiaSmi("printf ' 2\\r\\n3 \\n\\n'");
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"2\",\"3\"]}\n", discover().stdout());
    }

    @Test
    void missingNvidiaSmiFailsLoudly() throws Exception {
        assertFailedWith(discover(), "nvidia-smi not found");
    }

    @Test
    void failingNvidiaSmiFailsWithItsFirstLine() throws Exception {
        // What nvidia-smi prints (on stdout) when the driver is not loaded.
        fakeNvidiaSmi("echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\n"
                + "echo 'Make sure that the latest NVIDIA driver is installed and running.'\nexit 9");
        Run run = discover();
        assertFailedWith(run, "exit 9");
        assertTrue(run.stderr().contains("couldn't communicate with the NVIDIA driver"), run.stderr());
    }

    @Test
    void unexpectedOutputIsNotTakenForIndices() throws Exception {
        fakeNvidiaSmi("echo 'No devices were found'");
        assertFailedWith(discover(), "not a GPU index: No devices were found");
    }

    @Test
    void noGpusFailsLoudly() throws Exception {
        fakeNvidiaSmi("exit 0");
        assertFailedWith(discover(), "lists no GPUs");
    }

    @Test
    void hangingNvidiaSmiTimesOut() throws Exception {
        provideSystemTool("timeout");
        fakeNvidiaSmi("exec " + systemTool("sleep") + " 30");
        long start = System.nanoTime();
        Run run = discover("GPU_DISCOVERY_TIMEOUT_SECONDS", "1");
        assertFailedWith(run, "did not answer within 1 s");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "the timeout cut the hang short");
    }
}
