package dev.lstmspark.batches;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Where the windows of one epoch start and which minibatch row each fills: d2l's random and sequential
 * sampling, and plain in-order windows for evaluation.
 *
 * <p>A window is {@code numSteps + 1} tokens: inputs are the first {@code numSteps}, labels the last
 * {@code numSteps}. A plan only does arithmetic on positions, so each Spark partition asks it for the windows
 * that start inside its own range and never needs to see the rest of the corpus.
 */
public abstract class WindowPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    protected final long origin;
    protected final long length;
    protected final int numSteps;
    protected final int batchSize;

    WindowPlan(long origin, long length, int numSteps, int batchSize) {
        if (numSteps < 1 || batchSize < 1 || length < 0 || origin < 0) {
            throw new IllegalArgumentException("bad window plan");
        }
        this.origin = origin;
        this.length = length;
        this.numSteps = numSteps;
        this.batchSize = batchSize;
    }

    /**
     * d2l's {@code seq_data_iter_random} over tokens {@code [origin, origin + length)}: a random offset in
     * {@code [0, numSteps)}, then non-overlapping windows every {@code numSteps} tokens, shuffled, grouped
     * {@code batchSize} at a time; the windows left over after the last full minibatch are dropped.
     */
    public static WindowPlan random(long origin, long length, int numSteps, int batchSize, long seed, int epoch) {
        return new Random(origin, length, numSteps, batchSize, seed, epoch);
    }

    /**
     * d2l's {@code seq_data_iter_sequential}: a random offset, then {@code batchSize} contiguous streams;
     * minibatch {@code i} holds steps {@code [i*numSteps, (i+1)*numSteps)} of every stream. Consecutive
     * minibatches are packed {@code chunksPerBatch} at a time into one sequence that truncated BPTT walks through.
     */
    public static WindowPlan sequential(long origin, long length, int numSteps, int batchSize, int chunksPerBatch,
                                        long seed, int epoch) {
        return sequential(origin, length, numSteps, batchSize, chunksPerBatch, 0, seed, epoch);
    }

    /**
     * As {@link #sequential(long, long, int, int, int, long, int)}, every packed sequence after a stream's first
     * also starting with the {@code contextChunks} windows before it ({@link #contextChunks}): they run the
     * recurrent state through the preceding text, so that the sequence's first predictions have the context a
     * state carried from the previous sequence would give, and are not predicted again.
     */
    public static WindowPlan sequential(long origin, long length, int numSteps, int batchSize, int chunksPerBatch,
                                        int contextChunks, long seed, int epoch) {
        return new Sequential(origin, length, numSteps, batchSize, chunksPerBatch, contextChunks, seed, epoch);
    }

    /** In-order windows with no offset and no shuffle; the last minibatch may have fewer rows. */
    public static WindowPlan inOrder(long origin, long length, int numSteps, int batchSize) {
        return new InOrder(origin, length, numSteps, batchSize);
    }

    /** The offset d2l draws for an epoch, in {@code [0, numSteps)}, as a function of seed and epoch alone. */
    static int epochOffset(long seed, int epoch, int numSteps) {
        return new SplittableRandom(FeistelPermutation.mix(seed * 0x9E3779B97F4A7C15L + epoch)).nextInt(numSteps);
    }

    public int numSteps() {
        return numSteps;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Tokens in one window: inputs plus the label of the last step. */
    public int windowLength() {
        return numSteps + 1;
    }

    /** Consecutive windows that make up one row of a minibatch (1 unless sequential sampling packs several). */
    public int chunksPerBatch() {
        return 1;
    }

    /**
     * Leading windows of every row of batch {@code batch} that are context only (their tokens are not predicted),
     * placed before its own {@link #chunksPerBatch}; 0 unless sequential sampling warms its state up.
     */
    public int contextChunks(long batch) {
        return 0;
    }

    /**
     * Batches this plan fills: minibatches, or with {@link #chunksPerBatch} above 1 packed sequences of that many
     * consecutive minibatches each (the last may be shorter).
     */
    public abstract long numBatches();

    /** Windows this plan places into minibatches. */
    public abstract long numWindows();

    /**
     * Minibatch updates one epoch of this plan makes: its batches, or with sequences packed the minibatches in
     * them (one per {@code batchSize} windows).
     */
    public long numMinibatches() {
        return chunksPerBatch() == 1 ? numBatches() : numWindows() / batchSize;
    }

    /**
     * Calls {@code sink} for every placed window whose first token lies in {@code [from, to)}, context windows
     * included (a window can be a batch's own and the next batch's context).
     */
    public abstract void forEachWindowStartingIn(long from, long to, WindowSink sink);

    /** Tokens whose next token is predicted in one epoch: every placed window's inputs. */
    public long predictedTokens() {
        return numWindows() * numSteps;
    }

    static long ceilDiv(long a, long b) {
        return Math.floorDiv(a + b - 1, b);
    }

    private static final class Random extends WindowPlan {
        private static final long serialVersionUID = 1L;
        private final long offset;
        private final long windows;
        private final long batches;
        private final FeistelPermutation shuffle;

        Random(long origin, long length, int numSteps, int batchSize, long seed, int epoch) {
            super(origin, length, numSteps, batchSize);
            this.offset = epochOffset(seed, epoch, numSteps);
            this.windows = Math.max(0, (length - offset - 1) / numSteps);
            this.batches = windows / batchSize;
            this.shuffle = new FeistelPermutation(windows, FeistelPermutation.mix(seed ^ (0x5DEECE66DL * (epoch + 1))));
        }

        @Override
        public long numBatches() {
            return batches;
        }

        @Override
        public long numWindows() {
            return batches * batchSize;
        }

        @Override
        public void forEachWindowStartingIn(long from, long to, WindowSink sink) {
            long first = origin + offset;
            long k0 = Math.max(0, ceilDiv(from - first, numSteps));
            long k1 = Math.min(windows, ceilDiv(to - first, numSteps));
            long kept = batches * batchSize;
            for (long k = k0; k < k1; k++) {
                long rank = shuffle.apply(k);
                if (rank < kept) {
                    sink.accept(first + k * numSteps, rank / batchSize, (int) (rank % batchSize), 0);
                }
            }
        }
    }

    private static final class Sequential extends WindowPlan {
        private static final long serialVersionUID = 1L;
        private final long offset;
        private final long streamLength;
        private final long stepsPerStream;
        private final int chunksPerBatch;
        private final int contextChunks;

        Sequential(long origin, long length, int numSteps, int batchSize, int chunksPerBatch, int contextChunks,
                   long seed, int epoch) {
            super(origin, length, numSteps, batchSize);
            if (chunksPerBatch < 1 || contextChunks < 0) {
                throw new IllegalArgumentException("chunksPerBatch must be positive and contextChunks not negative");
            }
            this.offset = epochOffset(seed, epoch, numSteps);
            this.streamLength = Math.max(0, (length - offset - 1) / batchSize);
            this.stepsPerStream = streamLength / numSteps;
            this.chunksPerBatch = chunksPerBatch;
            this.contextChunks = contextChunks;
        }

        @Override
        public int chunksPerBatch() {
            return chunksPerBatch;
        }

        /** The configured context, or as much of the stream as lies before the batch. */
        @Override
        public int contextChunks(long batch) {
            return (int) Math.min(contextChunks, batch * chunksPerBatch);
        }

        @Override
        public long numBatches() {
            return ceilDiv(stepsPerStream, chunksPerBatch);
        }

        @Override
        public long numWindows() {
            return stepsPerStream * batchSize;
        }

        @Override
        public void forEachWindowStartingIn(long from, long to, WindowSink sink) {
            long batches = numBatches();
            for (int row = 0; row < batchSize; row++) {
                long streamStart = origin + offset + row * streamLength;
                long i0 = Math.max(0, ceilDiv(from - streamStart, numSteps));
                long i1 = Math.min(stepsPerStream, ceilDiv(to - streamStart, numSteps));
                for (long i = i0; i < i1; i++) {
                    long batch = i / chunksPerBatch;
                    sink.accept(streamStart + i * numSteps, batch, row, contextChunks(batch) + (int) (i % chunksPerBatch));
                    // Window i is also context of the later batches whose context reaches back to it.
                    for (long later = batch + 1; later < batches && later * chunksPerBatch - contextChunks(later) <= i; later++) {
                        sink.accept(streamStart + i * numSteps, later, row, (int) (i - (later * chunksPerBatch - contextChunks(later))));
                    }
                }
            }
        }
    }

    private static final class InOrder extends WindowPlan {
        private static final long serialVersionUID = 1L;
        private final long windows;

        InOrder(long origin, long length, int numSteps, int batchSize) {
            super(origin, length, numSteps, batchSize);
            this.windows = Math.max(0, (length - 1) / numSteps);
        }

        @Override
        public long numBatches() {
            return ceilDiv(windows, batchSize);
        }

        @Override
        public long numWindows() {
            return windows;
        }

        @Override
        public void forEachWindowStartingIn(long from, long to, WindowSink sink) {
            long k0 = Math.max(0, ceilDiv(from - origin, numSteps));
            long k1 = Math.min(windows, ceilDiv(to - origin, numSteps));
            for (long k = k0; k < k1; k++) {
                sink.accept(origin + k * numSteps, k / batchSize, (int) (k % batchSize), 0);
            }
        }
    }
}
