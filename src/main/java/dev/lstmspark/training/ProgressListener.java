package dev.lstmspark.training;

/**
 * Follows an epoch while it trains, on the driver, after every averaging round. The numbers come from the
 * executors' accumulators, which Spark merges into the driver's copy as each round's job completes.
 */
public interface ProgressListener {

    ProgressListener NONE = new ProgressListener() {
    };

    /** @param updates minibatch updates the epoch will make */
    default void onEpochStart(int epoch, int epochs, long updates) {
    }

    /** After each averaging round: updates, predicted tokens and summed cross-entropy of the epoch so far. */
    default void onRound(int epoch, long updatesDone, long tokensDone, double crossEntropySum) {
    }

    /** Training of the epoch is done; validation and reporting follow. */
    default void onEpochFitted(int epoch) {
    }
}
