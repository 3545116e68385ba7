package dev.lstmspark.cli;

import dev.lstmspark.TestSupport;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.store.SavedModel;
import dev.lstmspark.model.fused.FusedGru;
import dev.lstmspark.model.gru.Gru;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell gru} through the whole pipeline: parameter averaging on Spark with sequential sampling (truncated
 * BPTT carrying GRU state), a checkpoint that restores the custom layer, generation and evaluation from it, for
 * the project's stock GRU layer and for the fused one that {@code kernels auto} picks on CPUs.
 */
class GruEndToEndTest {

    @ParameterizedTest(name = "kernels {0}")
    @ValueSource(strings = {"stock", "fused"})
    void gruModelTrainsOnSparkThenGeneratesAndEvaluatesFromItsRunDirectory(String kernels, @TempDir Path dir)
            throws IOException {
        Path corpus = TestSupport.pangramCorpus(dir, 15);
        Path out = dir.resolve("run");
        TrainConfig config = TestSupport.smokeConfig(corpus, out, "cell", "gru", "sampling", "sequential", "epochs", "30",
                "kernels", kernels);
        try (JavaSparkContext sc = TestSupport.spark("local[2]")) {
            TestSupport.train(sc, config);

            SavedModel saved = TestSupport.savedModel(out.toString());
            Class<?> expected = kernels.equals("fused") ? FusedGru.class : Gru.class;
            assertEquals(expected, saved.network().getLayerWiseConfigurations().getConf(0).getLayer().getClass());
            assertEquals("the quick brown fox jumps over the lazy dog",
                    GenerateCommand.generate(out.toString(), "the quick", 34, 0, 1));
            EvaluateCommand.Evaluation e = EvaluateCommand.evaluate(sc, saved, corpus.toUri().toString(), corpus.toString());
            assertTrue(e.perplexity().value() < 1.5, "learned the pangram: perplexity " + e.perplexity().value());
        }
    }
}
