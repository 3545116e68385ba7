package dev.lstmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lstmspark.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused layers with and without the Vector API, through {@code jobs/train-local.sh}: by default the JVM gets
 * {@code --add-modules=jdk.incubator.vector} and the time steps run in Java; with {@code LSTM_SPARK_VECTOR_API=off}
 * (as in a JVM someone starts without the flag) they run on OpenBLAS, the log says so once, and the metrics are the
 * same within float rounding. Each report names the kernels that ran.
 */
class VectorApiIT {

    private static final String FALLBACK_WARNING = "fused layers compute their time steps on OpenBLAS";

    @Test
    void trainsTheSameWithAndWithoutTheVectorApi(@TempDir Path dir) throws Exception {
        Path corpus = TestSupport.pangramCorpus(dir, 30);
        String vector = train(corpus, "on", dir.resolve("vector"), dir.resolve("vector.log"));
        String openBlas = train(corpus, "off", dir.resolve("openblas"), dir.resolve("openblas.log"));
        assertFalse(vector.contains(FALLBACK_WARNING), vector);
        assertEquals(1, openBlas.split(FALLBACK_WARNING, -1).length - 1, "warned once:\n" + openBlas);

        List<JsonNode> expected = TestSupport.readMetrics(dir.resolve("openblas"));
        List<JsonNode> actual = TestSupport.readMetrics(dir.resolve("vector"));
        assertEquals(expected.size(), actual.size());
        for (int e = 0; e < expected.size(); e++) {
            for (String key : List.of("train_perplexity", "val_perplexity")) {
                double want = expected.get(e).get(key).asDouble();
                // float activations and another summation order: float32 rounding, carried through the epochs
                assertEquals(want, actual.get(e).get(key).asDouble(), 1e-3 * want, key + " of epoch " + (e + 1));
            }
        }
        assertTrue(Files.readString(dir.resolve("vector/report.html")).contains("Java Vector API"));
        assertTrue(Files.readString(dir.resolve("openblas/report.html")).contains("OpenBLAS (JVM without --add-modules=jdk.incubator.vector)"));
    }

    private static String train(Path corpus, String vectorApi, Path out, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("jobs/train-local.sh", "--config", "conf/smoke.properties", "--corpus",
                corpus.toString(), "--epochs", "3", "--master", "local[2]", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("LSTM_SPARK_SKIP_BUILD", "1", "LSTM_SPARK_HEAP", "1g", "LSTM_SPARK_OFFHEAP", "2G",
                "LSTM_SPARK_VECTOR_API", vectorApi));
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "train did not end");
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        return output;
    }
}
