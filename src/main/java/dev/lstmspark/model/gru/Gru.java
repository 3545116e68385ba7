package dev.lstmspark.model.gru;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a gated recurrent unit layer, d2l's GRU ({@code cell gru}):
 * <pre>
 *   r_t = sigmoid(x_t W_xr + h_{t-1} W_hr + b_r)          reset gate
 *   z_t = sigmoid(x_t W_xz + h_{t-1} W_hz + b_z)          update gate
 *   c_t = tanh(x_t W_xh + (r_t * h_{t-1}) W_hh + b_h)     candidate state
 *   h_t = z_t * h_{t-1} + (1 - z_t) * c_t
 * </pre>
 *
 * <p>DL4J 1.0.0-M2.1 ships no GRU layer for {@code MultiLayerNetwork}, and ND4J's native {@code gru_bp} op
 * implements another variant ({@code r * (h W_hh)}); this layer computes d2l's variant in ND4J operations, with
 * hand-derived backpropagation that {@code GruLayerTest} checks against finite differences.
 *
 * <p>Like DL4J's own layers it is plain JSON-serializable configuration (DL4J records the class name), so
 * checkpoints, {@code ModelSerializer} and parameter averaging on Spark executors handle it unchanged.
 */
public class Gru extends BaseRecurrentLayer {

    private static final long serialVersionUID = 1L;

    protected Gru(Builder builder) {
        super(builder);
        initializeConstraints(builder);
    }

    /** For JSON deserialization. */
    @SuppressWarnings("unused")
    private Gru() {
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("Gru", getLayerName(), layerIndex, getNIn(), getNOut());
        GruLayer layer = new GruLayer(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return GruParamInitializer.getInstance();
    }

    /**
     * Sizes in elements per example. Inference keeps the three gates of every step ({@code 3 nOut T}); training
     * also recomputes them with the hidden states during backpropagation ({@code 4 nOut T}) and holds their
     * gradients ({@code 3 nOut T}). Nothing is cached between the passes, whatever the cache mode.
     */
    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType.InputTypeRecurrent recurrent = (InputType.InputTypeRecurrent) inputType;
        long steps = Math.max(recurrent.getTimeSeriesLength(), 1);
        long numParams = initializer().numParams(this);
        long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(numParams);
        long inference = 3 * nOut * steps;
        long training = inference + (4 + 3) * nOut * steps;
        Map<CacheMode, Long> zero = new HashMap<>();
        Map<CacheMode, Long> variable = new HashMap<>();
        for (CacheMode mode : CacheMode.values()) {
            zero.put(mode, 0L);
            variable.put(mode, training);
        }
        return new LayerMemoryReport.Builder(getLayerName(), Gru.class, inputType, getOutputType(-1, inputType))
                .standardMemory(numParams, updaterState)
                .workingMemory(0, inference, zero, variable)
                .cacheMemory(zero, zero)
                .build();
    }

    /** Builds a {@link Gru}; {@code nIn}, {@code nOut}, weight and bias initialization as for any DL4J layer. */
    public static class Builder extends BaseRecurrentLayer.Builder<Builder> {

        @Override
        @SuppressWarnings("unchecked")
        public Gru build() {
            return new Gru(this);
        }
    }
}
