package dev.lstmspark.batches;

/** Receives the windows a {@link WindowPlan} places: where each starts and where it goes. */
@FunctionalInterface
public interface WindowSink {
    /**
     * @param start global token position of the window's first token
     * @param batch the minibatch the window belongs to
     * @param row   the sequence (row) of the minibatch
     * @param chunk which consecutive piece of that row, for sequential sampling; 0 otherwise
     */
    void accept(long start, long batch, int row, int chunk);
}
