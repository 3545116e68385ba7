package dev.lstmspark.model.fused;

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
 * Lays a fused layer's parameters out in the network's flat parameter vector as DL4J's LSTM does: input weights
 * {@code W [nIn, G nOut]}, recurrent weights {@code RW [nOut, G nOut]} and the biases, matrices in Fortran order,
 * {@code G} gate blocks each ({@link FusedRecurrent#gateBlocks()}). The same offsets as DL4J's
 * {@code LSTMParamInitializer} (LSTM) and {@code GruParamInitializer} (GRU), so flat parameter vectors move
 * between those layers and these.
 */
public final class FusedParamInitializer implements ParamInitializer {

    public static final String WEIGHT_KEY = "W";
    public static final String RECURRENT_WEIGHT_KEY = "RW";
    public static final String BIAS_KEY = "b";

    private static final FusedParamInitializer INSTANCE = new FusedParamInitializer();
    private static final List<String> PARAM_KEYS = List.of(WEIGHT_KEY, RECURRENT_WEIGHT_KEY, BIAS_KEY);
    private static final List<String> WEIGHT_KEYS = List.of(WEIGHT_KEY, RECURRENT_WEIGHT_KEY);
    private static final List<String> BIAS_KEYS = List.of(BIAS_KEY);

    private FusedParamInitializer() {
    }

    public static FusedParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        FusedRecurrent fused = (FusedRecurrent) layer;
        long gates = fused.gateBlocks() * fused.getNOut();
        return fused.getNIn() * gates + fused.getNOut() * gates + gates;
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
        FusedRecurrent fused = (FusedRecurrent) conf.getLayer();
        Map<String, INDArray> params = views(fused, paramsView);
        if (initializeParams) {
            long gates = fused.gateBlocks() * fused.getNOut();
            double[] inputFans = fused.inputWeightFans();
            fused.getWeightInitFn().init(inputFans[0], inputFans[1], new long[] {fused.getNIn(), gates}, 'f',
                    params.get(WEIGHT_KEY));
            IWeightInit recurrentInit = fused.getWeightInitFnRecurrent() != null
                    ? fused.getWeightInitFnRecurrent() : fused.getWeightInitFn();
            double[] recurrentFans = fused.recurrentWeightFans();
            recurrentInit.init(recurrentFans[0], recurrentFans[1], new long[] {fused.getNOut(), gates}, 'f',
                    params.get(RECURRENT_WEIGHT_KEY));
            fused.initializeBias(params.get(BIAS_KEY));
        }
        for (String key : PARAM_KEYS) {
            conf.addVariable(key);
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views((FusedRecurrent) conf.getLayer(), gradientView);
    }

    /** Views (not copies) of the flat vector: updating them updates the network. */
    private static Map<String, INDArray> views(FusedRecurrent fused, INDArray flat) {
        long nIn = fused.getNIn();
        long nOut = fused.getNOut();
        long gates = fused.gateBlocks() * nOut;
        INDArray vector = flat.reshape(flat.length());
        long inputWeights = nIn * gates;
        long recurrentWeights = nOut * gates;
        Map<String, INDArray> views = new LinkedHashMap<>();
        views.put(WEIGHT_KEY, vector.get(interval(0, inputWeights)).reshape('f', nIn, gates));
        views.put(RECURRENT_WEIGHT_KEY, vector.get(interval(inputWeights, inputWeights + recurrentWeights))
                .reshape('f', nOut, gates));
        views.put(BIAS_KEY, vector.get(interval(inputWeights + recurrentWeights, inputWeights + recurrentWeights + gates))
                .reshape(fused.biasShape()));
        return views;
    }
}
