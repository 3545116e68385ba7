package dev.lstmspark.evaluation;

import dev.lstmspark.batches.TokenBatch;
import dev.lstmspark.executor.ExecutorTask;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/** Perplexity of a network over an RDD of minibatches, computed on the executors; only sums come back. */
public final class PerplexityEvaluator {

    private PerplexityEvaluator() {
    }

    public static Perplexity evaluate(JavaSparkContext sc, MultiLayerNetwork net, JavaRDD<TokenBatch> batches,
                                      int vocabSize) {
        String configuration = net.getLayerWiseConfigurations().toJson();
        Broadcast<INDArray> parameters = sc.broadcast(net.params().dup());
        try {
            // Partial sums travel as plain {sum, tokens} arrays: Kryo cannot serialize records.
            double[] total = batches.mapPartitions(it -> {
                        double[] sums = new double[2];
                        if (it.hasNext()) {
                            ExecutorTask.prepare();
                            MultiLayerNetwork local = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(configuration));
                            local.init(parameters.value(), true);
                            while (it.hasNext()) {
                                Perplexity p = CrossEntropy.of(local, it.next(), vocabSize);
                                sums[0] += p.crossEntropySum();
                                sums[1] += p.tokens();
                            }
                        }
                        return List.of(sums).iterator();
                    })
                    .fold(new double[2], (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
            return new Perplexity(total[0], (long) total[1]);
        } finally {
            parameters.destroy();
        }
    }
}
