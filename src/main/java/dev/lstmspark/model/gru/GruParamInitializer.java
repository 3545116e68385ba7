package dev.lstmspark.model.gru;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * Lays a {@link Gru}'s parameters out in the network's flat parameter vector, the same way DL4J's LSTM does:
 * input weights {@code W [nIn, 3 nOut]}, recurrent weights {@code RW [nOut, 3 nOut]} and biases {@code b [3 nOut]},
 * each gate block in the order reset, update, candidate; matrices in Fortran order.
 */
public final class GruParamInitializer implements ParamInitializer {

    public static final String WEIGHT_KEY = "W";
    public static final String RECURRENT_WEIGHT_KEY = "RW";
    public static final String BIAS_KEY = "b";

    private static final GruParamInitializer INSTANCE = new GruParamInitializer();
    private static final List<String> PARAM_KEYS = List.of(WEIGHT_KEY, RECURRENT_WEIGHT_KEY, BIAS_KEY);
    private static final List<String> WEIGHT_KEYS = List.of(WEIGHT_KEY, RECURRENT_WEIGHT_KEY);
    private static final List<String> BIAS_KEYS = List.of(BIAS_KEY);

    private GruParamInitializer() {
    }

    public static GruParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        Gru gru = (Gru) layer;
        long nIn = gru.getNIn();
        long nOut = gru.getNOut();
        return nIn * 3 * nOut + nOut * 3 * nOut + 3 * nOut;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return PARAM_KEYS;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return WEIGHT_KEYS;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return BIAS_KEYS;
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHT_KEYS.contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Gru gru = (Gru) conf.getLayer();
        long nIn = gru.getNIn();
        long nOut = gru.getNOut();
        Map<String, INDArray> params = views(paramsView, nIn, nOut);
        if (initializeParams) {
            // Fan-in and fan-out per gate, as DL4J's LSTM counts them for its [nIn, 4 nOut] blocks.
            gru.getWeightInitFn().init(nIn, nOut, new long[] {nIn, 3 * nOut}, 'f', params.get(WEIGHT_KEY));
            IWeightInit recurrentInit = gru.getWeightInitFnRecurrent() != null
                    ? gru.getWeightInitFnRecurrent() : gru.getWeightInitFn();
            recurrentInit.init(nOut, nOut, new long[] {nOut, 3 * nOut}, 'f', params.get(RECURRENT_WEIGHT_KEY));
            params.get(BIAS_KEY).assign(gru.getBiasInit());
        }
        for (String key : PARAM_KEYS) {
            conf.addVariable(key);
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        Gru gru = (Gru) conf.getLayer();
        return views(gradientView, gru.getNIn(), gru.getNOut());
    }

    /** Views (not copies) of the flat vector: updating them updates the network. */
    private static Map<String, INDArray> views(INDArray flat, long nIn, long nOut) {
        INDArray vector = flat.reshape(flat.length());
        long inputWeights = nIn * 3 * nOut;
        long recurrentWeights = nOut * 3 * nOut;
        Map<String, INDArray> views = new LinkedHashMap<>();
        views.put(WEIGHT_KEY, vector.get(interval(0, inputWeights)).reshape('f', nIn, 3 * nOut));
        views.put(RECURRENT_WEIGHT_KEY, vector.get(interval(inputWeights, inputWeights + recurrentWeights))
                .reshape('f', nOut, 3 * nOut));
        views.put(BIAS_KEY, vector.get(interval(inputWeights + recurrentWeights, inputWeights + recurrentWeights + 3 * nOut)));
        return views;
    }
}
