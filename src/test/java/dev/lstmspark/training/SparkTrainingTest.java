package dev.lstmspark.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lstmspark.TestSupport;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.generation.TextGenerator;
import dev.lstmspark.store.SavedModel;
import dev.lstmspark.store.RunLayout;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A few epochs through Spark local[2] with two workers learn a small, highly regular corpus. */
class SparkTrainingTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = TestSupport.spark("local[2]");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    /** Both of d2l's samplings: shuffled windows, and contiguous streams whose state truncated BPTT carries. */
    @ParameterizedTest
    @ValueSource(strings = {"random", "sequential"})
    void learnsARegularCorpusAndGenerationReproducesIt(String sampling, @TempDir Path dir) throws IOException {
        Path corpus = TestSupport.pangramCorpus(dir, 15);
        Path out = dir.resolve("run");
        TrainConfig config = TestSupport.smokeConfig(corpus, out, "sampling", sampling);

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        TestSupport.train(sc, config, out, new java.io.PrintWriter(printed, true, StandardCharsets.UTF_8));

        List<JsonNode> epochs = TestSupport.readMetrics(out);
        assertEquals(config.epochs(), epochs.size());
        JsonNode first = epochs.get(0);
        JsonNode last = epochs.get(epochs.size() - 1);
        for (String key : List.of("epoch", "train_perplexity", "val_perplexity", "tokens", "tokens_per_sec", "seconds", "executors")) {
            assertTrue(last.has(key), "metrics.jsonl lacks " + key);
        }
        assertEquals(1, first.get("epoch").asInt());
        assertEquals(1, last.get("executors").asInt(), "local mode trains on the driver's executor");
        assertTrue(last.get("tokens").asLong() > 0);
        assertTrue(first.get("train_perplexity").asDouble() > 8, "starts near the vocabulary size: " + first);
        assertTrue(last.get("train_perplexity").asDouble() < 1.5, "learns the sentence: " + last);
        assertTrue(last.get("val_perplexity").asDouble() < 1.5, "and the held-out tail: " + last);

        SavedModel saved = TestSupport.savedModel(out.toString());
        String text = TextGenerator.generate(saved.network(), saved.vocabulary(), "the quick", 44, 0, 1);
        assertEquals("the quick brown fox jumps over the lazy dog the quick", text);
        String stdout = printed.toString(StandardCharsets.UTF_8);
        assertTrue(stdout.contains("the quick brown fox"), stdout);
        assertTrue(Files.readString(out.resolve(RunLayout.SAMPLES)).contains("epoch " + config.epochs()));
    }
}
