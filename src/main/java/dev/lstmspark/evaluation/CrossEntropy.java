package dev.lstmspark.evaluation;

import dev.lstmspark.batches.TokenBatch;
import dev.lstmspark.model.RecurrentNetworks;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The per-minibatch step of evaluation, a plain static function that Spark tasks and tests call alike. */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    /** Summed cross-entropy of the network's predictions for every predicted step of {@code batch}, from a fresh state. */
    public static Perplexity of(MultiLayerNetwork net, TokenBatch batch, int vocabSize) {
        net.rnnClearPreviousState();
        INDArray features = batch.encode(vocabSize, 0, RecurrentNetworks.layout(net).features());
        INDArray probabilities = net.output(features, false).dup('c');
        float[] p = probabilities.data().asFloat();
        int[][] rows = batch.rows();
        int steps = batch.steps();
        double sum = 0;
        for (int r = 0; r < rows.length; r++) {
            int base = r * vocabSize * steps;
            for (int t = batch.contextSteps(); t < steps; t++) {
                float prob = p[base + rows[r][t + 1] * steps + t];
                sum -= Math.log(Math.max(prob, Float.MIN_NORMAL));
            }
        }
        return new Perplexity(sum, batch.predictedTokens());
    }
}
