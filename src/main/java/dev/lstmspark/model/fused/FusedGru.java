package dev.lstmspark.model.fused;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Configuration of the fused GRU layer: d2l's gated recurrent unit, the variant {@code dev.lstmspark.model.gru.Gru}
 * documents (reset gate applied to {@code h_{t-1}} before the recurrent product), computed by {@link FusedGruLayer}:
 * <pre>
 *   r_t = sigmoid(x_t W_xr + h_{t-1} W_hr + b_r)
 *   z_t = sigmoid(x_t W_xz + h_{t-1} W_hz + b_z)
 *   c_t = tanh(x_t W_xh + (r_t * h_{t-1}) W_hh + b_h)
 *   h_t = z_t * h_{t-1} + (1 - z_t) * c_t
 * </pre>
 * Parameters as {@code GruParamInitializer} lays them out ({@code W [nIn, 3 nOut]}, {@code RW [nOut, 3 nOut]},
 * {@code b [3 nOut]}, blocks reset, update, candidate), so a {@code Gru} checkpoint's parameters mean the same here.
 */
public class FusedGru extends FusedRecurrent {

    private static final long serialVersionUID = 1L;

    protected FusedGru(Builder builder) {
        super(builder);
    }

    /** For JSON deserialization. */
    @SuppressWarnings("unused")
    private FusedGru() {
    }

    @Override
    public int gateBlocks() {
        return 3;
    }

    @Override
    protected long[] biasShape() {
        return new long[] {3 * nOut};
    }

    /** As {@code GruParamInitializer}: fan-in {@code nIn} (or {@code nOut}) and fan-out {@code nOut} per gate. */
    @Override
    protected double[] inputWeightFans() {
        return new double[] {nIn, nOut};
    }

    @Override
    protected double[] recurrentWeightFans() {
        return new double[] {nOut, nOut};
    }

    @Override
    protected FusedRecurrentLayer<?> createLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new FusedGruLayer(conf, networkDataType);
    }

    /** Builds a {@link FusedGru}. */
    public static class Builder extends FusedRecurrent.Builder<Builder> {

        @Override
        @SuppressWarnings("unchecked")
        public FusedGru build() {
            return new FusedGru(this);
        }
    }
}
