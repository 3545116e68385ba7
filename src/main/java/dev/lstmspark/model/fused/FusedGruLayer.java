package dev.lstmspark.model.fused;

import java.util.Arrays;
import java.util.Map;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime side of {@link FusedGru}. The reset gate multiplies {@code h_{t-1}} before the candidate's product,
 * so a step needs two GEMMs: {@code h_{t-1} RW[:, r z]}, then {@code (r * h_{t-1}) RW[:, c]}, with a gate pass
 * after each; backpropagation likewise ({@code d(r h) = dZ_c RW_c^T}, then {@code dZ_rz RW_rz^T}). {@code dRW} is
 * two GEMMs over the sequence, one per multiplier ({@code h_{t-1}} for the gates, {@code r * h_{t-1}} for the
 * candidate).
 *
 * <p>State key {@code h} (as {@code GruLayer}), value {@code [minibatch, nOut]}.
 */
public class FusedGruLayer extends FusedRecurrentLayer<FusedGru> {

    /** Key of the last hidden state in the state maps. */
    public static final String STATE_KEY_HIDDEN = "h";

    /** {@code [T][B][h]}: r_t * h_{t-1}, the candidate GEMM's multiplier, kept for its weight gradient. */
    private NativeBuffer resetHiddenNative;
    private double[] resetHidden;
    /** {@code [B][h]}: dL/d(r_t * h_{t-1}). */
    private NativeBuffer resetHiddenGradientNative;
    private double[] resetHiddenGradient;
    /** {@code [B][h]}: the element-wise part of dL/dh_{t-1} from step t, {@code dh z + d(r h) r}. */
    private double[] hiddenCarry;
    /** {@code [B][h]}: dL/dh_t of the step under way, needed by both of its gate passes. */
    private double[] stepGradient;

    public FusedGruLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected String hiddenStateKey() {
        return STATE_KEY_HIDDEN;
    }

    /** The reset and update gates multiply {@code h_{t-1}}, the candidate {@code r * h_{t-1}}: two products. */
    @Override
    protected int[] recurrentBlocks() {
        return new int[] {0, 2 * hidden, width};
    }

    @Override
    protected void bindCellBuffers() {
        resetHiddenNative = scratchNative("resetHiddenNative", upstream.length);
        resetHidden = scratchDoubles("resetHidden", batch * hidden);
        resetHiddenGradientNative = scratchNative("resetHiddenGradientNative", (long) batch * hidden);
        resetHiddenGradient = scratchDoubles("resetHiddenGradient", batch * hidden);
        hiddenCarry = scratchDoubles("hiddenCarry", batch * hidden);
        stepGradient = scratchDoubles("stepGradient", batch * hidden);
    }

    @Override
    protected void loadCellState(Map<String, INDArray> state) {
        // the hidden state is all a GRU carries
    }

    @Override
    protected void storeCellState(Map<String, INDArray> map) {
        // the hidden state is all a GRU carries
    }

    /** Gate blocks [r | z | c]: reset, update, candidate. */
    @Override
    protected void forwardStep(int t) {
        int h = hidden;
        int previous = t * batch * h;
        int current = previous + batch * h;
        preActivations(t, 0, 2 * h, hiddenStates, previous, hiddenNative, previous);
        for (int b = 0; b < batch; b++) {
            int g = (t * batch + b) * width;
            int s = b * h;
            sigmoid(gates, g, g + 2 * h);
            for (int u = 0; u < h; u++) {
                resetHidden[s + u] = gates[g + u] * hiddenStates[previous + s + u];
            }
        }
        resetHiddenNative.write(resetHidden, 0, previous, batch * h);
        preActivations(t, 2 * h, 3 * h, resetHidden, 0, resetHiddenNative, previous);
        for (int b = 0; b < batch; b++) {
            int g = (t * batch + b) * width;
            int s = b * h;
            tanh(gates, g + 2 * h, g + 3 * h);
            for (int u = 0; u < h; u++) {
                double c = gates[g + 2 * h + u];
                hiddenStates[current + s + u] = c + gates[g + h + u] * (hiddenStates[previous + s + u] - c);
            }
        }
        publishHidden(t);
    }

    @Override
    protected void startBackward() {
        Arrays.fill(hiddenCarry, 0);
    }

    @Override
    protected void backwardStep(int t, int end) {
        int h = hidden;
        int step = t * batch * h;
        for (int b = 0; b < batch; b++) {
            int g = (t * batch + b) * width;
            int s = b * h;
            for (int u = 0; u < h; u++) {
                int k = s + u;
                double dh = upstream[step + k] + recurrentGradient[k] + hiddenCarry[k];
                double z = gates[g + h + u];
                double c = gates[g + 2 * h + u];
                stepGradient[k] = dh;
                // h = z h_prev + (1 - z) c
                gateGradients[g + 2 * h + u] = dh * (1 - z) * (1 - c * c);
                gateGradients[g + h + u] = dh * (hiddenStates[step + k] - c) * z * (1 - z);
            }
        }
        if (hasRecurrentInput(t)) {
            publishGateGradients(t, 2 * h, 3 * h);
            recurrentGradient(t, 2 * h, h, resetHiddenGradientNative, resetHiddenGradient);
        } else {
            // h_{t-1} = 0: the reset gate multiplied zeros and nothing flows further back
            Arrays.fill(resetHiddenGradient, 0);
        }
        for (int b = 0; b < batch; b++) {
            int g = (t * batch + b) * width;
            int s = b * h;
            for (int u = 0; u < h; u++) {
                int k = s + u;
                double r = gates[g + u];
                double z = gates[g + h + u];
                double dRh = resetHiddenGradient[k];
                gateGradients[g + u] = dRh * hiddenStates[step + k] * r * (1 - r);
                hiddenCarry[k] = stepGradient[k] * z + dRh * r;
            }
        }
        publishGateGradients(t, 0, width);
        if (t > end) {
            recurrentGradient(t, 0, 2 * h, recurrentGradientNative, recurrentGradient);
        }
    }

    @Override
    protected void recurrentWeightGradient(int end, NativeBuffer gradient) {
        recurrentWeightGradientProduct(end, hiddenNative, 0, 2 * hidden, gradient);
        recurrentWeightGradientProduct(end, resetHiddenNative, 2 * hidden, hidden, gradient);
    }
}
