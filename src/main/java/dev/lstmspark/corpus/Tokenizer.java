package dev.lstmspark.corpus;

import dev.lstmspark.config.Preprocessing;
import dev.lstmspark.config.TokenKind;

import java.io.Serializable;
import java.util.List;

/**
 * How text becomes tokens: a {@link Preprocessing} and a {@link TokenKind}. The vocabulary carries it, so the
 * executors that encode the corpus and a saved model that turns a prefix into tokens do exactly what training did.
 */
public record Tokenizer(Preprocessing preprocessing, TokenKind kind) implements Serializable {

    /** d2l's character tokens, what run directories written before {@code preprocess} existed used. */
    public static final Tokenizer D2L_CHARS = new Tokenizer(Preprocessing.D2L, TokenKind.CHAR);

    public Tokenizer {
        java.util.Objects.requireNonNull(preprocessing, "preprocessing");
        java.util.Objects.requireNonNull(kind, "kind");
    }

    /** The tokens of one record of the corpus (a line of a file, a row's text), with what ends it. */
    public List<String> recordTokens(String record) {
        return TextPreprocessing.recordTokens(record, preprocessing, kind);
    }

    /** The tokens of a piece of text such as a generation prefix: nothing is appended to it. */
    public List<String> textTokens(String text) {
        return TextPreprocessing.textTokens(text, preprocessing, kind);
    }

    /** What a vocabulary of nothing but {@code <unk>} means for this preprocessing, for the user. */
    public String whatIsKept() {
        return switch (preprocessing) {
            case D2L -> "preprocess d2l keeps only the letters A-Z and a-z";
            case LOWER -> "preprocess lower keeps letters, digits, punctuation and symbols";
            case RAW -> "preprocess raw keeps all text";
        };
    }
}
