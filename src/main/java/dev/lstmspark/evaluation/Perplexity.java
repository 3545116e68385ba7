package dev.lstmspark.evaluation;

import java.io.Serializable;

/**
 * Summed cross-entropy (nats) over a number of predicted tokens; perplexity is {@code exp(sum / tokens)},
 * d2l's definition. Sums combine across minibatches and executors, which averages of averages would not.
 */
public record Perplexity(double crossEntropySum, long tokens) implements Serializable {

    public static final Perplexity ZERO = new Perplexity(0, 0);

    public Perplexity plus(Perplexity other) {
        return new Perplexity(crossEntropySum + other.crossEntropySum, tokens + other.tokens);
    }

    public double meanCrossEntropy() {
        return tokens == 0 ? Double.NaN : crossEntropySum / tokens;
    }

    /** {@code exp(mean cross-entropy)}; NaN when no token was predicted. */
    public double value() {
        return Math.exp(meanCrossEntropy());
    }
}
