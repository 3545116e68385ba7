package dev.lstmspark.batches;

/**
 * How a network takes tokens: as one-hot vectors {@code [rows, vocabSize, steps]} (DL4J's stock recurrent layers
 * and its MCXENT loss), or as their indices {@code [rows, 1, steps]} (the fused layers' row gather, and the sparse
 * MCXENT loss), 1/{@code vocabSize} of the size.
 */
public enum TokenEncoding {
    ONE_HOT,
    INDEX;

    /** How a network takes its inputs and its labels. */
    public record Layout(TokenEncoding features, TokenEncoding labels) implements java.io.Serializable {
        public static final Layout ONE_HOT = new Layout(TokenEncoding.ONE_HOT, TokenEncoding.ONE_HOT);
        public static final Layout INDEX = new Layout(TokenEncoding.INDEX, TokenEncoding.INDEX);
    }
}
