package dev.lstmspark.generation;

import dev.lstmspark.config.UserInputException;
import dev.lstmspark.config.CellType;
import dev.lstmspark.config.TokenKind;
import dev.lstmspark.model.RecurrentNetworks;
import dev.lstmspark.model.ModelSpec;
import dev.lstmspark.vocabulary.Vocabulary;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextGeneratorTest {
    private final Vocabulary vocabulary = new Vocabulary(TokenKind.CHAR, List.of("<unk>", " ", "e", "t", "h", "i", "m"));
    private final MultiLayerNetwork net = RecurrentNetworks.create(new ModelSpec(vocabulary.size(), 16, 1, CellType.LSTM, false, 0, 0.5, 1, 3, 0));

    @Test
    void lettersOutsideTheVocabularyBecomeUnknownInsteadOfFailing() {
        String text = TextGenerator.generate(net, vocabulary, "Time Zebra", 0, 0, 1);
        assertEquals("time <unk>e<unk><unk><unk>", text);
    }

    @Test
    void lengthZeroReturnsThePreprocessedPrefix() {
        assertEquals("the time", TextGenerator.generate(net, vocabulary, "The, TIME!", 0, 0, 1));
    }

    @Test
    void greedyIsDeterministicAndSamplingFollowsTheSeed() {
        String greedy = TextGenerator.generate(net, vocabulary, "the", 20, 0, 1);
        assertEquals(greedy, TextGenerator.generate(net, vocabulary, "the", 20, 0, 99));
        assertEquals(23, greedy.length());
        String a = TextGenerator.generate(net, vocabulary, "the", 40, 1.5, 7);
        assertEquals(a, TextGenerator.generate(net, vocabulary, "the", 40, 1.5, 7));
        assertNotEquals(a, TextGenerator.generate(net, vocabulary, "the", 40, 1.5, 8));
    }

    @Test
    void emptyPrefixAndBadArgumentsAreRejected() {
        assertThrows(UserInputException.class, () -> TextGenerator.generate(net, vocabulary, "123", 5, 0, 1));
        assertThrows(UserInputException.class, () -> TextGenerator.generate(net, vocabulary, "the", -1, 0, 1));
        assertThrows(UserInputException.class, () -> TextGenerator.generate(net, vocabulary, "the", 5, -1, 1));
    }

    @Test
    void samplingAtLowTemperatureApproachesArgMax() {
        float[] p = {0.1f, 0.6f, 0.3f};
        SplittableRandom random = new SplittableRandom(1);
        int hits = 0;
        for (int i = 0; i < 1000; i++) {
            hits += TextGenerator.sample(p, 0.05, random) == 1 ? 1 : 0;
        }
        assertTrue(hits > 990, "hits " + hits);
        assertEquals(1, TextGenerator.argMax(p));
    }
}
