package dev.lstmspark.evaluation;

import dev.lstmspark.config.CellType;
import dev.lstmspark.TestSupport;
import dev.lstmspark.batches.TokenBatch;
import dev.lstmspark.model.RecurrentNetworks;
import dev.lstmspark.model.ModelSpec;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PerplexityTest {

    /** Zero output weights and bias give a uniform softmax: perplexity equals the vocabulary size. */
    @Test
    void untrainedModelWithZeroOutputWeightsHasPerplexityOfVocabularySize() {
        int vocab = 28;
        MultiLayerNetwork net = RecurrentNetworks.create(new ModelSpec(vocab, 16, 1, CellType.LSTM, false, 0, 0.01, 1, 7, 0));
        net.getLayer(1).getParam("W").assign(0);
        net.getLayer(1).getParam("b").assign(0);
        List<TokenBatch> batches = randomBatches(vocab, 5);

        Perplexity local = Perplexity.ZERO;
        for (TokenBatch b : batches) {
            local = local.plus(CrossEntropy.of(net, b, vocab));
        }
        assertEquals(vocab, local.value(), 1e-3);
        assertEquals(5L * 4 * 9, local.tokens());

        try (JavaSparkContext sc = TestSupport.spark("local[2]")) {
            Perplexity distributed = PerplexityEvaluator.evaluate(sc, net, sc.parallelize(batches, 3), vocab);
            assertEquals(vocab, distributed.value(), 1e-3);
            assertEquals(local.tokens(), distributed.tokens());
        }
    }

    @Test
    void sumsCombineAcrossMinibatches() {
        Perplexity p = new Perplexity(Math.log(4) * 10, 10).plus(new Perplexity(Math.log(16) * 10, 10));
        assertEquals(8.0, p.value(), 1e-9);
        assertEquals(Double.NaN, Perplexity.ZERO.value());
    }

    private static List<TokenBatch> randomBatches(int vocab, int count) {
        Random random = new Random(3);
        List<TokenBatch> batches = new ArrayList<>();
        for (int id = 0; id < count; id++) {
            int[][] rows = new int[4][10];
            for (int[] row : rows) {
                for (int t = 0; t < row.length; t++) {
                    row[t] = random.nextInt(vocab);
                }
            }
            batches.add(new TokenBatch(id, rows));
        }
        return batches;
    }
}
