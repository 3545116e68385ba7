package dev.lstmspark.model;

import dev.lstmspark.config.CellType;
import dev.lstmspark.model.gru.Gru;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

/** Builds d2l's recurrent language models (LSTM or GRU cells, one or more layers) as DL4J networks. */
public final class RecurrentNetworks {

    private RecurrentNetworks() {
    }

    /**
     * One-hot inputs, {@code layers} recurrent layers of {@code hidden} units ({@link CellType#LSTM}: DL4J's LSTM;
     * {@link CellType#GRU}: {@link Gru}) and a softmax over the vocabulary with cross-entropy loss; weights from
     * N(0, initStd), zero biases except the configurable LSTM forget-gate bias; SGD.
     *
     * <p>{@code miniBatch(false)} makes DL4J report the summed cross-entropy of a minibatch as its score and
     * leave gradients unscaled: the {@link #gradientListeners} turn them into d2l's per-token mean, then clip.
     */
    public static MultiLayerConfiguration configuration(ModelSpec spec) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(spec.seed())
                .dataType(DataType.FLOAT)
                .miniBatch(false)
                .updater(new Sgd(spec.lr()))
                .weightInit(new NormalDistribution(0, spec.initStd()))
                .biasInit(0)
                .list();
        for (int i = 0; i < spec.layers(); i++) {
            list.layer(recurrentLayer(spec, i == 0 ? spec.vocabSize() : spec.hidden()));
        }
        list.layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(spec.hidden())
                .nOut(spec.vocabSize())
                .activation(Activation.SOFTMAX)
                .build());
        if (spec.truncatedBpttLength() > 0) {
            list.backpropType(BackpropType.TruncatedBPTT)
                    .tBPTTForwardLength(spec.truncatedBpttLength())
                    .tBPTTBackwardLength(spec.truncatedBpttLength());
        }
        return list.build();
    }

    private static Layer recurrentLayer(ModelSpec spec, int nIn) {
        return switch (spec.cell()) {
            case LSTM -> new LSTM.Builder()
                    .nIn(nIn)
                    .nOut(spec.hidden())
                    .activation(Activation.TANH)
                    .gateActivationFunction(Activation.SIGMOID)
                    .forgetGateBiasInit(spec.forgetGateBias())
                    .build();
            case GRU -> new Gru.Builder()
                    .nIn(nIn)
                    .nOut(spec.hidden())
                    .build();
        };
    }

    /**
     * What every network built here needs between backpropagation and the updater, in this order: the summed
     * gradient becomes the per-token mean ({@link TokenMeanGradient}), whose global norm is then clipped to
     * {@code clip} ({@link GlobalNormClipping}; 0 turns clipping off).
     */
    public static List<TrainingListener> gradientListeners(double clip) {
        return clip > 0 ? List.of(new TokenMeanGradient(), new GlobalNormClipping(clip)) : List.of(new TokenMeanGradient());
    }

    /**
     * Tokens whose successor a minibatch predicts, from its labels: {@code [batch, vocab or 1, steps]} gives
     * batch x steps, 2-D labels one per row. The one count training statistics, the mean gradient and the
     * benchmark all use.
     */
    public static long predictedTokens(INDArray labels) {
        return labels.rank() == 3 ? labels.size(0) * labels.size(2) : labels.size(0);
    }

    /** A freshly initialized network. */
    public static MultiLayerNetwork create(ModelSpec spec) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(spec));
        net.init();
        return net;
    }
}
