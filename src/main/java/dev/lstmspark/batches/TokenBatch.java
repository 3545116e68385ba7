package dev.lstmspark.batches;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One minibatch as token indices: {@code rows} sequences of {@code steps + 1} tokens, where step {@code t}
 * has input {@code tokens[t]} and label {@code tokens[t + 1]}. The first {@link #contextSteps} steps are
 * context only: they run the recurrent state through the text before the minibatch, and their labels are masked
 * out of the loss (sequential sampling's {@code state-warmup}).
 */
public final class TokenBatch implements Serializable {
    private static final long serialVersionUID = 1L;

    private long id;
    private int[][] rows;
    private int contextSteps;

    /** For Kryo. */
    TokenBatch() {
    }

    public TokenBatch(long id, int[][] rows) {
        this(id, rows, 0);
    }

    /** @param contextSteps leading steps whose labels are not predicted, fewer than the row's steps */
    public TokenBatch(long id, int[][] rows, int contextSteps) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("a minibatch needs at least one row");
        }
        for (int[] row : rows) {
            if (row.length != rows[0].length || row.length < 2) {
                throw new IllegalArgumentException("minibatch rows must share one length of at least 2");
            }
        }
        if (contextSteps < 0 || contextSteps >= rows[0].length - 1) {
            throw new IllegalArgumentException("context steps must leave at least one predicted step, got " + contextSteps);
        }
        this.id = id;
        this.rows = rows;
        this.contextSteps = contextSteps;
    }

    /**
     * Puts the windows of one minibatch together: rows in order, and the {@code chunk}s of a row one after
     * another, consecutive windows sharing their boundary token.
     */
    public static TokenBatch assemble(long id, Iterable<TokenWindow> windows) {
        return assemble(id, windows, 0);
    }

    /** As {@link #assemble(long, Iterable)}, the first {@code contextChunks} chunks of every row being context only. */
    public static TokenBatch assemble(long id, Iterable<TokenWindow> windows, int contextChunks) {
        List<TokenWindow> list = new ArrayList<>();
        windows.forEach(list::add);
        list.sort(Comparator.comparingInt(TokenWindow::row).thenComparingInt(TokenWindow::chunk));
        int numRows = list.get(list.size() - 1).row() + 1;
        int chunks = list.size() / numRows;
        if (chunks * numRows != list.size()) {
            throw new IllegalStateException("minibatch " + id + " has " + list.size() + " windows for " + numRows + " rows");
        }
        int steps = list.get(0).tokens().length - 1;
        int[][] rows = new int[numRows][chunks * steps + 1];
        for (int i = 0; i < list.size(); i++) {
            TokenWindow w = list.get(i);
            if (w.row() != i / chunks || w.chunk() != i % chunks) {
                throw new IllegalStateException("minibatch " + id + " lacks row " + (i / chunks) + " piece " + (i % chunks));
            }
            System.arraycopy(w.tokens(), 0, rows[w.row()], w.chunk() * steps, steps + 1);
        }
        return new TokenBatch(id, rows, contextChunks * steps);
    }

    public long id() {
        return id;
    }

    public int numRows() {
        return rows.length;
    }

    /** Time steps per row. */
    public int steps() {
        return rows[0].length - 1;
    }

    /** Leading steps of every row that only carry the state in: their labels are not predicted. */
    public int contextSteps() {
        return contextSteps;
    }

    /** Tokens whose successor this minibatch predicts. */
    public long predictedTokens() {
        return (long) rows.length * (steps() - contextSteps);
    }

    public int[][] rows() {
        return rows;
    }

    /** One-hot inputs and labels, both {@code [rows, vocabSize, steps]} float32, as DL4J's recurrent layers take them. */
    public DataSet toDataSet(int vocabSize) {
        return toDataSet(vocabSize, TokenEncoding.Layout.ONE_HOT);
    }

    /** Inputs and labels as a network of {@code layout} takes them. */
    public DataSet toDataSet(int vocabSize, TokenEncoding.Layout layout) {
        return new DataSet(encode(vocabSize, 0, layout.features()), encode(vocabSize, 1, layout.labels()), null,
                labelsMask());
    }

    /** {@code [rows, steps]}: 0 for the context steps, 1 for the predicted ones; {@code null} without context. */
    public INDArray labelsMask() {
        if (contextSteps == 0) {
            return null;
        }
        int steps = steps();
        float[] mask = new float[rows.length * steps];
        for (int r = 0; r < rows.length; r++) {
            Arrays.fill(mask, r * steps + contextSteps, (r + 1) * steps, 1f);
        }
        return Nd4j.create(mask, new long[] {rows.length, steps}, 'c');
    }

    /** {@code tokens[shift .. shift + steps)} of every row, one-hot or as indices. */
    public INDArray encode(int vocabSize, int shift, TokenEncoding encoding) {
        return encoding == TokenEncoding.ONE_HOT ? oneHot(vocabSize, shift) : indices(vocabSize, shift);
    }

    /** The token indices of {@code tokens[shift .. shift + steps)} of every row, {@code [rows, 1, steps]} float32. */
    public INDArray indices(int vocabSize, int shift) {
        int steps = steps();
        float[] data = new float[rows.length * steps];
        for (int r = 0; r < rows.length; r++) {
            for (int t = 0; t < steps; t++) {
                int token = rows[r][t + shift];
                if (token < 0 || token >= vocabSize) {
                    throw new IllegalArgumentException("token index " + token + " outside a vocabulary of " + vocabSize);
                }
                data[r * steps + t] = token;
            }
        }
        return Nd4j.create(data, new long[] {rows.length, 1, steps}, 'c');
    }

    /** One-hot of {@code tokens[shift .. shift + steps)} of every row. */
    public INDArray oneHot(int vocabSize, int shift) {
        int steps = steps();
        float[] data = new float[rows.length * vocabSize * steps];
        for (int r = 0; r < rows.length; r++) {
            int base = r * vocabSize * steps;
            for (int t = 0; t < steps; t++) {
                int token = rows[r][t + shift];
                if (token < 0 || token >= vocabSize) {
                    throw new IllegalArgumentException("token index " + token + " outside a vocabulary of " + vocabSize);
                }
                data[base + token * steps + t] = 1f;
            }
        }
        return Nd4j.create(data, new long[] {rows.length, vocabSize, steps}, 'c').castTo(DataType.FLOAT);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenBatch b && b.id == id && b.contextSteps == contextSteps && Arrays.deepEquals(b.rows, rows);
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(id) * 31 + contextSteps) * 31 + Arrays.deepHashCode(rows);
    }

    @Override
    public String toString() {
        return "TokenBatch(" + id + ", " + rows.length + " x " + steps() + (contextSteps > 0 ? ", " + contextSteps + " context" : "") + ")";
    }
}
