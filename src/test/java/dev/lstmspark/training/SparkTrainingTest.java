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
import org.junit.jupiter.api.Test;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /**
     * The two things a worker's round used to mean under sequential sampling, set apart: {@code state-minibatches}
     * equal to the averaging frequency is the default, to the bit; a shorter state trains the same minibatches
     * but resets the state more often, so the losses differ.
     */
    @Test
    void stateMinibatchesSplitsTheRoundIntoShorterStatesOfTheSameMinibatches(@TempDir Path dir) throws IOException {
        Path corpus = TestSupport.pangramCorpus(dir, 15);
        List<List<JsonNode>> runs = new java.util.ArrayList<>();
        for (String state : List.of("auto", "4", "2")) {
            Path out = dir.resolve("state-" + state);
            TrainConfig config = TestSupport.smokeConfig(corpus, out, "sampling", "sequential", "epochs", "2",
                    "averaging-frequency", "4", "state-minibatches", state);
            TestSupport.train(sc, config, out, new java.io.PrintWriter(new java.io.StringWriter()));
            runs.add(TestSupport.readMetrics(out));
        }
        for (int e = 0; e < 2; e++) {
            assertEquals(runs.get(0).get(e).get("train_perplexity").asDouble(), runs.get(1).get(e).get("train_perplexity").asDouble());
            assertEquals(runs.get(0).get(e).get("minibatches").asLong(), runs.get(2).get(e).get("minibatches").asLong());
            assertEquals(runs.get(0).get(e).get("tokens").asLong(), runs.get(2).get(e).get("tokens").asLong());
        }
        assertNotEquals(runs.get(0).get(1).get("train_perplexity").asDouble(), runs.get(2).get(1).get("train_perplexity").asDouble());
    }

    /**
     * {@code state-warmup} on Spark: the same minibatches and tokens are trained and counted as without it (the
     * context steps are neither), and the context changes the losses.
     */
    @Test
    void stateWarmupTrainsTheSameMinibatchesWithContextBeforeEachSequence(@TempDir Path dir) throws IOException {
        Path corpus = TestSupport.pangramCorpus(dir, 15);
        List<List<JsonNode>> runs = new java.util.ArrayList<>();
        for (String warmup : List.of("0", "1")) {
            Path out = dir.resolve("warmup-" + warmup);
            TrainConfig config = TestSupport.smokeConfig(corpus, out, "sampling", "sequential", "epochs", "2",
                    "averaging-frequency", "4", "state-minibatches", "2", "state-warmup", warmup);
            TestSupport.train(sc, config, out, new java.io.PrintWriter(new java.io.StringWriter()));
            runs.add(TestSupport.readMetrics(out));
        }
        for (int e = 0; e < 2; e++) {
            assertEquals(runs.get(0).get(e).get("minibatches").asLong(), runs.get(1).get(e).get("minibatches").asLong());
            assertEquals(runs.get(0).get(e).get("tokens").asLong(), runs.get(1).get(e).get("tokens").asLong());
        }
        assertNotEquals(runs.get(0).get(1).get("train_perplexity").asDouble(), runs.get(1).get(1).get("train_perplexity").asDouble());
    }

    @Test
    void stateMinibatchesMustDivideTheRoundItLivesIn() {
        TrainConfig auto = dev.lstmspark.config.ConfigLoader.load(null, java.util.Map.of("sampling", "sequential",
                "state-minibatches", "5"));
        assertEquals(5, SparkTrainer.minibatchesPerSequence(auto, 2), "auto averaging frequency at 2 workers is 5");
        dev.lstmspark.config.ConfigException e = assertThrows(dev.lstmspark.config.ConfigException.class,
                () -> SparkTrainer.minibatchesPerSequence(auto, 8));
        assertEquals("state-minibatches 5 must divide averaging-frequency 2 (auto for these workers): a recurrent state"
                + " cannot outlive an averaging round; choose a divisor of 2, or set averaging-frequency", e.getMessage());
        TrainConfig random = dev.lstmspark.config.ConfigLoader.load(null, java.util.Map.of());
        assertEquals(1, SparkTrainer.minibatchesPerSequence(random, 2), "random sampling: every minibatch starts afresh");
        assertEquals(1, SparkTrainer.dataSetsPerRound(dev.lstmspark.config.ConfigLoader.load(null,
                java.util.Map.of("sampling", "sequential")), 2), "by default a worker's round is one state");
    }
}
