package dev.lstmspark.corpus;

import dev.lstmspark.TestSupport;
import dev.lstmspark.config.TokenKind;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TextPreprocessingTest {

    @Test
    void replacesRunsOfNonLettersWithOneSpaceStripsAndLowerCases() {
        assertEquals("the time machine by h g wells", TextPreprocessing.normalize("  The Time Machine, by H. G. Wells [1898]  "));
        assertEquals("don t", TextPreprocessing.normalize("Don't!"));
        assertEquals("", TextPreprocessing.normalize("1234 -- ..."));
        assertEquals("caf", TextPreprocessing.normalize("café"));
    }

    @Test
    void charTokensAreCharactersAndWordTokensAreWords() {
        assertEquals(List.of("a", " ", "b", "c"), TextPreprocessing.lineTokens("A, bc", TokenKind.CHAR));
        assertEquals(List.of("time", "traveller"), TextPreprocessing.lineTokens("Time -- Traveller.", TokenKind.WORD));
        assertEquals(List.of(), TextPreprocessing.lineTokens("...", TokenKind.WORD));
    }

    @Test
    void timeMachineGivesTheReferenceTokenCount() throws IOException {
        long chars = 0;
        long words = 0;
        for (String line : Files.readAllLines(TestSupport.timeMachine(), StandardCharsets.UTF_8)) {
            chars += TextPreprocessing.lineTokens(line, TokenKind.CHAR).size();
            words += TextPreprocessing.lineTokens(line, TokenKind.WORD).size();
        }
        assertEquals(170_580, chars);
        assertEquals(32_775, words);
    }
}
