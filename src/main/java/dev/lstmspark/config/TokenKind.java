package dev.lstmspark.config;

/** How a preprocessed line is cut into tokens, as in d2l's {@code tokenize(lines, token)}. */
public enum TokenKind {
    /** One token per character; tokens are joined back with nothing between them. */
    CHAR(""),
    /** Whitespace-separated words; tokens are joined back with one space. */
    WORD(" ");

    private final String separator;

    TokenKind(String separator) {
        this.separator = separator;
    }

    /** The text put between tokens when they are turned back into text. */
    public String separator() {
        return separator;
    }
}
