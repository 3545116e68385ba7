package dev.lstmspark.model.gru;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.BaseRecurrentLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/**
 * The runtime side of {@link Gru}: forward pass, backpropagation through time (full or truncated), and the
 * hidden state carried by {@code rnnTimeStep} (generation) and by truncated BPTT (sequential sampling).
 *
 * <p>Arrays are {@code [minibatch, size, time]} in Fortran order, so each time step is one contiguous
 * {@code [minibatch, size]} matrix and every step is a few GEMMs and element-wise operations on views. The gate
 * activations are not kept between the forward pass and backpropagation: like DL4J's LSTM without a cache mode,
 * backpropagation recomputes them, from the same initial state, which keeps memory per layer to one sequence.
 */
public class GruLayer extends BaseRecurrentLayer<Gru> {

    /** Key of the last hidden state in the state maps, for {@code rnnGetPreviousState} users. */
    public static final String STATE_KEY_HIDDEN = "h";

    /**
     * The hidden state the last forward pass started from ({@code null} for zeros): truncated BPTT runs a segment
     * forward from the state the previous segment left, then backpropagates it, and the recomputation must start
     * from that same state for the gradient to be the gradient of what was computed.
     */
    private INDArray initialStateOfLastForward;

    public GruLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        initialStateOfLastForward = null;
        return permuteIfNWC(forward(null, training, false, workspaceMgr).hidden);
    }

    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        INDArray previous = stateMap.get(STATE_KEY_HIDDEN);
        initialStateOfLastForward = null;
        INDArray hidden = forward(previous, false, false, workspaceMgr).hidden;
        stateMap.put(STATE_KEY_HIDDEN, detachedLastStep(hidden));
        return permuteIfNWC(hidden);
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        INDArray previous = tBpttStateMap.get(STATE_KEY_HIDDEN);
        initialStateOfLastForward = previous;
        INDArray hidden = forward(previous, training, false, workspaceMgr).hidden;
        if (storeLastForTBPTT) {
            tBpttStateMap.put(STATE_KEY_HIDDEN, detachedLastStep(hidden));
        }
        return permuteIfNWC(hidden);
    }

    @Override
    public void rnnClearPreviousState() {
        super.rnnClearPreviousState();
        initialStateOfLastForward = null;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return tbpttBackpropGradient(epsilon, -1, workspaceMgr);
    }

    /**
     * With {@code backLength > 0} only the last {@code backLength} steps pass gradient back, as DL4J's truncated
     * BPTT defines it; the gradient never flows into the state a previous segment left.
     */
    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int backLength, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray h0 = initialStateOfLastForward;
        Forward fwd = forward(h0, true, true, workspaceMgr);
        INDArray x = fwd.input;
        INDArray dLdh = permuteIfNWC(epsilon);
        if (dLdh.ordering() != 'f' || !Shape.hasDefaultStridesForShape(dLdh)) {
            dLdh = dLdh.dup('f');
        }
        long batch = x.size(0);
        long steps = x.size(2);
        long n = layerConf().getNOut();

        INDArray w = getParamWithNoise(GruParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        INDArray rw = getParamWithNoise(GruParamInitializer.RECURRENT_WEIGHT_KEY, true, workspaceMgr);
        INDArray rwGates = rw.get(all(), interval(0, 2 * n));
        INDArray rwCandidate = rw.get(all(), interval(2 * n, 3 * n));

        gradientsFlattened.assign(0);
        INDArray wGrad = gradientViews.get(GruParamInitializer.WEIGHT_KEY);
        INDArray rwGrad = gradientViews.get(GruParamInitializer.RECURRENT_WEIGHT_KEY);
        INDArray rwGatesGrad = rwGrad.get(all(), interval(0, 2 * n));
        INDArray rwCandidateGrad = rwGrad.get(all(), interval(2 * n, 3 * n));
        INDArray bGrad = gradientViews.get(GruParamInitializer.BIAS_KEY);

        long end = backLength > 0 ? Math.max(0, steps - backLength) : 0;
        // Gradients of the pre-activations [reset, update, candidate] per step; zero where truncation stops them.
        INDArray dLdPre = workspaceMgr.create(ArrayType.BP_WORKING_MEM, dataType, new long[] {batch, 3 * n, steps}, 'f');
        INDArray dLdhStep = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[] {batch, n}, 'f');
        INDArray dLdRh = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[] {batch, n}, 'f');
        INDArray resetTimesPrevious = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[] {batch, n}, 'f');
        INDArray oneMinusUpdate = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[] {batch, n}, 'f');
        // dL/dh_{t-1} through the recurrence, written at step t and read at the start of step t-1.
        INDArray dLdPrevious = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[] {batch, n}, 'f');
        INDArray dLdhNext = null;
        for (long t = steps - 1; t >= end; t--) {
            INDArray gates = fwd.gates.get(all(), all(), point(t));
            INDArray reset = gates.get(all(), interval(0, n));
            INDArray update = gates.get(all(), interval(n, 2 * n));
            INDArray candidate = gates.get(all(), interval(2 * n, 3 * n));
            INDArray previous = t > 0 ? fwd.hidden.get(all(), all(), point(t - 1)) : h0;
            INDArray dPre = dLdPre.get(all(), all(), point(t));
            INDArray dReset = dPre.get(all(), interval(0, n));
            INDArray dUpdate = dPre.get(all(), interval(n, 2 * n));
            INDArray dCandidate = dPre.get(all(), interval(2 * n, 3 * n));

            // dL/dh_t: from the layer above at this step plus from step t+1 through the recurrence.
            dLdhStep.assign(dLdh.get(all(), all(), point(t)));
            if (dLdhNext != null) {
                dLdhStep.addi(dLdhNext);
            }
            // h = z * h_prev + (1 - z) * c  =>  dc = dh (1 - z), dz = dh (h_prev - c)
            oneMinusUpdate.assign(update).rsubi(1);
            dCandidate.assign(candidate).muli(candidate).rsubi(1).muli(dLdhStep).muli(oneMinusUpdate);
            if (previous != null) {
                dUpdate.assign(previous).subi(candidate);
            } else {
                dUpdate.assign(candidate).negi();
            }
            dUpdate.muli(dLdhStep).muli(update).muli(oneMinusUpdate);

            if (previous == null) {
                // Zero initial state: the reset gate multiplies zeros and no recurrent weight saw a signal.
                dLdhNext = null;
                continue;
            }
            // c = tanh(x W_xh + (r * h_prev) W_hh + b_h)  =>  d(r * h_prev) = dPre_c W_hh^T
            Nd4j.gemm(dCandidate, rwCandidate, dLdRh, false, true, 1.0, 0.0);
            dReset.assign(reset).rsubi(1).muli(reset).muli(previous).muli(dLdRh);
            resetTimesPrevious.assign(reset).muli(previous);
            Nd4j.gemm(resetTimesPrevious, dCandidate, rwCandidateGrad, true, false, 1.0, 1.0);
            Nd4j.gemm(previous, dPre.get(all(), interval(0, 2 * n)), rwGatesGrad, true, false, 1.0, 1.0);
            if (t > end) {
                // dh_prev = dh z + d(r h_prev) r + dPre_rz W_h[r,z]^T
                dLdPrevious.assign(dLdhStep).muli(update).addi(dLdRh.muli(reset));
                Nd4j.gemm(dPre.get(all(), interval(0, 2 * n)), rwGates, dLdPrevious, false, true, 1.0, 1.0);
                dLdhNext = dLdPrevious;
            }
        }

        INDArray epsilonOut = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'f');
        for (long t = end; t < steps; t++) {
            INDArray dPre = dLdPre.get(all(), all(), point(t));
            INDArray xt = x.get(all(), all(), point(t));
            Nd4j.gemm(xt, dPre, wGrad, true, false, 1.0, 1.0);
            Nd4j.gemm(dPre, w, epsilonOut.get(all(), all(), point(t)), false, true, 1.0, 0.0);
        }
        bGrad.assign(dLdPre.sum(0, 2));
        weightNoiseParams.clear();

        Gradient gradient = new DefaultGradient(gradientsFlattened);
        gradient.gradientForVariable().put(GruParamInitializer.WEIGHT_KEY, wGrad);
        gradient.gradientForVariable().put(GruParamInitializer.RECURRENT_WEIGHT_KEY, rwGrad);
        gradient.gradientForVariable().put(GruParamInitializer.BIAS_KEY, bGrad);
        epsilonOut = backpropDropOutIfPresent(epsilonOut);
        return new Pair<>(gradient, permuteIfNWC(epsilonOut));
    }

    /** Hidden states {@code [mb, nOut, T]}, gate activations {@code [mb, 3 nOut, T]} and the NCW input used. */
    private record Forward(INDArray hidden, INDArray gates, INDArray input) {
    }

    private Forward forward(INDArray h0, boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (input.rank() != 3) {
            throw new IllegalStateException("GRU layer " + layerId() + " expects [minibatch, size, time] input, got shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        if (maskArray != null) {
            throw new UnsupportedOperationException("GRU layer " + layerId()
                    + " does not support masked (variable-length) sequences; lstm-spark trains on fixed-length windows");
        }
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = permuteIfNWC(input.castTo(dataType));
        if (x.ordering() != 'f' || Shape.strideDescendingCAscendingF(x)) {
            x = workspaceMgr.dup(ArrayType.ACTIVATIONS, x, 'f');
        }
        long batch = x.size(0);
        long steps = x.size(2);
        long n = layerConf().getNOut();
        if (h0 != null && (h0.rank() != 2 || h0.size(0) != batch || h0.size(1) != n)) {
            throw new IllegalStateException("GRU layer " + layerId() + ": stored state has shape "
                    + java.util.Arrays.toString(h0.shape()) + " but the input has minibatch " + batch
                    + "; clear the state (rnnClearPreviousState) when the minibatch size changes");
        }

        INDArray w = getParamWithNoise(GruParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        INDArray rw = getParamWithNoise(GruParamInitializer.RECURRENT_WEIGHT_KEY, training, workspaceMgr);
        INDArray b = getParamWithNoise(GruParamInitializer.BIAS_KEY, training, workspaceMgr);
        INDArray rwGates = rw.get(all(), interval(0, 2 * n));
        INDArray rwCandidate = rw.get(all(), interval(2 * n, 3 * n));

        ArrayType hiddenType = forBackprop ? ArrayType.BP_WORKING_MEM : ArrayType.ACTIVATIONS;
        ArrayType gatesType = forBackprop ? ArrayType.BP_WORKING_MEM : ArrayType.FF_WORKING_MEM;
        INDArray hidden = workspaceMgr.createUninitialized(hiddenType, dataType, new long[] {batch, n, steps}, 'f');
        INDArray allGates = workspaceMgr.createUninitialized(gatesType, dataType, new long[] {batch, 3 * n, steps}, 'f');
        INDArray resetTimesPrevious = workspaceMgr.createUninitialized(gatesType, dataType, new long[] {batch, n}, 'f');
        // Biases of every step in one operation; the input GEMMs then accumulate onto them.
        Nd4j.getExecutioner().exec(new BroadcastCopyOp(allGates, b, allGates, 1));

        INDArray previous = h0;
        for (long t = 0; t < steps; t++) {
            INDArray gates = allGates.get(all(), all(), point(t));
            INDArray resetAndUpdate = gates.get(all(), interval(0, 2 * n));
            INDArray reset = gates.get(all(), interval(0, n));
            INDArray update = gates.get(all(), interval(n, 2 * n));
            INDArray candidate = gates.get(all(), interval(2 * n, 3 * n));
            INDArray h = hidden.get(all(), all(), point(t));

            Nd4j.gemm(x.get(all(), all(), point(t)), w, gates, false, false, 1.0, 1.0);
            if (previous != null) {
                Nd4j.gemm(previous, rwGates, resetAndUpdate, false, false, 1.0, 1.0);
            }
            Transforms.sigmoid(resetAndUpdate, false);
            if (previous != null) {
                resetTimesPrevious.assign(reset).muli(previous);
                Nd4j.gemm(resetTimesPrevious, rwCandidate, candidate, false, false, 1.0, 1.0);
            }
            Transforms.tanh(candidate, false);
            // h = c + z * (h_prev - c), with h_prev = 0 at the start of a sequence without stored state
            if (previous != null) {
                h.assign(previous).subi(candidate).muli(update).addi(candidate);
            } else {
                h.assign(update).rsubi(1).muli(candidate);
            }
            previous = h;
        }
        return new Forward(hidden, allGates, x);
    }

    private static INDArray detachedLastStep(INDArray hidden) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return hidden.get(all(), all(), point(hidden.size(2) - 1)).dup('f');
        }
    }
}
