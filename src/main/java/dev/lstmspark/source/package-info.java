/**
 * The corpus as Spark reads it, between the {@code corpus} stage (where it is, how text becomes tokens) and the
 * vocabulary: text files, Parquet, ORC, JSON Lines or CSV files, or a table of the Spark catalog, read into one
 * {@code JavaRDD<String>} of records in corpus order, and its fingerprint.
 *
 * <p>{@link dev.lstmspark.source.CorpusReader} lists the files ({@link dev.lstmspark.source.CorpusFiles}: sorted by
 * path, so the order is the same on every machine), reads lines through Hadoop or a column through Spark SQL (rows
 * sorted back into file order, or by {@code order-column}), and never collects the text to the driver. One scan on
 * the executors ({@link dev.lstmspark.source.CorpusScan}, a plain per-partition function) checks the text and takes
 * the {@link dev.lstmspark.source.CorpusFingerprint}: sizes and a {@link dev.lstmspark.source.ContentHash} of the
 * records as read, combined across partitions so that it does not depend on how many there are.
 * {@link dev.lstmspark.source.CorpusProvenance} is what a run directory records of its corpus ({@code corpus.json}).
 */
package dev.lstmspark.source;
