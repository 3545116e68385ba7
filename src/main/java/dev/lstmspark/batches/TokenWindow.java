package dev.lstmspark.batches;

import java.io.Serializable;

/** One window of token indices on its way to row {@code row} (piece {@code chunk}) of a minibatch. */
public final class TokenWindow implements Serializable {
    private static final long serialVersionUID = 1L;

    private int row;
    private int chunk;
    private int[] tokens;

    /** For Kryo. */
    TokenWindow() {
    }

    public TokenWindow(int row, int chunk, int[] tokens) {
        this.row = row;
        this.chunk = chunk;
        this.tokens = tokens;
    }

    public int row() {
        return row;
    }

    public int chunk() {
        return chunk;
    }

    public int[] tokens() {
        return tokens;
    }
}
