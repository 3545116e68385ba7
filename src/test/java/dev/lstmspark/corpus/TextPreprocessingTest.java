package dev.lstmspark.corpus;

import dev.lstmspark.TestSupport;
import dev.lstmspark.config.Preprocessing;
import dev.lstmspark.config.TokenKind;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** U+1F600 (an emoji) and U+20000 (a CJK ideograph outside the BMP) are two UTF-16 units each, one token each. */
    private static final String EMOJI = "\uD83D\uDE00";
    private static final String CJK_EXT_B = "\uD840\uDC00";

    @Test
    void lowerKeepsUnicodeLettersDigitsPunctuationAndSymbolsAndFoldsWhitespace() {
        assertEquals("das mädchen sagte: „ärger? nein!“ 1898 € " + EMOJI,
                TextPreprocessing.lower("  Das MÄDCHEN sagte:\t„Ärger?  Nein!“\u00A01898 €\n" + EMOJI + " "));
        assertEquals("при этом 42%", TextPreprocessing.lower("При   этом 42%"));
        // soft hyphen, zero-width space and a byte-order mark are format characters: dropped, not spaces
        assertEquals("zusammenarbeit", TextPreprocessing.lower("\uFEFFZusammen\u00ADarbeit\u200B"));
        // NFC: e + combining acute is one code point, é
        assertEquals(List.of("c", "a", "f", "\u00e9"), TextPreprocessing.tokens(TextPreprocessing.lower("Cafe\u0301"), TokenKind.CHAR));
        assertEquals("", TextPreprocessing.lower(" \t\r\n"));
    }

    @Test
    void rawKeepsTheTextAndNormalizesLineEndsAndToNfc() {
        assertEquals("Der Ärger,\n\tNEIN!\n", TextPreprocessing.raw("Der A\u0308rger,\r\n\tNEIN!\r"));
        assertEquals("x\u00A0y " + EMOJI, TextPreprocessing.raw("x\u00A0y " + EMOJI));
    }

    @Test
    void characterTokensAreCodePointsNotUtf16Units() {
        assertEquals(List.of("a", EMOJI, CJK_EXT_B, "\u4e2d", "b"),
                TextPreprocessing.tokens("a" + EMOJI + CJK_EXT_B + "\u4e2db", TokenKind.CHAR));
        assertEquals(List.of("\u4e2d\u6587", EMOJI + "!", "Ok"), TextPreprocessing.tokens("\u4e2d\u6587 " + EMOJI + "!\n\u3000Ok", TokenKind.WORD));
    }

    /** What separates one record from the next: nothing (d2l), one space (lower), one new line (raw). */
    @Test
    void recordsEndAsEachPreprocessingSays() {
        assertEquals(List.of("a", " ", "b"), TextPreprocessing.recordTokens("A, b.", Preprocessing.D2L, TokenKind.CHAR));
        assertEquals(List.of("a", ",", " ", "b", ".", " "), TextPreprocessing.recordTokens("A, b.", Preprocessing.LOWER, TokenKind.CHAR));
        assertEquals(List.of(), TextPreprocessing.recordTokens("   ", Preprocessing.LOWER, TokenKind.CHAR), "an empty line adds no second space");
        assertEquals(List.of("A", ",", " ", "b", ".", "\n"), TextPreprocessing.recordTokens("A, b.", Preprocessing.RAW, TokenKind.CHAR));
        assertEquals(List.of("\n"), TextPreprocessing.recordTokens("", Preprocessing.RAW, TokenKind.CHAR), "an empty line is a new line");
        assertEquals(List.of("A,", "b."), TextPreprocessing.recordTokens("A, b.", Preprocessing.RAW, TokenKind.WORD));
        // a prefix is not a record: nothing is appended to it
        assertEquals(List.of("A", ","), TextPreprocessing.textTokens("A,", Preprocessing.RAW, TokenKind.CHAR));
        assertEquals(List.of("a", ","), TextPreprocessing.textTokens(" A, ", Preprocessing.LOWER, TokenKind.CHAR));
    }

    /** The modes keep more of the Time Machine than d2l: its 170,580 d2l tokens are a floor for lower and raw. */
    @Test
    void timeMachineKeepsMoreUnderLowerAndRaw() throws IOException {
        long d2l = 0;
        long lower = 0;
        long raw = 0;
        for (String line : Files.readAllLines(TestSupport.timeMachine(), StandardCharsets.UTF_8)) {
            d2l += TextPreprocessing.recordTokens(line, Preprocessing.D2L, TokenKind.CHAR).size();
            lower += TextPreprocessing.recordTokens(line, Preprocessing.LOWER, TokenKind.CHAR).size();
            raw += TextPreprocessing.recordTokens(line, Preprocessing.RAW, TokenKind.CHAR).size();
        }
        assertEquals(170_580, d2l);
        assertTrue(lower > d2l && raw > lower, d2l + " " + lower + " " + raw);
    }
}
