package dev.lstmspark.model.fused;

import java.util.Collection;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link RnnOutputLayer} (same parameters, same JSON apart from the class, same results within float
 * rounding) whose training pass, for the softmax with sparse cross-entropy over a fused layer's output, is
 * {@link FusedSoftmaxOutputLayer}: one forward GEMM shared by the score and the gradient, and none of the copies
 * DL4J's RNN output layer makes to reshape its input and gradient between 3-D and 2-D. Anything else (another
 * loss or activation, dropout, another input layout, inference) runs DL4J's own code.
 */
public class FusedSoftmaxOutput extends RnnOutputLayer {

    private static final long serialVersionUID = 1L;

    /** For JSON deserialization. */
    public FusedSoftmaxOutput() {
    }

    /** The same layer as {@code layer}, which DL4J's builder made: every setting is copied. */
    public FusedSoftmaxOutput(RnnOutputLayer layer) {
        setLayerName(layer.getLayerName());
        setIDropout(layer.getIDropout());
        setConstraints(layer.getConstraints());
        setActivationFn(layer.getActivationFn());
        setWeightInitFn(layer.getWeightInitFn());
        setBiasInit(layer.getBiasInit());
        setGainInit(layer.getGainInit());
        setRegularization(layer.getRegularization());
        setRegularizationBias(layer.getRegularizationBias());
        setIUpdater(layer.getIUpdater());
        setBiasUpdater(layer.getBiasUpdater());
        setWeightNoise(layer.getWeightNoise());
        setGradientNormalization(layer.getGradientNormalization());
        setGradientNormalizationThreshold(layer.getGradientNormalizationThreshold());
        setNIn(layer.getNIn());
        setNOut(layer.getNOut());
        setLossFn(layer.getLossFn());
        setHasBias(layer.hasBias());
        setRnnDataFormat(layer.getRnnDataFormat());
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FusedSoftmaxOutput", getLayerName(), layerIndex, getNIn(), getNOut());
        FusedSoftmaxOutputLayer layer = new FusedSoftmaxOutputLayer(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(paramTable);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedSoftmaxOutput && super.equals(o);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FusedSoftmaxOutput;
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + 7;
    }
}
