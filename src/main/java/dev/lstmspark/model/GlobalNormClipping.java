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
 * <p>It runs as a listener at {@code onGradientCalculation}, after backpropagation and before the updater, on the
 * network's single flattened gradient view, and after {@link TokenMeanGradient} (d2l clips the mean gradient);
 * {@link RecurrentNetworks#gradientListeners} puts the two in that order.
 */
public final class GlobalNormClipping extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double maxNorm;

    public GlobalNormClipping(double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("maxNorm must be a positive number, got " + maxNorm);
        }
        this.maxNorm = maxNorm;
    }

    @Override
    public void onGradientCalculation(Model model) {
        clip(((MultiLayerNetwork) model).getGradientsViewArray(), maxNorm);
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
