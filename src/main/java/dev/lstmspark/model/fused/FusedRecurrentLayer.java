package dev.lstmspark.model.fused;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

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
import org.nd4j.linalg.factory.Nd4j;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/**
 * What {@link FusedLstmLayer} and {@link FusedGruLayer} share: the buffers, the input projection (row gather for
 * token indices, one GEMM over the sequence for dense input), the recurrent GEMMs, the gradients of {@code W} and
 * {@code b} and the input, and the state DL4J carries between calls (truncated BPTT, {@code rnnTimeStep}).
 * A subclass supplies the per-step gate passes and which products feed its recurrent-weight gradient.
 *
 * <p>Layout. Every sequence buffer is row-major with rows ordered by (time step, example): row {@code t B + b}.
 * A time step is then one contiguous {@code [B, width]} matrix, the whole sequence one {@code [T B, width]} matrix,
 * and the gate blocks of one example are consecutive runs of {@code nOut} values. The layer's output has exactly
 * this layout ({@code [B, nOut, T]} with strides {@code [nOut, 1, B nOut]}), so a stacked fused layer multiplies
 * it as it comes; other inputs are copied into it once.
 *
 * <p>Computation. Per step, a GEMM of the previous hidden state with {@code RW} into a native buffer, copied in
 * one block to the heap, then the gate pass in plain Java on {@code double[]} arrays (both precisions share this
 * code; a float network rounds at the native boundary, where OpenBLAS reads its operands). A float network on a JVM
 * with the Vector API ({@link VectorApi}) computes the step's products in Java instead, on copies of {@code RW}
 * packed once per pass ({@link VectorGemm}: OpenBLAS repacks the whole of {@code RW} on every call), and its gates'
 * sigmoid and tanh in float vectors ({@link VectorActivations}); the same arrays, the same gate passes. The training forward
 * pass keeps every step's gate activations for backpropagation (recomputing them would cost a third of a training
 * step); the backward pass is one gate pass and one GEMM per step, and the weight gradients are GEMMs over the
 * whole sequence. Buffers are allocated once per thread and shape, outside DL4J's workspaces, and reused by every
 * layer instance of that shape on the thread ({@link ScratchMemory}): parameter averaging builds a new network
 * every round.
 */
public abstract class FusedRecurrentLayer<C extends FusedRecurrent> extends BaseRecurrentLayer<C> {

    protected final int gateBlocks;
    protected final boolean indexInput;
    protected final int nIn;
    protected final int hidden;
    /** Gate values per example and step: {@code gateBlocks * hidden}. */
    protected final int width;

    /** Shape the buffers were claimed for. */
    protected int batch = -1;
    protected int steps = -1;

    /** {@code [T][B][width]}: pre-activations, then (in place) the gate activations of the last forward pass. */
    protected double[] gates;
    /** {@code [T+1][B][hidden]}: slot 0 is the initial state, slot {@code t + 1} the output of step {@code t}. */
    protected double[] hiddenStates;
    /** {@code [T][B][width]}: dL/d(pre-activation) of every step. */
    protected double[] gateGradients;
    /** {@code [T][B][hidden]}: dL/dh_t from the layer above. */
    protected double[] upstream;
    /** {@code [B][hidden]}: dL/dh_{t-1} through {@code RW}, the GEMM written by the backward step of {@code t}. */
    protected double[] recurrentGradient;
    /** Index input: {@code [nIn][width]}, {@code W^T} with the bias added to every row; dense input: unused. */
    protected double[] inputRows;
    protected double[] bias;
    /** Token index of row {@code t B + b}. */
    protected int[] tokens;

    /** {@code [T][B][width]}: GEMM target; holds {@code x W} of every step first for dense input. */
    protected NativeBuffer preActivations;
    protected NativeBuffer hiddenNative;
    protected NativeBuffer gateGradientsNative;
    protected NativeBuffer recurrentGradientNative;
    /** {@code RW} of the pass under way. */
    protected NativeBuffer recurrentWeights;

    /**
     * Whether the time steps run on the Vector API kernels (float networks on a JVM with the module): the recurrent
     * products through {@link VectorGemm} on packed copies of {@code RW} instead of OpenBLAS, the gates' sigmoid and
     * tanh through {@link VectorActivations} in float. Everything else is the same code either way.
     */
    private boolean vectorKernels;
    /** Vector kernels: {@code RW} as floats, Fortran order as the parameter. */
    private float[] weightStaging;
    /** Vector kernels: per block of {@link #recurrentBlocks()}, {@code RW[:, block]} and its transpose, packed. */
    private float[][] forwardPacked;
    private float[][] backwardPacked;
    /** Vector kernels: the step's multiplier as floats, and the product, {@link VectorGemm#paddedColumns} wide. */
    private float[] stepLeft;
    private float[] stepProduct;
    /** Vector kernels: the floats one {@link #sigmoid} or {@link #tanh} call works on. */
    private float[] activationScratch;

    /** Where every buffer of the pass under way comes from; see {@link ScratchMemory} for who may use it when. */
    private ScratchMemory scratch;
    private double[] weightScratch;
    private double[] biasGradient;
    private double[] inputRowGradients;

    /** Whether the last forward pass started from a stored state (otherwise from zeros). */
    protected boolean fromState;

    /**
     * Whether the buffers hold the activations of a training forward pass over {@link #keptInput}: then
     * backpropagation uses them instead of recomputing the forward pass.
     */
    private boolean kept;
    private INDArray keptInput;
    /**
     * The state the last forward pass started from ({@code null}: zeros): when backpropagation must recompute the
     * forward pass, it starts from the same state, so the gradient is that of the computation that was done.
     */
    private Map<String, INDArray> initialStateOfLastForward;

    protected FusedRecurrentLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        requireCpuBackend(getClass().getSimpleName(), Nd4j.getEnvironment().isCPU(), Nd4j.getBackend().getClass().getName());
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " computes in FLOAT or DOUBLE, not " + dataType);
        }
        FusedRecurrent layer = (FusedRecurrent) conf.getLayer();
        this.gateBlocks = layer.gateBlocks();
        this.indexInput = layer.isIndexInput();
        this.nIn = Math.toIntExact(layer.getNIn());
        this.hidden = Math.toIntExact(layer.getNOut());
        this.width = Math.multiplyExact(gateBlocks, hidden);
        this.vectorKernels = dataType == DataType.FLOAT && VectorApi.enabled();
        if (dataType == DataType.FLOAT && !vectorKernels) {
            VectorApi.noteFallback();
        }
    }

    /**
     * Switches this layer's time steps between the Vector API kernels and the OpenBLAS path (tests compare the
     * two); the next forward pass starts afresh.
     */
    void vectorKernels(boolean on) {
        if (on && !(dataType == DataType.FLOAT && VectorApi.enabled())) {
            throw new IllegalStateException("the vector kernels need a float network on a JVM started with " + VectorApi.FLAG);
        }
        vectorKernels = on;
        batch = -1;
        kept = false;
    }

    boolean vectorKernels() {
        return vectorKernels;
    }

    /**
     * The layers call OpenBLAS on host memory; on another backend that memory is not where the arrays live.
     * Fails instead of silently copying between device and host.
     */
    static void requireCpuBackend(String layer, boolean cpu, String backend) {
        if (!cpu) {
            throw new IllegalStateException(layer + " runs on ND4J's CPU backend only (this JVM uses " + backend
                    + "); on this backend use the stock layer instead: DL4J's LSTM for FusedLstm, "
                    + "dev.lstmspark.model.gru.Gru for FusedGru");
        }
    }

    /** Key of the hidden state in the state maps. */
    protected abstract String hiddenStateKey();

    /**
     * The column boundaries of the blocks of {@code RW} that a step multiplies separately, from 0 to {@link #width}:
     * each {@link #preActivations} and {@link #recurrentGradient} call covers one block.
     */
    protected abstract int[] recurrentBlocks();

    /**
     * Binds the subclass's own buffers for {@link #batch} and {@link #steps}, from {@link #scratchDoubles} and
     * {@link #scratchNative}.
     */
    protected abstract void bindCellBuffers();

    /** Loads the subclass's part of a stored state ({@code null}: zeros) for a pass starting now. */
    protected abstract void loadCellState(Map<String, INDArray> state);

    /** Puts the subclass's part of the state after the last step into {@code map}. */
    protected abstract void storeCellState(Map<String, INDArray> map);

    /** Step {@code t} of the forward pass: gates, states, and {@link #publishHidden(int)}. */
    protected abstract void forwardStep(int t);

    /** Resets what the backward steps carry from step to step. */
    protected abstract void startBackward();

    /**
     * Step {@code t} of backpropagation: {@link #gateGradients} and their native copy for step {@code t}, and, if
     * {@code t > end}, {@link #recurrentGradient} for step {@code t - 1}.
     */
    protected abstract void backwardStep(int t, int end);

    /** The gradient of {@code RW} from steps {@code [end, T)}, into {@code gradient}. */
    protected abstract void recurrentWeightGradient(int end, NativeBuffer gradient);

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public Type type() {
        return Type.RECURRENT;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return forward(null, training, workspaceMgr, true);
    }

    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        INDArray out = forward(stateMap.isEmpty() ? null : new HashMap<>(stateMap), false, workspaceMgr, true);
        storeState(stateMap);
        return out;
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        INDArray out = forward(tBpttStateMap.isEmpty() ? null : new HashMap<>(tBpttStateMap), training, workspaceMgr, true);
        if (storeLastForTBPTT) {
            storeState(tBpttStateMap);
        }
        return out;
    }

    @Override
    public void rnnClearPreviousState() {
        super.rnnClearPreviousState();
        initialStateOfLastForward = null;
    }

    @Override
    public void clear() {
        super.clear();
        kept = false;
        keptInput = null;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return tbpttBackpropGradient(epsilon, -1, workspaceMgr);
    }

    /**
     * With {@code backLength > 0} only the last {@code backLength} steps pass gradient back, as DL4J's truncated
     * BPTT defines it; the gradient never flows into the state a previous segment left. The epsilon for the layer
     * below is {@code null} for index input (nothing below takes a gradient).
     */
    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int backLength, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!kept || keptInput != input || !scratch.isHeldBy(this)) {
            forward(initialStateOfLastForward, true, workspaceMgr, false);
        }
        readUpstream(permuteIfNWC(epsilon));
        if (isZero(upstream)) {
            // A segment that predicts nothing (state-warmup's context, its labels all masked): every gradient is
            // exactly zero, so the backward pass is skipped (the forward pass has already carried the state on).
            return zeroGradient(workspaceMgr);
        }
        int end = backLength > 0 ? Math.max(0, steps - backLength) : 0;
        if (vectorKernels) {
            packRecurrentWeights(true);
        }
        Arrays.fill(recurrentGradient, 0);
        startBackward();
        for (int t = steps - 1; t >= end; t--) {
            backwardStep(t, end);
        }

        recurrentWeightGradient(end, NativeBuffer.of(gradientViews.get(FusedParamInitializer.RECURRENT_WEIGHT_KEY), 'f'));
        int rows = (steps - end) * batch;
        long firstRow = (long) end * batch;
        Arrays.fill(biasGradient, 0);
        for (int r = end * batch; r < steps * batch; r++) {
            int g = r * width;
            for (int j = 0; j < width; j++) {
                biasGradient[j] += gateGradients[g + j];
            }
        }
        NativeBuffer.of(gradientViews.get(FusedParamInitializer.BIAS_KEY), 'f').write(biasGradient, 0, 0, width);

        NativeBuffer weightGradient = NativeBuffer.of(gradientViews.get(FusedParamInitializer.WEIGHT_KEY), 'f');
        INDArray epsilonOut = null;
        if (indexInput) {
            // x_t W is a row gather, so dL/dW is a scatter-add of the gate gradients into the rows of the tokens.
            Arrays.fill(inputRowGradients, 0);
            for (int r = end * batch; r < steps * batch; r++) {
                int target = tokens[r] * width;
                int g = r * width;
                for (int j = 0; j < width; j++) {
                    inputRowGradients[target + j] += gateGradients[g + j];
                }
            }
            // to W's Fortran order: element (i, j) at i + nIn j
            for (int i = 0; i < nIn; i++) {
                for (int j = 0; j < width; j++) {
                    weightScratch[i + nIn * j] = inputRowGradients[i * width + j];
                }
            }
            weightGradient.write(weightScratch, 0, 0, nIn * width);
        } else {
            NativeBuffer x = denseInput(permuteIfNWC(input));
            NativeBuffer w = NativeBuffer.of(getParam(FusedParamInitializer.WEIGHT_KEY), 'f');
            // dW^T [width, nIn] = dZ^T X over the steps that pass gradient; W^T row-major is W in Fortran order
            RowMajorGemm.gemm(true, false, width, nIn, rows, gateGradientsNative, firstRow * width, width,
                    x, firstRow * nIn, nIn, 0.0, weightGradient, 0, nIn);
            INDArray out = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, dataType, new long[] {steps, batch, nIn}, 'c');
            // dX = dZ W^T, rows before the truncation point stay zero
            RowMajorGemm.gemm(false, false, rows, nIn, width, gateGradientsNative, firstRow * width, width,
                    w, 0, nIn, 0.0, NativeBuffer.of(out, 'c'), firstRow * nIn, nIn);
            epsilonOut = permuteIfNWC(out.permute(1, 2, 0));
        }

        Gradient gradient = new DefaultGradient(gradientsFlattened);
        for (String key : new String[] {FusedParamInitializer.WEIGHT_KEY, FusedParamInitializer.RECURRENT_WEIGHT_KEY,
                FusedParamInitializer.BIAS_KEY}) {
            gradient.gradientForVariable().put(key, gradientViews.get(key));
        }
        return new Pair<>(gradient, epsilonOut);
    }

    private static boolean isZero(double[] values) {
        for (double v : values) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** The gradients of a zero upstream gradient: zero for every parameter and for the layer below. */
    private Pair<Gradient, INDArray> zeroGradient(LayerWorkspaceMgr workspaceMgr) {
        Gradient gradient = new DefaultGradient(gradientsFlattened);
        for (String key : new String[] {FusedParamInitializer.WEIGHT_KEY, FusedParamInitializer.RECURRENT_WEIGHT_KEY,
                FusedParamInitializer.BIAS_KEY}) {
            gradient.gradientForVariable().put(key, gradientViews.get(key).assign(0));
        }
        INDArray epsilonOut = indexInput ? null : permuteIfNWC(workspaceMgr.create(ArrayType.ACTIVATION_GRAD, dataType,
                new long[] {steps, batch, nIn}, 'c').permute(1, 2, 0));
        return new Pair<>(gradient, epsilonOut);
    }

    /**
     * The forward pass from {@code state} ({@code null}: zeros). Returns the output activations if
     * {@code output}, otherwise {@code null} (a recomputation for backpropagation needs only the buffers).
     */
    private INDArray forward(Map<String, INDArray> state, boolean training, LayerWorkspaceMgr workspaceMgr, boolean output) {
        assertInputSet(false);
        C conf = layerConf();
        if (maskArray != null) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " " + layerId()
                    + " does not support masked (variable-length) sequences; lstm-spark trains on fixed-length windows");
        }
        if (conf.getIDropout() != null || conf.getWeightNoise() != null) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " " + layerId()
                    + " does not support dropout or weight noise");
        }
        INDArray x = permuteIfNWC(input);
        if (x.rank() != 3 || x.size(1) != (indexInput ? 1 : nIn)) {
            throw new IllegalStateException(getClass().getSimpleName() + " " + layerId() + " expects "
                    + (indexInput ? "[minibatch, 1, time] token indices" : "[minibatch, " + nIn + ", time] input")
                    + ", got shape " + Arrays.toString(input.shape()));
        }
        claimBuffers(Math.toIntExact(x.size(0)), Math.toIntExact(x.size(2)));

        NativeBuffer w = NativeBuffer.of(getParam(FusedParamInitializer.WEIGHT_KEY), 'f');
        recurrentWeights = NativeBuffer.of(getParam(FusedParamInitializer.RECURRENT_WEIGHT_KEY), 'f');
        if (vectorKernels) {
            packRecurrentWeights(false);
        }
        NativeBuffer.of(getParam(FusedParamInitializer.BIAS_KEY), 'f').read(0, bias, 0, width);
        if (indexInput) {
            readTokens(x);
            w.read(0, weightScratch, 0, nIn * width);
            for (int i = 0; i < nIn; i++) {
                for (int j = 0; j < width; j++) {
                    inputRows[i * width + j] = weightScratch[i + nIn * j] + bias[j];
                }
            }
        } else {
            // x W of every step in one GEMM: [T B, nIn] [nIn, width]; the recurrent products add to it
            RowMajorGemm.gemm(false, true, steps * batch, width, nIn, denseInput(x), 0, nIn, w, 0, nIn,
                    0.0, preActivations, 0, width);
        }

        fromState = state != null && state.get(hiddenStateKey()) != null;
        Arrays.fill(hiddenStates, 0, batch * hidden, 0);
        if (fromState) {
            readState(state.get(hiddenStateKey()), hiddenStates, 0);
        }
        hiddenNative.write(hiddenStates, 0, 0, batch * hidden);
        loadCellState(fromState ? state : null);
        for (int t = 0; t < steps; t++) {
            forwardStep(t);
        }
        kept = training;
        keptInput = training ? input : null;
        initialStateOfLastForward = state;
        if (!output) {
            return null;
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[] {steps, batch, hidden}, 'c');
        NativeBuffer.of(out, 'c').write(hiddenStates, batch * hidden, 0, steps * batch * hidden);
        return permuteIfNWC(out.permute(1, 2, 0));
    }

    /**
     * Binds this thread's {@link ScratchMemory} for the minibatch shape to the buffer fields, claiming it from
     * whichever layer held it last (another round's network, usually); the same shape finds the same arrays.
     */
    private void claimBuffers(int newBatch, int newSteps) {
        if (newBatch == batch && newSteps == steps && scratch != null && scratch.isHeldBy(this)) {
            return;
        }
        batch = newBatch;
        steps = newSteps;
        scratch = ScratchMemory.claim(new ScratchMemory.Key(getClass().getName(), getIndex(), nIn, hidden, indexInput,
                dataType, batch, steps), this);
        int rows = Math.multiplyExact(steps, batch);
        gates = scratchDoubles("gates", Math.multiplyExact(rows, width));
        gateGradients = scratchDoubles("gateGradients", gates.length);
        hiddenStates = scratchDoubles("hiddenStates", Math.multiplyExact(rows + batch, hidden));
        upstream = scratchDoubles("upstream", rows * hidden);
        recurrentGradient = scratchDoubles("recurrentGradient", batch * hidden);
        bias = scratchDoubles("bias", width);
        biasGradient = scratchDoubles("biasGradient", width);
        weightScratch = scratchDoubles("weightScratch", nIn * width);
        if (indexInput) {
            inputRows = scratchDoubles("inputRows", nIn * width);
            inputRowGradients = scratchDoubles("inputRowGradients", nIn * width);
            tokens = scratch.ints("tokens", rows);
        }
        preActivations = scratchNative("preActivations", gates.length);
        gateGradientsNative = scratchNative("gateGradientsNative", gates.length);
        hiddenNative = scratchNative("hiddenNative", hiddenStates.length);
        recurrentGradientNative = scratchNative("recurrentGradientNative", (long) batch * hidden);
        if (vectorKernels) {
            int[] blocks = recurrentBlocks();
            forwardPacked = new float[blocks.length - 1][];
            backwardPacked = new float[blocks.length - 1][];
            for (int i = 0; i + 1 < blocks.length; i++) {
                int cols = blocks[i + 1] - blocks[i];
                forwardPacked[i] = scratch.floats("forwardPacked" + i, VectorGemm.packedLength(hidden, cols));
                backwardPacked[i] = scratch.floats("backwardPacked" + i, VectorGemm.packedLength(cols, hidden));
            }
            weightStaging = scratch.floats("weightStaging", hidden * width);
            stepLeft = scratch.floats("stepLeft", batch * Math.max(hidden, width));
            stepProduct = scratch.floats("stepProduct", batch * VectorGemm.paddedColumns(Math.max(hidden, width)));
            activationScratch = scratch.floats("activationScratch", width);
        }
        kept = false;
        bindCellBuffers();
    }

    /** A heap buffer of the layer's {@link ScratchMemory}: its contents are whatever the last holder left. */
    protected final double[] scratchDoubles(String name, int length) {
        return scratch.doubles(name, length);
    }

    /** A native buffer of the network's data type in the layer's {@link ScratchMemory}. */
    protected final NativeBuffer scratchNative(String name, long length) {
        return scratch.nativeBuffer(name, dataType, length);
    }

    /** Token indices of {@code [B, 1, T]} into {@link #tokens}, row {@code t B + b}; each must be an index of W's rows. */
    private void readTokens(INDArray x) {
        readIndices(x, nIn, tokens, getClass().getSimpleName() + " " + layerId(), "input value", "token index");
    }

    /**
     * Indices {@code [B, 1, T]} (stored as floating point: token indices in, class indices out) into
     * {@code target}, row {@code t B + b} as in the sequence layout; each must be an integer in {@code [0, bound)},
     * else the error names {@code owner}, the {@code value} and its example and step, and what it should be.
     */
    static void readIndices(INDArray indices, int bound, int[] target, String owner, String value, String kind) {
        double[] values;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            values = indices.get(all(), point(0), all()).transpose().dup('c').reshape(-1).toDoubleVector();
        }
        long batch = indices.size(0);
        for (int r = 0; r < values.length; r++) {
            double v = values[r];
            if (!(v >= 0 && v < bound) || v != Math.rint(v)) {
                throw new IllegalArgumentException(owner + ": " + value + " " + v + " at example " + (r % batch)
                        + ", step " + (r / batch) + " is not a " + kind + " in [0, " + bound + ")");
            }
            target[r] = (int) v;
        }
    }

    /** The dense input {@code [B, nIn, T]} as the row-major {@code [T B, nIn]} matrix, copied only if it is not one. */
    private NativeBuffer denseInput(INDArray x) {
        if (x.dataType() == dataType && hasSequenceLayout(x)) {
            return NativeBuffer.ofLayout(x, (long) steps * batch * nIn);
        }
        NativeBuffer stage = scratchNative("inputStage", (long) steps * batch * nIn);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            stage.array().reshape('c', steps, batch, nIn).permute(1, 2, 0).assign(x);
        }
        return stage;
    }

    /** dL/dh from the layer above into {@link #upstream} in the sequence layout. */
    private void readUpstream(INDArray epsilon) {
        if (epsilon.rank() != 3 || epsilon.size(0) != batch || epsilon.size(1) != hidden || epsilon.size(2) != steps) {
            throw new IllegalStateException(getClass().getSimpleName() + " " + layerId() + ": gradient of shape "
                    + Arrays.toString(epsilon.shape()) + " for an output of [" + batch + ", " + hidden + ", " + steps + "]");
        }
        if (epsilon.dataType() == dataType && hasSequenceLayout(epsilon)) {
            NativeBuffer.ofLayout(epsilon, upstream.length).read(0, upstream, 0, upstream.length);
            return;
        }
        NativeBuffer stage = scratchNative("upstreamStage", upstream.length);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            stage.array().reshape('c', steps, batch, hidden).permute(1, 2, 0).assign(epsilon);
        }
        stage.read(0, upstream, 0, upstream.length);
    }

    /** Whether {@code [B, n, T]} has strides {@code [n, 1, B n]}: the row-major {@code [T B, n]} matrix. */
    static boolean hasSequenceLayout(INDArray a) {
        long[] stride = a.stride();
        long b = a.size(0);
        long n = a.size(1);
        long t = a.size(2);
        return (b == 1 || stride[0] == n) && (n == 1 || stride[1] == 1) && (t == 1 || stride[2] == b * n);
    }

    private void readState(INDArray state, double[] target, int offset) {
        if (state.rank() != 2 || state.size(0) != batch || state.size(1) != hidden) {
            throw new IllegalStateException(getClass().getSimpleName() + " " + layerId() + ": stored state has shape "
                    + Arrays.toString(state.shape()) + " but the input has minibatch " + batch
                    + "; clear the state (rnnClearPreviousState) when the minibatch size changes");
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            NativeBuffer.of(state.castTo(dataType).dup('c'), 'c').read(0, target, offset, batch * hidden);
        }
    }

    /** Reads a {@code [B, hidden]} state from a map ({@code null} or absent: zeros) into {@code target[offset ..]}. */
    protected final void loadState(Map<String, INDArray> state, String key, double[] target, int offset) {
        INDArray value = state == null ? null : state.get(key);
        if (value == null) {
            Arrays.fill(target, offset, offset + batch * hidden, 0);
        } else {
            readState(value, target, offset);
        }
    }

    /** A detached {@code [B, hidden]} copy of {@code source[offset ..]}, for a state map. */
    protected final INDArray stateArray(double[] source, int offset) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray state = Nd4j.createUninitialized(dataType, new long[] {batch, hidden}, 'c');
            NativeBuffer.of(state, 'c').write(source, offset, 0, batch * hidden);
            return state;
        }
    }

    private void storeState(Map<String, INDArray> map) {
        map.put(hiddenStateKey(), stateArray(hiddenStates, steps * batch * hidden));
        storeCellState(map);
    }

    /** Whether step {@code t} has a non-zero previous state, so that its recurrent products are computed. */
    protected final boolean hasRecurrentInput(int t) {
        return t > 0 || fromState;
    }

    /** The array {@link #inputTermOffset} indexes: per-token rows of {@code W^T + b}, or the bias for dense input. */
    protected final double[] inputTerms() {
        return indexInput ? inputRows : bias;
    }

    /**
     * Where the input term of example {@code b} at step {@code t} starts in {@link #inputTerms()}: what the gate
     * pass adds to the pre-activations it loaded (for dense input only the bias, {@code x W} is in them).
     */
    protected final int inputTermOffset(int t, int b) {
        return indexInput ? tokens[t * batch + b] * width : 0;
    }

    /**
     * Step {@code t}'s pre-activations of the gates {@code [from, to)}, one block of {@link #recurrentBlocks()}, into
     * {@link #gates}: the input term ({@code x_t W + b}) plus, when the step has a recurrent input,
     * {@code left RW[:, from .. to)}, where {@code left} is the step's {@code [B, hidden]} multiplier, on the heap
     * at {@code left[leftOffset ..]} and natively at {@code leftNative[leftNativeOffset ..]} (each path reads one).
     */
    protected final void preActivations(int t, int from, int to, double[] left, int leftOffset, NativeBuffer leftNative,
                                        long leftNativeOffset) {
        boolean product = hasRecurrentInput(t);
        if (!vectorKernels) {
            if (product) {
                recurrentProduct(t, leftNative, leftNativeOffset, from, to - from);
            }
            loadPreActivations(t, from, to, product);
            addInputTerms(t, from, to);
            return;
        }
        int ld = VectorGemm.paddedColumns(to - from);
        if (product) {
            int n = batch * hidden;
            for (int i = 0; i < n; i++) {
                stepLeft[i] = (float) left[leftOffset + i];
            }
            VectorGemm.multiply(stepLeft, 0, hidden, batch, hidden, forwardPacked[blockIndex(from)], to - from,
                    stepProduct, 0, ld);
        }
        if (!indexInput) {
            loadPreActivations(t, from, to, true); // x W of the step, from the sequence's GEMM
        }
        double[] terms = inputTerms();
        for (int b = 0; b < batch; b++) {
            int g = (t * batch + b) * width;
            int in = inputTermOffset(t, b);
            int p = b * ld - from;
            if (indexInput && product) {
                for (int j = from; j < to; j++) {
                    gates[g + j] = terms[in + j] + stepProduct[p + j];
                }
            } else if (indexInput) {
                System.arraycopy(terms, in + from, gates, g + from, to - from);
            } else if (product) {
                for (int j = from; j < to; j++) {
                    gates[g + j] += terms[in + j] + stepProduct[p + j];
                }
            } else {
                for (int j = from; j < to; j++) {
                    gates[g + j] += terms[in + j];
                }
            }
        }
    }

    /**
     * {@code preActivations[t][:, from .. from + cols) (+)= left[B, hidden] RW[:, from .. from + cols)}: adds to
     * {@code x W} for dense input, overwrites for index input (its input term is added in Java).
     */
    private void recurrentProduct(int t, NativeBuffer left, long leftOffset, int from, int cols) {
        RowMajorGemm.gemm(false, true, batch, cols, hidden, left, leftOffset, hidden, recurrentWeights, (long) from * hidden,
                hidden, indexInput ? 0.0 : 1.0, preActivations, (long) t * batch * width + from, width);
    }

    /** Copies step {@code t}'s pre-activations {@code [from, to)} into {@link #gates}, or zeros if nothing wrote them. */
    private void loadPreActivations(int t, int from, int to, boolean recurrentProductDone) {
        int offset = t * batch * width;
        if (!recurrentProductDone && indexInput) {
            for (int b = 0; b < batch; b++) {
                Arrays.fill(gates, offset + b * width + from, offset + b * width + to, 0);
            }
        } else if (from == 0 && to == width) {
            preActivations.read(offset, gates, offset, batch * width);
        } else {
            preActivations.readRows(offset + from, batch, to - from, width, gates, offset + from, width);
        }
    }

    /**
     * Adds the input term of every example to step {@code t}'s pre-activations {@code [from, to)}, so that the gate
     * pass finds complete pre-activations in {@link #gates}.
     */
    private void addInputTerms(int t, int from, int to) {
        double[] terms = inputTerms();
        for (int b = 0; b < batch; b++) {
            int g = (t * batch + b) * width;
            int in = inputTermOffset(t, b);
            for (int j = from; j < to; j++) {
                gates[g + j] += terms[in + j];
            }
        }
    }

    /** {@code a[i] = sigmoid(a[i])} for {@code i} in {@code [from, to)}: the gate passes' sigmoid. */
    protected final void sigmoid(double[] a, int from, int to) {
        if (vectorKernels) {
            VectorActivations.sigmoid(a, from, to, activationScratch);
        } else {
            GateActivations.sigmoid(a, from, to);
        }
    }

    /** {@code a[i] = tanh(a[i])} for {@code i} in {@code [from, to)}: the gate passes' tanh. */
    protected final void tanh(double[] a, int from, int to) {
        if (vectorKernels) {
            VectorActivations.tanh(a, from, to, activationScratch);
        } else {
            GateActivations.tanh(a, from, to);
        }
    }

    /** Which block of {@link #recurrentBlocks()} starts at column {@code from}. */
    private int blockIndex(int from) {
        int[] blocks = recurrentBlocks();
        for (int i = 0; i + 1 < blocks.length; i++) {
            if (blocks[i] == from) {
                return i;
            }
        }
        throw new IllegalArgumentException("no block of RW starts at column " + from);
    }

    /**
     * Packs every block of {@code RW} for {@link VectorGemm}: for the forward products {@code RW[:, block]}
     * ({@code [hidden, cols]}), for backpropagation its transpose ({@code [cols, hidden]}).
     */
    private void packRecurrentWeights(boolean transposed) {
        recurrentWeights.read(0, weightStaging, 0, hidden * width);
        int[] blocks = recurrentBlocks();
        for (int i = 0; i + 1 < blocks.length; i++) {
            int from = blocks[i];
            int cols = blocks[i + 1] - from;
            // RW in Fortran order: element (k, j) at k + hidden j
            if (transposed) {
                VectorGemm.pack(weightStaging, from * hidden, hidden, 1, cols, hidden, backwardPacked[i]);
            } else {
                VectorGemm.pack(weightStaging, from * hidden, 1, hidden, hidden, cols, forwardPacked[i]);
            }
        }
    }

    /** Step {@code t}'s hidden state to native memory, where the next step's GEMM and the weight gradient read it. */
    protected final void publishHidden(int t) {
        int offset = (t + 1) * batch * hidden;
        hiddenNative.write(hiddenStates, offset, offset, batch * hidden);
    }

    /** Step {@code t}'s gate gradients {@code [from, to)} to native memory. */
    protected final void publishGateGradients(int t, int from, int to) {
        int offset = t * batch * width;
        if (from == 0 && to == width) {
            gateGradientsNative.write(gateGradients, offset, offset, batch * width);
        } else {
            gateGradientsNative.writeRows(gateGradients, offset + from, width, offset + from, batch, to - from, width);
        }
    }

    /**
     * {@code target[B, hidden] = dZ[t][:, from .. from + cols) RW[:, from .. from + cols)^T}, one block of
     * {@link #recurrentBlocks()}; the OpenBLAS path reads {@code dZ} natively ({@link #publishGateGradients} first)
     * and computes into {@code nativeTarget}.
     */
    protected final void recurrentGradient(int t, int from, int cols, NativeBuffer nativeTarget, double[] target) {
        if (!vectorKernels) {
            RowMajorGemm.gemm(false, false, batch, hidden, cols, gateGradientsNative, (long) t * batch * width + from, width,
                    recurrentWeights, (long) from * hidden, hidden, 0.0, nativeTarget, 0, hidden);
            nativeTarget.read(0, target, 0, batch * hidden);
            return;
        }
        for (int b = 0; b < batch; b++) {
            int g = (t * batch + b) * width + from;
            for (int j = 0; j < cols; j++) {
                stepLeft[b * cols + j] = (float) gateGradients[g + j];
            }
        }
        int ld = VectorGemm.paddedColumns(hidden);
        VectorGemm.multiply(stepLeft, 0, cols, batch, cols, backwardPacked[blockIndex(from)], hidden, stepProduct, 0, ld);
        for (int b = 0; b < batch; b++) {
            for (int u = 0; u < hidden; u++) {
                target[b * hidden + u] = stepProduct[b * ld + u];
            }
        }
    }

    /**
     * {@code dRW[:, from .. from + cols) = left^T dZ[:, from .. from + cols)} over steps {@code [end, T)}: one GEMM
     * for the sequence, {@code left} holding the step's {@code [B, hidden]} multiplier from row {@code end B}.
     */
    protected final void recurrentWeightGradientProduct(int end, NativeBuffer left, int from, int cols, NativeBuffer gradient) {
        int rows = (steps - end) * batch;
        RowMajorGemm.gemm(true, false, cols, hidden, rows, gateGradientsNative, (long) end * batch * width + from, width,
                left, (long) end * batch * hidden, hidden, 0.0, gradient, (long) from * hidden, hidden);
    }
}
