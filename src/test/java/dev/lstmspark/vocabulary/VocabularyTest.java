package dev.lstmspark.vocabulary;

import dev.lstmspark.config.Preprocessing;
import dev.lstmspark.config.TokenKind;
import dev.lstmspark.corpus.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** A Chinese corpus has thousands of characters: max-vocab keeps the most frequent, <unk> included in the count. */
    @Test
    void maxVocabKeepsTheMostFrequentTokensWithUnknownCounted() {
        Tokenizer raw = new Tokenizer(Preprocessing.RAW, TokenKind.CHAR);
        Map<String, Long> counts = Map.of("\u7684", 50L, "\u662f", 20L, "\u4e00", 20L, "\u4e0d", 3L, "\n", 7L);
        Vocabulary v = Vocabulary.fromCounts(raw, counts, 0, 4);
        assertEquals(List.of("<unk>", "\u7684", "\u4e00", "\u662f"), v.tokens());
        assertEquals(Vocabulary.UNKNOWN_INDEX, v.indexOf("\n"));
        assertEquals(List.of("<unk>", "\u7684"), Vocabulary.fromCounts(raw, counts, 21, 4).tokens(), "min-freq applies too");
        assertEquals(6, Vocabulary.fromCounts(raw, counts, 0, 0).size(), "0 is no limit");
        assertThrows(IllegalArgumentException.class, () -> new Vocabulary(raw, 2, List.of("<unk>", "a", "b")));
    }

    @Test
    void jsonCarriesThePreprocessingAndMaxVocab() {
        Vocabulary v = Vocabulary.fromCounts(new Tokenizer(Preprocessing.LOWER, TokenKind.WORD),
                Map.of("der", 4L, "\u00e4rger", 2L, "x", 1L), 0, 3);
        String json = new String(v.toJson(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"preprocess\" : \"lower\"") && json.contains("\"max_vocab\" : 3"), json);
        Vocabulary back = Vocabulary.fromJson(v.toJson(), "vocab.json");
        assertEquals(v, back);
        assertEquals(new Tokenizer(Preprocessing.LOWER, TokenKind.WORD), back.tokenizer());
        assertEquals(3, back.maxVocab());
        assertFalse(back.equals(new Vocabulary(TokenKind.WORD, v.tokens())), "the same tokens preprocessed otherwise are another vocabulary");
    }

    /** Run directories from before preprocess existed hold d2l vocabularies, and still load as such. */
    @Test
    void aVocabularyWithoutPreprocessingFieldsLoadsAsD2l() {
        Vocabulary old = Vocabulary.fromJson("{\"token_kind\": \"char\", \"tokens\": [\"<unk>\", \" \", \"e\"]}".getBytes(), "old/vocab.json");
        assertEquals(Tokenizer.D2L_CHARS, old.tokenizer());
        assertEquals(0, old.maxVocab());
        assertEquals(List.of("e", " ", "e"), old.tokenizer().textTokens("E! e"));
    }
}
