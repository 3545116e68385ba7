package dev.lstmspark.model.fused;

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
 * Configuration shared by {@link FusedLstm} and {@link FusedGru}: sizes, weight initialization, and whether the
 * layer reads token indices or dense activations.
 *
 * <p>With {@code indexInput(true)} (the first layer of a language model) the input is {@code [minibatch, 1, T]}
 * holding each step's token index as a number, DL4J's {@code EmbeddingSequenceLayer} convention, and {@code nIn}
 * is the vocabulary size: {@code x_t W} is row {@code x_t} of {@code W}, so no one-hot matrix is built or
 * multiplied. Otherwise the input is {@code [minibatch, nIn, T]} as for any DL4J recurrent layer.
 */
public abstract class FusedRecurrent extends BaseRecurrentLayer {

    private static final long serialVersionUID = 1L;

    private boolean indexInput;

    protected FusedRecurrent(Builder<?> builder) {
        super(builder);
        this.indexInput = builder.indexInput;
        initializeConstraints(builder);
    }

    /** For JSON deserialization. */
    protected FusedRecurrent() {
    }

    public boolean isIndexInput() {
        return indexInput;
    }

    public void setIndexInput(boolean indexInput) {
        this.indexInput = indexInput;
    }

    /** Gate blocks in {@code W}, {@code RW} and {@code b}: 4 for the LSTM, 3 for the GRU. */
    public abstract int gateBlocks();

    /** Shape of the bias parameter of {@code gateBlocks() * nOut} values. */
    protected abstract long[] biasShape();

    /** Fan-in and fan-out that weight initialization sees for {@code W} and {@code RW}. */
    protected abstract double[] inputWeightFans();

    protected abstract double[] recurrentWeightFans();

    /** Initial biases: {@code biasInit} everywhere, unless the cell's stock layer does otherwise. */
    protected void initializeBias(INDArray bias) {
        bias.assign(getBiasInit());
    }

    protected abstract FusedRecurrentLayer<?> createLayer(NeuralNetConfiguration conf, DataType networkDataType);

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet(getClass().getSimpleName(), getLayerName(), layerIndex, getNIn(), getNOut());
        FusedRecurrentLayer<?> layer = createLayer(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return FusedParamInitializer.getInstance();
    }

    /**
     * An index input's size is 1 whatever the vocabulary, so it cannot set {@code nIn}; a dense input sets it as
     * for any recurrent layer.
     */
    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (!indexInput) {
            super.setNIn(inputType, override);
        }
    }

    /**
     * Sizes in elements per example. Every pass, inference or training, uses the same buffers, allocated once per
     * thread and shape (outside DL4J's workspaces) and reused by every layer instance of that shape: per step the gate pre-activations and their
     * gradients on the heap and natively ({@code 4 G nOut}), and about five {@code nOut}-sized vectors (hidden
     * state on the heap and natively, its gradient, the cell's own states). The heap copies are {@code double}
     * whatever the network's data type.
     */
    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType.InputTypeRecurrent recurrent = (InputType.InputTypeRecurrent) inputType;
        long steps = Math.max(recurrent.getTimeSeriesLength(), 1);
        long numParams = initializer().numParams(this);
        long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(numParams);
        long perStep = (4L * gateBlocks() + 5) * nOut;
        Map<CacheMode, Long> zero = new HashMap<>();
        Map<CacheMode, Long> variable = new HashMap<>();
        for (CacheMode mode : CacheMode.values()) {
            zero.put(mode, 0L);
            variable.put(mode, perStep * steps);
        }
        return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, getOutputType(-1, inputType))
                .standardMemory(numParams, updaterState)
                .workingMemory(0, perStep * steps, zero, variable)
                .cacheMemory(zero, zero)
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedRecurrent other && super.equals(o) && other.indexInput == indexInput;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FusedRecurrent;
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + Boolean.hashCode(indexInput);
    }

    /** {@code nIn}, {@code nOut}, weight and bias initialization as for any DL4J recurrent layer, plus the input kind. */
    public abstract static class Builder<T extends Builder<T>> extends BaseRecurrentLayer.Builder<T> {

        private boolean indexInput;

        /**
         * {@code true}: the input is {@code [minibatch, 1, T]} token indices in {@code [0, nIn)} (first layer);
         * {@code false} (default): dense {@code [minibatch, nIn, T]} activations (stacked layers).
         */
        @SuppressWarnings("unchecked")
        public T indexInput(boolean indexInput) {
            this.indexInput = indexInput;
            return (T) this;
        }
    }
}
