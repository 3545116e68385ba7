/**
 * The fifth stage of the data flow: training one network on Spark with DL4J parameter averaging, an epoch at a time.
 *
 * <p>On the driver, {@link dev.lstmspark.training.TrainingData} reads the corpus (the {@code source} stage),
 * builds the vocabulary and encoded corpus, splits off a held-out tail and keeps the corpus's provenance; {@link dev.lstmspark.training.SparkTrainer} builds
 * each epoch's minibatch RDD and hands it to DL4J one averaging round at a time ({@code workers x averaging-frequency}
 * minibatches, by minibatch id), because given a whole epoch DL4J splits it unevenly and each worker silently drops
 * what exceeds {@code averaging-frequency}. After each epoch it validates on the held-out tail (on the executors),
 * stops with {@link dev.lstmspark.training.TrainingDivergedException} when training diverges, and returns the epoch's
 * {@link dev.lstmspark.training.EpochMetrics}. What a run does around the epochs (files, reports, when to stop) is
 * the {@code run} stage's; {@link dev.lstmspark.training.TrainingListener} is how others follow it.
 *
 * <p>On the executors, {@link dev.lstmspark.training.EpochStatsListener} runs inside every worker's network and
 * reports loss, tokens and executor ids through Spark accumulators, which drop the updates of failed task
 * attempts. Every training task first calls {@link dev.lstmspark.executor.ExecutorTask#prepare()}, before ND4J
 * creates an array.
 */
package dev.lstmspark.training;
