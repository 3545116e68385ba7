package dev.lstmspark.model;

import dev.lstmspark.config.CellType;
import dev.lstmspark.config.Sampling;
import dev.lstmspark.config.TrainConfig;

/**
 * The shape and optimizer of the network, derived from a {@link TrainConfig} and the vocabulary size.
 *
 * @param truncatedBpttLength 0 for ordinary backpropagation over each minibatch (random sampling); otherwise
 *                            the truncated-BPTT segment length that carries state through longer sequences
 */
public record ModelSpec(int vocabSize, int hidden, int layers, CellType cell, double forgetGateBias, double initStd, double lr,
                        long seed, int truncatedBpttLength) {

    public ModelSpec {
        if (vocabSize < 2 || hidden < 1 || layers < 1 || cell == null || lr <= 0 || initStd <= 0 || truncatedBpttLength < 0) {
            throw new IllegalArgumentException("invalid model spec " + vocabSize + "/" + hidden + "/" + layers);
        }
    }

    public static ModelSpec of(TrainConfig config, int vocabSize) {
        return new ModelSpec(vocabSize, config.hidden(), config.layers(), config.cell(), config.forgetGateBias(), config.initStd(),
                config.lr(), config.seed(), config.sampling() == Sampling.SEQUENTIAL ? config.numSteps() : 0);
    }
}
