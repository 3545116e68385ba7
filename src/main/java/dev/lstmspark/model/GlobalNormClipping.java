package dev.lstmspark.model;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;

/**
 * d2l's {@code grad_clipping}: scales all gradients together so that their global L2 norm is at most
 * {@code maxNorm}. DL4J's own gradient normalization works per layer or per parameter, never globally.
 *
 * <p>It runs as a listener at {@code onGradientCalculation}, after backpropagation and before the updater,
 * on the network's single flattened gradient view. Networks built by {@link RecurrentNetworks} leave the gradient as
 * the sum over the minibatch's tokens, so this first divides by the number of predicted tokens (d2l's
 * {@code loss.mean()}), then clips. {@code maxNorm} 0 turns clipping off but keeps the mean.
 */
public final class GlobalNormClipping extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double maxNorm;

    public GlobalNormClipping(double maxNorm) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("maxNorm must be >= 0");
        }
        this.maxNorm = maxNorm;
    }

    @Override
    public void onGradientCalculation(Model model) {
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        INDArray gradient = net.getGradientsViewArray();
        gradient.divi(predictedTokens(net.getLabels()));
        if (maxNorm > 0) {
            clip(gradient, maxNorm);
        }
    }

    /** Tokens a {@code [batch, vocab, steps]} label array predicts (2-D labels count one per row). */
    static long predictedTokens(INDArray labels) {
        return labels.rank() == 3 ? labels.size(0) * labels.size(2) : labels.size(0);
    }

    /**
     * Scales {@code gradient} in place so that its L2 norm is at most {@code maxNorm}.
     *
     * @return the norm before clipping
     */
    public static double clip(INDArray gradient, double maxNorm) {
        double norm = gradient.norm2Number().doubleValue();
        if (norm > maxNorm) {
            gradient.muli(maxNorm / norm);
        }
        return norm;
    }
}
