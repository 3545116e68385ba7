package dev.lstmspark.config;

/**
 * What of a corpus's text becomes tokens ({@code preprocess}). Applied per record: a line of a text file or the
 * text of one table row. Character tokens are Unicode code points in every mode.
 */
public enum Preprocessing {
    /**
     * d2l's {@code read_time_machine}: every run of characters that are not ASCII letters becomes one space, the
     * record is stripped and lower-cased; records are concatenated with nothing between them.
     */
    D2L,
    /**
     * Unicode text, lower-cased with {@code Locale.ROOT}: letters, marks, digits, punctuation and symbols are kept,
     * every run of whitespace (line ends included) becomes one space, control and format characters are dropped.
     */
    LOWER,
    /**
     * The text as it is, NFC-normalized: case, digits, punctuation and whitespace kept, every record followed by
     * one new line ({@code \r\n} and {@code \r} become {@code \n}).
     */
    RAW
}
