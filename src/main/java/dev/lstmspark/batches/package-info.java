/**
 * The third stage of the data flow: the encoded corpus cut into minibatches, an RDD of
 * {@link dev.lstmspark.batches.TokenBatch} per epoch, without the corpus ever being collected on the driver.
 *
 * <p>{@link dev.lstmspark.batches.EncodedCorpus} keeps one {@code int[]} per Spark partition; the driver learns only
 * each partition's token count (hence its global start) and the few tokens at the head of each partition that
 * windows crossing a boundary borrow. A {@link dev.lstmspark.batches.WindowPlan} (d2l's random or sequential
 * sampling, or in-order windows for evaluation) is pure arithmetic on positions, and the random order is a keyed
 * {@link dev.lstmspark.batches.FeistelPermutation} computed one element at a time, so each partition can tell where
 * its own windows go without seeing the others or a global sort. {@link dev.lstmspark.batches.MinibatchBuilder}
 * then needs one {@code groupByKey} to assemble the minibatches.
 *
 * <p>The per-partition step, {@link dev.lstmspark.batches.WindowExtraction}, is a plain static function that unit
 * tests call without Spark, and {@link dev.lstmspark.batches.InMemoryBatches} builds the same minibatches from one
 * array as the reference the distributed path must equal. {@code TokenBatch} and {@code TokenWindow} keep no-arg
 * constructors for Kryo; {@link dev.lstmspark.batches.TokenBatch#toDataSet} makes the one-hot
 * {@code [rows, vocabSize, steps]} inputs and labels DL4J's recurrent layers take.
 */
package dev.lstmspark.batches;
