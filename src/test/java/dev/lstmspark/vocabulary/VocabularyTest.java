package dev.lstmspark.vocabulary;

import dev.lstmspark.config.TokenKind;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VocabularyTest {

    @Test
    void unknownFirstThenDescendingFrequencyTiesByToken() {
        Vocabulary v = Vocabulary.fromCounts(TokenKind.CHAR, Map.of("b", 3L, "a", 3L, "c", 5L, "d", 1L), 0);
        assertEquals(List.of("<unk>", "c", "a", "b", "d"), v.tokens());
        assertEquals(0, v.indexOf("zzz"));
        assertEquals(2, v.indexOf("a"));
    }

    @Test
    void minFreqSendsRareTokensToUnknown() {
        Vocabulary v = Vocabulary.fromCounts(TokenKind.WORD, Map.of("the", 10L, "time", 2L, "rare", 1L), 2);
        assertEquals(List.of("<unk>", "the", "time"), v.tokens());
        assertFalse(v.contains("rare"));
        assertEquals(Vocabulary.UNKNOWN_INDEX, v.indexOf("rare"));
    }

    @Test
    void jsonRoundTripsAndDecodeJoinsByTokenKind() {
        Vocabulary words = Vocabulary.fromCounts(TokenKind.WORD, Map.of("the", 10L, "time", 2L, "\"quoted\"", 2L), 0);
        Vocabulary back = Vocabulary.fromJson(words.toJson(), "test");
        assertEquals(words, back);
        assertEquals("the time", back.decode(new int[] {1, back.indexOf("time")}));
        Vocabulary chars = Vocabulary.fromCounts(TokenKind.CHAR, Map.of("a", 2L, "b", 1L), 0);
        assertEquals("ab", chars.decode(new int[] {1, 2}));
    }

    @Test
    void malformedJsonNamesTheFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Vocabulary.fromJson("{\"tokens\": 3}".getBytes(), "run/vocab.json"));
        assertEquals(true, e.getMessage().contains("run/vocab.json"));
    }
}
