package dev.lstmspark.corpus;

import dev.lstmspark.config.TokenKind;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * d2l's preprocessing of one line, as plain static functions that Spark tasks and tests call alike:
 * every run of characters that are not ASCII letters becomes one space, the line is stripped and lower-cased.
 */
public final class TextPreprocessing {

    private static final Pattern NON_LETTERS = Pattern.compile("[^A-Za-z]+");
    private static final Pattern SPACES = Pattern.compile(" +");

    private TextPreprocessing() {
    }

    /** {@code re.sub('[^A-Za-z]+', ' ', line).strip().lower()}. */
    public static String normalize(String line) {
        return NON_LETTERS.matcher(line).replaceAll(" ").strip().toLowerCase(java.util.Locale.ROOT);
    }

    /** The tokens of one already-normalized line; lines are later concatenated with no separator. */
    public static List<String> tokens(String normalizedLine, TokenKind kind) {
        if (normalizedLine.isEmpty()) {
            return List.of();
        }
        if (kind == TokenKind.WORD) {
            return List.of(SPACES.split(normalizedLine));
        }
        List<String> chars = new ArrayList<>(normalizedLine.length());
        for (int i = 0; i < normalizedLine.length(); i++) {
            chars.add(String.valueOf(normalizedLine.charAt(i)));
        }
        return chars;
    }

    /** Normalizes and tokenizes one raw line of the corpus. */
    public static List<String> lineTokens(String rawLine, TokenKind kind) {
        return tokens(normalize(rawLine), kind);
    }
}
