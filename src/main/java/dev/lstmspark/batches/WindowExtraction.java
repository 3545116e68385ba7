package dev.lstmspark.batches;

import scala.Tuple2;

import java.util.ArrayList;
import java.util.List;

/**
 * The per-partition step of batching, a plain static function: cut the windows that start inside one
 * partition's tokens, reading past its end into the few tokens borrowed from the partitions after it.
 */
public final class WindowExtraction {

    private WindowExtraction() {
    }

    /**
     * @param tokens    this partition's encoded tokens
     * @param start     global position of {@code tokens[0]}
     * @param lookahead the tokens that follow this partition in the corpus (at most one window's worth)
     * @param plan      the epoch's window plan
     * @return (minibatch id, window) pairs for every window the plan starts in this partition
     */
    public static List<Tuple2<Long, TokenWindow>> extract(int[] tokens, long start, int[] lookahead, WindowPlan plan) {
        List<Tuple2<Long, TokenWindow>> out = new ArrayList<>();
        int len = plan.windowLength();
        plan.forEachWindowStartingIn(start, start + tokens.length, (windowStart, batch, row, chunk) -> {
            int from = (int) (windowStart - start);
            int[] window = new int[len];
            int own = Math.min(len, tokens.length - from);
            System.arraycopy(tokens, from, window, 0, own);
            if (own < len) {
                if (lookahead.length < len - own) {
                    throw new IllegalStateException("window at " + windowStart + " runs past the end of the corpus");
                }
                System.arraycopy(lookahead, 0, window, own, len - own);
            }
            out.add(new Tuple2<>(batch, new TokenWindow(row, chunk, window)));
        });
        return out;
    }
}
