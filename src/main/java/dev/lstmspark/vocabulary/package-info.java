/**
 * The second stage of the data flow: token indices in d2l's order, {@code <unk>} = 0, then tokens by descending
 * frequency, ties broken by token, with tokens rarer than {@code min-freq}, or beyond the {@code max-vocab} most
 * frequent, folded into {@code <unk>}.
 *
 * <p>{@link dev.lstmspark.vocabulary.VocabularyCounter} counts tokens with a Spark {@code reduceByKey}, so only the
 * distinct tokens and their counts reach the driver, where {@link dev.lstmspark.vocabulary.Vocabulary} is built.
 * The vocabulary is immutable and serializable because Spark ships it to the executors that encode their
 * partitions; it is saved as {@code vocab.json} in the run directory, with the tokenizer it was counted with, and
 * read back with the model, so a saved model preprocesses text as its training did.
 */
package dev.lstmspark.vocabulary;
