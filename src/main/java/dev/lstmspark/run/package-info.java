/**
 * A whole training run assembled from the stages below it: what {@code train}, the benchmark and the tests start.
 *
 * <p>{@link dev.lstmspark.run.TrainingRun} loads the data, creates or restores the network, trains it epoch by epoch
 * with {@link dev.lstmspark.training.SparkTrainer}, and in three explicit hooks (begin, after each epoch, end)
 * writes the run directory: metrics, samples, report, checkpoints, and at the end the final samples, checkpoint
 * and model. {@link dev.lstmspark.run.SparkContexts} makes the Spark context and the driver's Hadoop settings as
 * {@code spark-submit} would; {@link dev.lstmspark.run.NativeBackend} selects the ND4J native build the jar was
 * packaged with, before ND4J loads.
 */
package dev.lstmspark.run;
