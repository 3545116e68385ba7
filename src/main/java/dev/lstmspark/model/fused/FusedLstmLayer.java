package dev.lstmspark.model.fused;

import java.util.Arrays;
import java.util.Map;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime side of {@link FusedLstm}. Per step one GEMM {@code [B, h] [h, 4h]} and a gate pass;
 * per backward step one gate pass and one GEMM {@code [B, 4h] [4h, h]}; {@code dRW} is one GEMM over the sequence.
 *
 * <p>State keys are DL4J's LSTM's ({@code prevAct}, {@code prevMem}), values {@code [minibatch, nOut]}.
 */
public class FusedLstmLayer extends FusedRecurrentLayer<FusedLstm> {

    /** Key of the last hidden state in the state maps, as DL4J's LSTM names it. */
    public static final String STATE_KEY_PREV_ACTIVATION = "prevAct";
    /** Key of the last memory cell state in the state maps, as DL4J's LSTM names it. */
    public static final String STATE_KEY_PREV_MEMCELL = "prevMem";

    /** {@code [T+1][B][h]}: slot 0 the initial memory cell, slot {@code t + 1} that of step {@code t}. */
    private double[] cells;
    /** {@code [T][B][h]}: tanh(c_t), kept for backpropagation. */
    private double[] cellTanh;
    /** {@code [B][h]}: dL/dc_t through the forget gate of step {@code t + 1}. */
    private double[] cellCarry;

    public FusedLstmLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected String hiddenStateKey() {
        return STATE_KEY_PREV_ACTIVATION;
    }

    /** One product per step covers all four gates. */
    @Override
    protected int[] recurrentBlocks() {
        return new int[] {0, width};
    }

    @Override
    protected void bindCellBuffers() {
        cells = scratchDoubles("cells", hiddenStates.length);
        cellTanh = scratchDoubles("cellTanh", upstream.length);
        cellCarry = scratchDoubles("cellCarry", batch * hidden);
    }

    @Override
    protected void loadCellState(Map<String, INDArray> state) {
        loadState(state, STATE_KEY_PREV_MEMCELL, cells, 0);
    }

    @Override
    protected void storeCellState(Map<String, INDArray> map) {
        map.put(STATE_KEY_PREV_MEMCELL, stateArray(cells, steps * batch * hidden));
    }

    /**
     * Gate blocks [a | f | o | i] as DL4J orders them: candidate, forget, output, input. Per example the
     * activations run over whole blocks (vectorized for a float network), the cell update in between is
     * element-wise.
     */
    @Override
    protected void forwardStep(int t) {
        int h = hidden;
        int previous = t * batch * h;
        preActivations(t, 0, width, hiddenStates, previous, hiddenNative, previous);
        int current = previous + batch * h;
        for (int b = 0; b < batch; b++) {
            int g = (t * batch + b) * width;
            int s = b * h;
            tanh(gates, g, g + h);
            sigmoid(gates, g + h, g + width);
            for (int u = 0; u < h; u++) {
                double c = gates[g + h + u] * cells[previous + s + u] + gates[g + 3 * h + u] * gates[g + u];
                cells[current + s + u] = c;
                cellTanh[previous + s + u] = c;
            }
            tanh(cellTanh, previous + s, previous + s + h);
            for (int u = 0; u < h; u++) {
                hiddenStates[current + s + u] = gates[g + 2 * h + u] * cellTanh[previous + s + u];
            }
        }
        publishHidden(t);
    }

    @Override
    protected void startBackward() {
        Arrays.fill(cellCarry, 0);
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
                double dh = upstream[step + k] + recurrentGradient[k];
                double a = gates[g + u];
                double f = gates[g + h + u];
                double o = gates[g + 2 * h + u];
                double i = gates[g + 3 * h + u];
                double tc = cellTanh[step + k];
                double dc = dh * o * (1 - tc * tc) + cellCarry[k];
                gateGradients[g + u] = dc * i * (1 - a * a);
                gateGradients[g + h + u] = dc * cells[step + k] * f * (1 - f);
                gateGradients[g + 2 * h + u] = dh * tc * o * (1 - o);
                gateGradients[g + 3 * h + u] = dc * a * i * (1 - i);
                cellCarry[k] = dc * f;
            }
        }
        publishGateGradients(t, 0, width);
        if (t > end) {
            recurrentGradient(t, 0, width, recurrentGradientNative, recurrentGradient);
        }
    }

    @Override
    protected void recurrentWeightGradient(int end, NativeBuffer gradient) {
        recurrentWeightGradientProduct(end, hiddenNative, 0, width, gradient);
    }
}
