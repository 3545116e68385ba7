/**
 * The fifth stage of the data flow: the epoch loop that fits the network on Spark with DL4J parameter averaging,
 * and the run directory it writes.
 *
 * <p>On the driver, {@link dev.lstmspark.training.TrainingData} reads the corpus through Hadoop, builds the
 * vocabulary and encoded corpus and splits off a held-out tail; {@link dev.lstmspark.training.SparkTrainer} builds
 * each epoch's minibatch RDD and hands it to DL4J one averaging round at a time ({@code workers x averaging-frequency}
 * minibatches, by minibatch id), because given a whole epoch DL4J splits it unevenly and each
 * worker silently drops what exceeds {@code averaging-frequency}. After each epoch it validates on the held-out tail
 * (on the executors), stops with {@link dev.lstmspark.training.TrainingDivergedException} when training diverges,
 * and hands {@link dev.lstmspark.training.EpochMetrics} to every {@link dev.lstmspark.training.EpochListener};
 * {@link dev.lstmspark.training.RunDirectory} writes files and checkpoints atomically so a crash never loses the
 * previous checkpoint and {@code --resume} can continue from it.
 *
 * <p>On the executors, {@link dev.lstmspark.training.EpochStatsListener} runs inside every worker's network and
 * reports loss, tokens and executor ids through Spark accumulators, which drop the updates of failed task
 * attempts. Every training task first calls {@link dev.lstmspark.executor.ExecutorTask#prepare()}, before ND4J
 * creates an array.
 */
package dev.lstmspark.training;
