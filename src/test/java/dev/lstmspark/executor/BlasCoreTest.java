package dev.lstmspark.executor;

import dev.lstmspark.TestSupport;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlasCoreTest {
    private static final Set<String> SAPPHIRE_RAPIDS = Set.of("sse3", "avx", "avx2", "fma", "avx512f", "avx512bw",
            "avx512vl", "avx512dq", "amx_tile");
    private static final Set<String> EPYC = Set.of("sse3", "avx", "avx2", "fma");

    /** A CPU OpenBLAS 0.3.19 does not know gets the kernels of its instruction set instead of SSE3's. */
    @Test
    void aFallbackCoreIsReplacedByTheCpusRealInstructionSet() {
        assertEquals(Optional.of("SkylakeX"), BlasCore.recommended("Prescott", SAPPHIRE_RAPIDS));
        assertEquals(Optional.of("Haswell"), BlasCore.recommended("Prescott", EPYC));
        assertEquals(Optional.empty(), BlasCore.recommended("Prescott", Set.of("sse3", "avx")), "nothing better to offer");
    }

    @Test
    void aCoreOpenBlasKnowsIsLeftAlone() {
        assertEquals(Optional.empty(), BlasCore.recommended("Zen", EPYC));
        assertEquals(Optional.empty(), BlasCore.recommended("SkylakeX", SAPPHIRE_RAPIDS));
        assertEquals(Optional.empty(), BlasCore.recommended(null, SAPPHIRE_RAPIDS), "no probe output: no guess");
    }

    @Test
    void readsFlagsAndTheChosenCore() {
        assertEquals(Set.of("fpu", "avx2", "fma"), BlasCore.flags(List.of("processor\t: 0", "model name\t: AMD EPYC",
                "flags\t\t: fpu avx2 fma", "processor\t: 1", "flags\t\t: fpu")));
        assertEquals("Prescott", BlasCore.chosenCore("Unknown CPU model - exf=6 model=15\nCore: Prescott\nloaded\n"));
        assertEquals(null, BlasCore.chosenCore("nothing"));
    }

    /** The probe the launch scripts run: a child JVM loads the bundled OpenBLAS and reports the core it chose. */
    @Test
    void theProbeNamesTheCoreOfThisMachineAndRecommendsForAFakeCpu(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path fake = Files.writeString(dir.resolve("cpuinfo"), "model name\t: Fake Xeon\nflags\t\t: avx2 fma avx512f avx512bw avx512vl avx512dq\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), BlasCore.class.getName())
                .redirectErrorStream(true);
        pb.environment().put("LSTM_SPARK_CPUINFO", fake.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String[] words = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        assertEquals(3, words.length, out);
        assertTrue(!words[1].equals("unknown"), "the probe saw OpenBLAS's choice: " + out);
        String expected = BlasCore.FALLBACK_CORES.contains(words[1]) ? "SkylakeX" : "-";
        assertEquals(expected, words[0], out);
        assertEquals("bundled", words[2], "started without LSTM_SPARK_OPENBLAS: " + out);
    }

    /** JavaCPP loads another build from a copy in its cache; the probe names the file only if the copy is of it. */
    @Test
    void theLoadedLibraryIsTheRequestedFileOnlyWhenItsCopyMatches(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path requested = Files.write(dir.resolve("libopenblas.so.0"), new byte[]{1, 2, 3, 4});
        Path copy = Files.write(dir.resolve("libopenblas_nolapack.so.0"), new byte[]{1, 2, 3, 4});
        Path bundled = Files.write(dir.resolve("bundled.so"), new byte[]{1, 2, 3, 5});
        assertEquals(requested.toString(), BlasCore.loadedSource(copy.toString(), requested.toString()));
        assertEquals("bundled", BlasCore.loadedSource(bundled.toString(), requested.toString()));
        assertEquals("bundled", BlasCore.loadedSource(copy.toString(), null), "nothing requested");
        assertEquals("bundled", BlasCore.loadedSource(null, requested.toString()), "nothing loaded");
        assertEquals("bundled", BlasCore.loadedSource(dir.resolve("gone").toString(), requested.toString()));
        assertEquals(Optional.of("/c/libopenblas_nolapack.so.0"), BlasCore.loadedFile(java.util.Map.of(
                "jnijavacpp", "/c/libjnijavacpp.so", "openblas_nolapack@.0", "/c/libopenblas_nolapack.so.0")));
        assertEquals(Optional.empty(), BlasCore.loadedFile(java.util.Map.of("jnijavacpp", "/c/libjnijavacpp.so")));
    }

    /** An executor on a node without the requested file says so, naming the host, the file and the fix. */
    @Test
    void anExecutorWithoutTheRequestedBuildWarns(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path requested = Files.write(dir.resolve("libopenblas.so.0"), new byte[]{1, 2, 3, 4});
        Path copy = Files.write(dir.resolve("libopenblas_nolapack.so.0"), new byte[]{1, 2, 3, 4});
        Path bundled = Files.write(dir.resolve("bundled.so"), new byte[]{9});
        String warning = BlasCore.requestedBuildMissing(requested.toString(), bundled.toString(), "node-7").orElseThrow();
        assertTrue(warning.contains("node-7") && warning.contains(requested.toString())
                && warning.contains("LSTM_SPARK_EXECUTOR_OPENBLAS"), warning);
        assertEquals(Optional.empty(), BlasCore.requestedBuildMissing(requested.toString(), copy.toString(), "node-7"));
        assertEquals(Optional.empty(), BlasCore.requestedBuildMissing(null, bundled.toString(), "node-7"));
        assertEquals(Optional.empty(), BlasCore.requestedBuildMissing(requested.toString(), null, "node-7"));
    }

    /** The report names the build as well as the core. */
    @Test
    void theDescriptionNamesTheOpenBlasBuild() {
        String core = System.getProperty(BlasCore.PROPERTY);
        String library = System.getProperty(BlasCore.LIBRARY_PROPERTY);
        try {
            System.setProperty(BlasCore.PROPERTY, "Zen");
            System.clearProperty(BlasCore.LIBRARY_PROPERTY);
            assertTrue(BlasCore.describe().startsWith("Zen (") && BlasCore.describe().endsWith("the bundled OpenBLAS 0.3.19)"),
                    BlasCore.describe());
            System.setProperty(BlasCore.LIBRARY_PROPERTY, "/usr/lib/libopenblasp-r0.3.21.so");
            assertTrue(BlasCore.describe().endsWith("; OpenBLAS /usr/lib/libopenblasp-r0.3.21.so)"), BlasCore.describe());
        } finally {
            restore(BlasCore.PROPERTY, core);
            restore(BlasCore.LIBRARY_PROPERTY, library);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    /**
     * jobs/common.sh, LSTM_SPARK_OPENBLAS: an unusable choice ends in one line naming the variable and a non-zero
     * status, before any JVM trains; a file JavaCPP cannot load (it falls back to the bundled build) is refused too.
     */
    @Test
    void anOpenBlasChoiceThatCannotLoadIsRefusedInOneLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path notALibrary = Files.writeString(dir.resolve("libopenblas.so.0"), "not an ELF file\n");
        Path badName = Files.writeString(dir.resolve("openblas.dll"), "x\n");
        for (String choice : List.of(dir.resolve("missing/libopenblas.so.0").toString(), badName.toString(), notALibrary.toString())) {
            String out = refusal(choice, null, dir.resolve("cache"));
            assertTrue(out.startsWith("error: LSTM_SPARK_OPENBLAS") && out.contains(choice.substring(choice.lastIndexOf('/') + 1)), out);
        }
    }

    /**
     * What {@code choose_blas_core} prints when it refuses {@code LSTM_SPARK_OPENBLAS=choice} (with the user's
     * {@code OPENBLAS_CORETYPE}, or none): it must exit 1 with exactly one line.
     */
    private static String refusal(String choice, String userCore, Path cache) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source jobs/common.sh; choose_blas_core \"$1\" || exit $?; echo chosen",
                "test", System.getProperty("java.class.path")).redirectErrorStream(true);
        if (userCore == null) {
            pb.environment().remove("OPENBLAS_CORETYPE");
        } else {
            pb.environment().put("OPENBLAS_CORETYPE", userCore);
        }
        pb.environment().put("LSTM_SPARK_OPENBLAS", choice);
        pb.environment().put("LSTM_SPARK_OPENBLAS_CACHE", cache.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), choice + ": " + out);
        assertEquals(1, out.lines().count(), "one line: " + out);
        return out;
    }

    /** A user's OPENBLAS_CORETYPE still wins the kernels, but not over the check that the asked-for build loads. */
    @Test
    void anOpenBlasChoiceThatCannotLoadIsRefusedEvenWithTheUsersCore(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path notALibrary = Files.writeString(dir.resolve("libopenblas.so.0"), "not an ELF file\n");
        String out = refusal(notALibrary.toString(), "Haswell", dir.resolve("cache"));
        assertTrue(out.startsWith("error: LSTM_SPARK_OPENBLAS=" + notALibrary + ": JavaCPP did not load"), out);
    }

    /**
     * LSTM_SPARK_OPENBLAS=system on a machine with a system OpenBLAS (here Debian's libopenblas0-pthread): the
     * probe loads that file, and the JVM flags the scripts pass on point JavaCPP at it with a cache of its own.
     */
    @Test
    void theSystemOpenBlasIsLoadedWhenAsked(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String classpath = System.getProperty("java.class.path");
        Optional<String> system = TestSupport.systemOpenBlas(dir.resolve("cache"));
        org.junit.jupiter.api.Assumptions.assumeTrue(system.isPresent(), "no system OpenBLAS here");
        String library = system.get();

        String script = "source jobs/common.sh; choose_blas_core \"$1\" || exit $?; echo \"$OPENBLAS_LIBRARY|$OPENBLAS_LIBRARY_OPTS|$BLAS_CORE_OPTS\"";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script, "test", classpath).redirectErrorStream(true);
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().put("LSTM_SPARK_OPENBLAS", "system");
        pb.environment().put("LSTM_SPARK_OPENBLAS_CACHE", dir.resolve("cache").toString());
        String[] parts = run(pb).split("\\|");
        assertEquals(library, parts[0]);
        assertTrue(parts[1].contains("-Djava.library.path=" + Path.of(library).getParent())
                && parts[1].contains("-Dorg.bytedeco.javacpp.cachedir=" + dir.resolve("cache"))
                && parts[1].contains("-Dlstmspark.blas.library=" + library), parts[1]);
        assertTrue(parts[2].startsWith("-Dlstmspark.blas.core="), parts[2]);
    }

    /** jobs/common.sh: a user's OPENBLAS_CORETYPE wins; otherwise the probe's answer is exported and cached per CPU. */
    @Test
    void theLaunchScriptsKeepTheUsersChoiceAndOtherwiseProbe(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String classpath = System.getProperty("java.class.path");
        String script = "source jobs/common.sh; choose_blas_core \"$1\"; echo \"${OPENBLAS_CORETYPE:-none}|$BLAS_CORE_OPTS\"";
        ProcessBuilder user = new ProcessBuilder("bash", "-c", script, "test", classpath).redirectErrorStream(true);
        user.environment().put("OPENBLAS_CORETYPE", "Haswell");
        assertEquals("Haswell|-Dlstmspark.blas.core=Haswell", run(user));

        Path fake = Files.writeString(dir.resolve("cpuinfo"), "model name\t: Test CPU " + System.nanoTime() + "\nflags\t\t: sse3\n");
        ProcessBuilder probed = new ProcessBuilder("bash", "-c", script, "test", classpath).redirectErrorStream(true);
        probed.environment().remove("OPENBLAS_CORETYPE");
        probed.environment().put("LSTM_SPARK_CPUINFO", fake.toString());
        String first = run(probed);
        assertTrue(first.startsWith("none|-Dlstmspark.blas.core="), "an SSE3-only CPU has nothing better: " + first);
        assertEquals(first, run(probed), "the second launch reads the cache");
    }

    private static String run(ProcessBuilder pb) throws Exception {
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().reduce((a, b) -> b).orElse("");
    }
}
