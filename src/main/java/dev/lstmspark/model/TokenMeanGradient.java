package dev.lstmspark.model;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.io.Serializable;

/**
 * Turns the gradient of a minibatch's summed cross-entropy into the gradient of its mean over the predicted
 * tokens, d2l's {@code loss.mean()}. Networks built by {@link RecurrentNetworks} set {@code miniBatch(false)}, so
 * DL4J leaves the gradient summed over the minibatch and reports the summed loss as the score, which the training
 * statistics need; this listener divides, at {@code onGradientCalculation}, before clipping and the updater.
 */
public final class TokenMeanGradient extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onGradientCalculation(Model model) {
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        long tokens = RecurrentNetworks.predictedTokens(net);
        // A segment of state warm-up predicts nothing: its gradient is zero, and stays zero (not 0/0).
        if (tokens > 0) {
            net.getGradientsViewArray().divi(tokens);
        }
    }
}
