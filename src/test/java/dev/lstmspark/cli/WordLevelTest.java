package dev.lstmspark.cli;

import dev.lstmspark.TestSupport;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.store.SavedModel;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Word tokens end to end: training, evaluation with unknown words, generation from a word prefix. */
class WordLevelTest {

    @Test
    void wordModelTrainsEvaluatesAndGenerates(@TempDir Path dir) throws IOException {
        String sentence = "the time traveller held in his hand a glittering metallic framework ";
        Path corpus = Files.writeString(dir.resolve("words.txt"), (sentence.repeat(8) + "rare\n").repeat(40));
        Path out = dir.resolve("run");
        TrainConfig config = TestSupport.smokeConfig(corpus, out, "tokens", "word", "min-freq", "2", "num-steps", "6",
                "hidden", "32", "epochs", "20", "sample-prefixes", "the time", "sample-length", "4");
        try (JavaSparkContext sc = TestSupport.spark("local[2]")) {
            TestSupport.train(sc, config);

            SavedModel saved = TestSupport.savedModel(out.toString());
            assertEquals(13, saved.vocabulary().size(), "<unk>, 11 words, rare: " + saved.vocabulary().tokens());
            assertEquals("the time traveller held in his",
                    GenerateCommand.generate(out.toString(), "The time", 4, 0, 1));

            Path other = Files.writeString(dir.resolve("other.txt"), (sentence + "zebra quagga ").repeat(30) + "\n");
            EvaluateCommand.Evaluation e = EvaluateCommand.evaluate(sc, saved, other.toUri().toString(), other.toString());
            assertEquals(60, e.unknownTokens());
            assertTrue(e.perplexity().value() < 13, "better than uniform over the vocabulary: " + e.perplexity().value());
        }
    }
}
