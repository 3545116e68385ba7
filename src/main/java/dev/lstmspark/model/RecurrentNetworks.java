package dev.lstmspark.model;

import dev.lstmspark.config.CellType;
import dev.lstmspark.batches.TokenEncoding;
import dev.lstmspark.model.fused.FusedGru;
import dev.lstmspark.model.fused.FusedLstm;
import dev.lstmspark.model.fused.FusedRecurrent;
import dev.lstmspark.model.fused.FusedSoftmaxOutput;
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
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;

import java.util.List;

/** Builds d2l's recurrent language models (LSTM or GRU cells, one or more layers) as DL4J networks. */
public final class RecurrentNetworks {

    private RecurrentNetworks() {
    }

    /**
     * {@code layers} recurrent layers of {@code hidden} units and a softmax over the vocabulary with cross-entropy
     * loss; weights from N(0, initStd), zero biases except the configurable LSTM forget-gate bias; SGD. Stock
     * layers ({@link CellType#LSTM}: DL4J's LSTM; {@link CellType#GRU}: {@link Gru}) take one-hot inputs and labels;
     * fused ones ({@link FusedLstm}, {@link FusedGru}) token indices, a row gather instead of a one-hot product.
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
            list.layer(spec.fused() ? fusedLayer(spec, i) : recurrentLayer(spec, i == 0 ? spec.vocabSize() : spec.hidden()));
        }
        // Fused networks take token indices in and out: the sparse loss reads the label's index, as MCXENT its one-hot;
        // their output layer computes that loss over the fused layer's output without DL4J's reshaping copies.
        RnnOutputLayer output = new RnnOutputLayer.Builder(spec.fused() ? LossFunctions.LossFunction.SPARSE_MCXENT : LossFunctions.LossFunction.MCXENT)
                .nIn(spec.hidden())
                .nOut(spec.vocabSize())
                .activation(Activation.SOFTMAX)
                .build();
        list.layer(spec.fused() ? new FusedSoftmaxOutput(output) : output);
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

    /** Layer {@code i} of a fused network: the first reads token indices (a row gather), the others dense input. */
    private static Layer fusedLayer(ModelSpec spec, int i) {
        int nIn = i == 0 ? spec.vocabSize() : spec.hidden();
        return switch (spec.cell()) {
            case LSTM -> new FusedLstm.Builder().indexInput(i == 0).nIn(nIn).nOut(spec.hidden())
                    .forgetGateBiasInit(spec.forgetGateBias()).build();
            case GRU -> new FusedGru.Builder().indexInput(i == 0).nIn(nIn).nOut(spec.hidden()).build();
        };
    }

    /**
     * How a network built here (or restored from a run directory of any version) takes tokens: indices into a fused
     * first layer, else one-hot; indices as labels for the sparse loss, else one-hot.
     */
    public static TokenEncoding.Layout layout(MultiLayerNetwork network) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        boolean indexFeatures = conf.getConf(0).getLayer() instanceof FusedRecurrent fused && fused.isIndexInput();
        org.deeplearning4j.nn.conf.layers.Layer output = conf.getConf(conf.getConfs().size() - 1).getLayer();
        boolean indexLabels = output instanceof org.deeplearning4j.nn.conf.layers.BaseOutputLayer out
                && out.getLossFn() instanceof LossSparseMCXENT;
        return new TokenEncoding.Layout(indexFeatures ? TokenEncoding.INDEX : TokenEncoding.ONE_HOT,
                indexLabels ? TokenEncoding.INDEX : TokenEncoding.ONE_HOT);
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

    /**
     * As {@link #predictedTokens(INDArray)}, counting only the steps a labels mask keeps ({@code null}: all), e.g.
     * none in a truncated-BPTT segment of state warm-up.
     */
    public static long predictedTokens(INDArray labels, INDArray labelsMask) {
        return labelsMask == null ? predictedTokens(labels) : Math.round(labelsMask.sumNumber().doubleValue());
    }

    /** The tokens the network is predicting in the minibatch (or truncated-BPTT segment) it is fitting now. */
    public static long predictedTokens(MultiLayerNetwork net) {
        return predictedTokens(net.getLabels(), net.getOutputLayer().getMaskArray());
    }

    /** A freshly initialized network. */
    public static MultiLayerNetwork create(ModelSpec spec) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(spec));
        net.init();
        return net;
    }
}
