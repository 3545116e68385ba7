package dev.lstmspark.executor;

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
        assertEquals(2, words.length, out);
        assertTrue(!words[1].equals("unknown"), "the probe saw OpenBLAS's choice: " + out);
        String expected = BlasCore.FALLBACK_CORES.contains(words[1]) ? "SkylakeX" : "-";
        assertEquals(expected, words[0], out);
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
