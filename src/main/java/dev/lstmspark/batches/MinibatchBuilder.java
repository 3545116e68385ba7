package dev.lstmspark.batches;

import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;

/**
 * Turns an {@link EncodedCorpus} and an epoch's {@link WindowPlan} into an RDD of minibatches.
 *
 * <p>Each partition cuts the windows that start in it (borrowing the few tokens past its end from the
 * partitions that follow), tags each with its minibatch, and one shuffle brings every minibatch's windows
 * together. The corpus itself never reaches the driver. Minibatch {@code i} ends up in partition
 * {@code i mod numPartitions} (a hash partitioner over the id), so consecutive ids spread evenly over the partitions.
 */
public final class MinibatchBuilder {

    private MinibatchBuilder() {
    }

    public static JavaRDD<TokenBatch> build(EncodedCorpus corpus, WindowPlan plan, int numPartitions) {
        long[] starts = corpus.partitionStarts();
        int[][] lookahead = corpus.lookahead(plan.windowLength() - 1);
        return corpus.partitions()
                .mapPartitionsWithIndex((p, it) -> {
                    int[] tokens = it.hasNext() ? it.next() : new int[0];
                    return WindowExtraction.extract(tokens, starts[p], lookahead[p], plan).iterator();
                }, true)
                .mapToPair(pair -> pair)
                .groupByKey(new HashPartitioner(Math.max(1, numPartitions)))
                .map(group -> TokenBatch.assemble(group._1(), group._2(), plan.contextChunks(group._1())));
    }
}
