package dev.lstmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lstmspark.TestSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code LSTM_SPARK_OPENBLAS=system} through {@code jobs/train-local.sh}: ND4J trains on the machine's OpenBLAS
 * (Debian's libopenblas0-pthread here) with the bundled build's metrics, the report names the build, and JavaCPP's
 * shared cache still holds the bundled library afterwards (the pitfall the separate cache exists for).
 */
class OtherOpenBlasIT {
    private static final Path SHARED_BUNDLED = Path.of(System.getProperty("user.home"), ".javacpp", "cache",
            "openblas-0.3.19-1.5.7-linux-x86_64.jar", "org", "bytedeco", "openblas", "linux-x86_64", "libopenblas_nolapack.so.0");

    @Test
    void trainsOnTheSystemOpenBlasWithTheBundledBuildsMetrics(@TempDir Path dir) throws Exception {
        Optional<String> found = TestSupport.systemOpenBlas(dir.resolve("cache"));
        Assumptions.assumeTrue(found.isPresent(), "no system OpenBLAS on this machine (apt-get install libopenblas0-pthread)");
        String library = found.get();
        Path corpus = TestSupport.pangramCorpus(dir, 30);

        String bundled = train(dir, corpus, "bundled", dir.resolve("bundled"));
        String system = train(dir, corpus, "system", dir.resolve("system"));
        assertFalse(bundled.contains(library), bundled);

        List<JsonNode> expected = read(dir.resolve("bundled/metrics.jsonl"));
        List<JsonNode> actual = read(dir.resolve("system/metrics.jsonl"));
        assertEquals(expected.size(), actual.size());
        for (int e = 0; e < expected.size(); e++) {
            for (String key : List.of("train_perplexity", "val_perplexity")) {
                double want = expected.get(e).get(key).asDouble();
                // Another BLAS may sum in another order: float32 rounding, not a different model.
                assertEquals(want, actual.get(e).get(key).asDouble(), 1e-4 * want, key + " of epoch " + (e + 1) + "\n" + system);
            }
        }
        String report = Files.readString(dir.resolve("system/report.html"));
        assertTrue(report.contains("OpenBLAS " + library), "the report names the build");
        assertTrue(Files.readString(dir.resolve("bundled/report.html")).contains("the bundled OpenBLAS 0.3.19"));
        if (Files.exists(SHARED_BUNDLED)) {
            // JavaCPP extracts the bundled library as a plain file; a link there would point every later JVM elsewhere.
            assertFalse(Files.isSymbolicLink(SHARED_BUNDLED), "the shared JavaCPP cache was re-linked: " + SHARED_BUNDLED);
        }
    }

    private static String train(Path dir, Path corpus, String openblas, Path out) throws Exception {
        Path log = dir.resolve(openblas + ".log");
        ProcessBuilder pb = new ProcessBuilder("jobs/train-local.sh", "--config", "conf/smoke.properties", "--corpus",
                corpus.toString(), "--epochs", "3", "--master", "local[2]", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("LSTM_SPARK_SKIP_BUILD", "1", "LSTM_SPARK_HEAP", "1g", "LSTM_SPARK_OFFHEAP", "2G",
                "LSTM_SPARK_OPENBLAS", openblas, "LSTM_SPARK_OPENBLAS_CACHE", dir.resolve("cache").toString()));
        pb.environment().remove("OPENBLAS_CORETYPE");
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "train did not end");
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    private static List<JsonNode> read(Path file) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                nodes.add(json.readTree(line));
            }
        }
        return nodes;
    }
}
