package dev.lstmspark.config;

/** How the corpus is cut into minibatches, after d2l's two data iterators. */
public enum Sampling {
    /** d2l {@code seq_data_iter_random}: shuffled windows, fresh state for every minibatch. */
    RANDOM,
    /** d2l {@code seq_data_iter_sequential}: contiguous streams, state carried by truncated BPTT. */
    SEQUENTIAL
}
