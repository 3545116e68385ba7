package dev.lstmspark.corpus;

import dev.lstmspark.config.Preprocessing;
import dev.lstmspark.config.TokenKind;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The three preprocessings of one record (a line of a text file, the text of a table row) as plain static
 * functions that Spark tasks, the driver (generation prefixes) and tests call alike; see {@link Preprocessing}.
 * {@link Tokenizer} puts a preprocessing and a token kind together.
 */
public final class TextPreprocessing {

    private static final Pattern NON_LETTERS = Pattern.compile("[^A-Za-z]+");

    private TextPreprocessing() {
    }

    /** d2l: {@code re.sub('[^A-Za-z]+', ' ', line).strip().lower()}. */
    public static String normalize(String line) {
        return NON_LETTERS.matcher(line).replaceAll(" ").strip().toLowerCase(Locale.ROOT);
    }

    /**
     * {@link Preprocessing#LOWER}: NFC, then letters, marks, digits, punctuation and symbols kept, every run of
     * whitespace one space (none at either end), control and format characters (a byte-order mark, zero-width
     * spaces, soft hyphens) dropped, and the whole lower-cased with {@code Locale.ROOT}.
     */
    public static String lower(String text) {
        String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
        StringBuilder kept = new StringBuilder(nfc.length());
        boolean space = false;
        for (int i = 0; i < nfc.length(); ) {
            int cp = nfc.codePointAt(i);
            i += Character.charCount(cp);
            if (isWhitespace(cp)) {
                space = kept.length() > 0;
            } else if (isVisible(cp)) {
                if (space) {
                    kept.append(' ');
                    space = false;
                }
                kept.appendCodePoint(cp);
            }
        }
        return kept.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * {@link Preprocessing#RAW}: NFC, with {@code \r\n} and {@code \r} as {@code \n} (a table's text may hold
     * either; a text file's line reader has already split on them).
     */
    public static String raw(String text) {
        String s = text;
        if (s.indexOf('\r') >= 0) {
            s = s.replace("\r\n", "\n").replace('\r', '\n');
        }
        return Normalizer.normalize(s, Normalizer.Form.NFC);
    }

    /**
     * The tokens of one record of the corpus, including what separates it from the next: nothing in d2l mode
     * (d2l concatenates lines), one space in lower mode (a line end is whitespace), one new line in raw mode (a
     * text file's line reader drops the line's end; it is put back). Word tokens never include the separator.
     */
    public static List<String> recordTokens(String record, Preprocessing preprocessing, TokenKind kind) {
        return switch (preprocessing) {
            case D2L -> tokens(normalize(record), kind);
            case LOWER -> {
                String text = lower(record);
                yield tokens(text.isEmpty() ? text : text + " ", kind);
            }
            case RAW -> tokens(raw(record) + "\n", kind);
        };
    }

    /** The tokens of text that is not a whole record, a generation prefix: preprocessed, nothing appended. */
    public static List<String> textTokens(String text, Preprocessing preprocessing, TokenKind kind) {
        return switch (preprocessing) {
            case D2L -> tokens(normalize(text), kind);
            case LOWER -> tokens(lower(text), kind);
            case RAW -> tokens(raw(text), kind);
        };
    }

    /**
     * Preprocessed text cut into tokens: one per Unicode code point (so a supplementary character, an emoji or a
     * rare CJK ideograph, is one token, not two UTF-16 halves), or the words between runs of whitespace.
     */
    public static List<String> tokens(String text, TokenKind kind) {
        if (text.isEmpty()) {
            return List.of();
        }
        if (kind == TokenKind.WORD) {
            return words(text);
        }
        List<String> chars = new ArrayList<>(text.length());
        for (int i = 0; i < text.length(); ) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                chars.add(text.substring(i, i + 2));
                i += 2;
            } else {
                chars.add(String.valueOf(c));
                i++;
            }
        }
        return chars;
    }

    /** d2l's tokens of one raw line: {@link #normalize}, then {@link #tokens}. */
    public static List<String> lineTokens(String rawLine, TokenKind kind) {
        return tokens(normalize(rawLine), kind);
    }

    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (isWhitespace(cp)) {
                if (start >= 0) {
                    words.add(text.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            words.add(text.substring(start));
        }
        return words;
    }

    /** Spaces, tabs, line ends, and Unicode's space separators (no-break space among them). */
    static boolean isWhitespace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    /** Letters, marks, numbers, punctuation and symbols: everything but controls, format, private-use and unassigned. */
    static boolean isVisible(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE, Character.UNASSIGNED -> false;
            default -> true;
        };
    }
}
