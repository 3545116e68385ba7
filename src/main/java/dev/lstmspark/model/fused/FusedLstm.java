package dev.lstmspark.model.fused;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * Configuration of the fused LSTM layer: DL4J's {@code LSTM} (no peepholes, sigmoid gates, tanh) computed by
 * {@link FusedLstmLayer}, with DL4J's parameter layout so weights move between the two unchanged:
 * <pre>
 *   [a | f | o | i] = x_t W + h_{t-1} RW + b      W [nIn, 4 nOut], RW [nOut, 4 nOut], b [1, 4 nOut]
 *   a = tanh(.)  f, o, i = sigmoid(.)
 *   c_t = f * c_{t-1} + i * a
 *   h_t = o * tanh(c_t)
 * </pre>
 * {@code a} is d2l's candidate memory, {@code i} its input gate; the forget-gate bias starts at
 * {@code forgetGateBiasInit} (default 1.0, as DL4J's) and, as in DL4J's LSTM, the other biases at 0 whatever
 * {@code biasInit} says. The layer's {@code activation} setting is not used: the
 * nonlinearities are fixed.
 */
public class FusedLstm extends FusedRecurrent {

    private static final long serialVersionUID = 1L;

    private double forgetGateBiasInit = 1.0;

    protected FusedLstm(Builder builder) {
        super(builder);
        this.forgetGateBiasInit = builder.forgetGateBiasInit;
    }

    /** For JSON deserialization. */
    @SuppressWarnings("unused")
    private FusedLstm() {
    }

    public double getForgetGateBiasInit() {
        return forgetGateBiasInit;
    }

    public void setForgetGateBiasInit(double forgetGateBiasInit) {
        this.forgetGateBiasInit = forgetGateBiasInit;
    }

    @Override
    public int gateBlocks() {
        return 4;
    }

    @Override
    protected long[] biasShape() {
        return new long[] {1, 4 * nOut};
    }

    /** DL4J's LSTM initializes both weight matrices with fan-in {@code nOut} and fan-out {@code nIn + nOut}. */
    @Override
    protected double[] inputWeightFans() {
        return new double[] {nOut, nIn + nOut};
    }

    @Override
    protected double[] recurrentWeightFans() {
        return new double[] {nOut, nIn + nOut};
    }

    /** As DL4J's LSTM: zeros (its {@code biasInit} is not used) and {@code forgetGateBiasInit} for the forget gate. */
    @Override
    protected void initializeBias(INDArray bias) {
        bias.assign(0);
        bias.get(all(), interval(nOut, 2 * nOut)).assign(forgetGateBiasInit);
    }

    @Override
    protected FusedRecurrentLayer<?> createLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new FusedLstmLayer(conf, networkDataType);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedLstm other && super.equals(o) && other.forgetGateBiasInit == forgetGateBiasInit;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FusedLstm;
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + Double.hashCode(forgetGateBiasInit);
    }

    /** Builds a {@link FusedLstm}. */
    public static class Builder extends FusedRecurrent.Builder<Builder> {

        private double forgetGateBiasInit = 1.0;

        /** Initial bias of the forget gate, as DL4J's {@code LSTM.Builder.forgetGateBiasInit}. */
        public Builder forgetGateBiasInit(double value) {
            this.forgetGateBiasInit = value;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public FusedLstm build() {
            return new FusedLstm(this);
        }
    }
}
