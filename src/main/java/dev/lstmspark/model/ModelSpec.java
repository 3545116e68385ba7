package dev.lstmspark.model;

import dev.lstmspark.config.CellType;
import dev.lstmspark.config.ConfigException;
import dev.lstmspark.config.Kernels;
import dev.lstmspark.config.Sampling;
import dev.lstmspark.config.TrainConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The shape and optimizer of the network, derived from a {@link TrainConfig} and the vocabulary size.
 *
 * @param fused               the fused recurrent layers of {@code model.fused} (token indices in and out) instead
 *                            of the stock ones (one-hot in and out)
 * @param truncatedBpttLength 0 for ordinary backpropagation over each minibatch (random sampling); otherwise
 *                            the truncated-BPTT segment length that carries state through longer sequences
 */
public record ModelSpec(int vocabSize, int hidden, int layers, CellType cell, boolean fused, double forgetGateBias,
                        double initStd, double lr, long seed, int truncatedBpttLength) {

    public ModelSpec {
        if (vocabSize < 2 || hidden < 1 || layers < 1 || cell == null || lr <= 0 || initStd <= 0 || truncatedBpttLength < 0) {
            throw new IllegalArgumentException("invalid model spec " + vocabSize + "/" + hidden + "/" + layers);
        }
    }

    public static ModelSpec of(TrainConfig config, int vocabSize) {
        return new ModelSpec(vocabSize, config.hidden(), config.layers(), config.cell(), fused(config.kernels()),
                config.forgetGateBias(), config.initStd(), config.lr(), config.seed(),
                config.sampling() == Sampling.SEQUENTIAL ? config.numSteps() : 0);
    }

    /**
     * Whether {@code kernels} means the fused layers in this JVM: {@code auto} takes them on ND4J's CPU backend and
     * the stock ones elsewhere (the CUDA backend's cuDNN LSTM, on devices the fused layers cannot use).
     *
     * @throws ConfigException for {@code fused} on a backend other than the CPU's
     */
    static boolean fused(Kernels kernels) {
        boolean cpu = Nd4j.getEnvironment().isCPU();
        if (kernels == Kernels.FUSED && !cpu) {
            throw new ConfigException("kernels fused runs on ND4J's CPU backend only, and this build uses "
                    + Nd4j.getBackend().getClass().getSimpleName() + ": use kernels auto or stock");
        }
        return kernels == Kernels.FUSED || kernels == Kernels.AUTO && cpu;
    }
}
