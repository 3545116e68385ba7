package dev.lstmspark.model.fused;

import java.util.Arrays;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.RnnOutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;

/**
 * The runtime side of {@link FusedSoftmaxOutput}. DL4J's {@code RnnOutputLayer} copies its 3-D input into a 2-D
 * matrix twice per training step (once for the score, once for the gradient), runs the forward GEMM and the softmax
 * for each, and copies its gradient to the layer below twice more (to Fortran order, then into the fused layer's
 * layout): 8% of a training step at d2l's shape, most of it copies. Here, when the input is a fused layer's output
 * (row-major {@code [T B, nIn]}, see {@link FusedRecurrentLayer}) and the loss is the softmax's sparse
 * cross-entropy: one GEMM {@code Z = X W + b}, the softmax, loss and {@code dZ} in one pass in Java (double), and
 * the GEMMs {@code dW = X^T dZ} and {@code dX = dZ W^T}, the latter straight into the layout the fused layer reads.
 *
 * <p>DL4J asks for the gradient first and the score after it (or the other way round): the pass over the minibatch
 * is kept for one of each, for the same input, labels and mask; anything else recomputes it. Inference
 * ({@code output}, {@code rnnTimeStep}) and every other configuration run DL4J's code.
 */
public class FusedSoftmaxOutputLayer extends RnnOutputLayer {

    private final int nIn;
    private final int nOut;

    /** Rows of the last pass: {@code T B}, row {@code t B + b}. */
    private int rows = -1;
    private int batch;
    private int steps;
    /** {@code [rows][nOut]}: the logits, then (in place) the softmax. */
    private double[] probabilities;
    private double[] deltas;
    private double[] biasValues;
    private double[] biasGradient;
    /** Label index of each row. */
    private int[] labelIndex;
    /** Mask of each row (1 without a mask). */
    private double[] rowWeight;
    private NativeBuffer logitsNative;
    private NativeBuffer deltaNative;
    /** Summed (masked) cross-entropy of the last pass. */
    private double lossSum;

    /** What the kept pass was computed for, and which of its two uses are spent. */
    private INDArray passInput;
    private INDArray passLabels;
    private INDArray passMask;
    private boolean passScored;
    private boolean passBackpropagated;

    public FusedSoftmaxOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        org.deeplearning4j.nn.conf.layers.RnnOutputLayer layer = (org.deeplearning4j.nn.conf.layers.RnnOutputLayer) conf.getLayer();
        this.nIn = Math.toIntExact(layer.getNIn());
        this.nOut = Math.toIntExact(layer.getNOut());
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!fused()) {
            return super.computeScore(fullNetRegTerm, training, workspaceMgr);
        }
        if (!passHolds() || passScored) {
            pass();
        }
        passScored = true;
        double value = lossSum;
        if (conf().isMiniBatch()) {
            value /= getInputMiniBatchSize();
        }
        value += fullNetRegTerm;
        this.score = value;
        return value;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!fused()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        if (!passHolds() || passBackpropagated) {
            pass();
        }
        passBackpropagated = true;
        Arrays.fill(biasGradient, 0);
        for (int r = 0; r < rows; r++) {
            int o = r * nOut;
            double weight = rowWeight[r];
            for (int j = 0; j < nOut; j++) {
                double d = weight * probabilities[o + j];
                deltas[o + j] = d;
            }
            deltas[o + labelIndex[r]] -= weight;
            for (int j = 0; j < nOut; j++) {
                biasGradient[j] += deltas[o + j];
            }
        }
        deltaNative.write(deltas, 0, 0, rows * nOut);
        NativeBuffer x = NativeBuffer.ofLayout(input, (long) rows * nIn);
        NativeBuffer w = NativeBuffer.of(getParam(DefaultParamInitializer.WEIGHT_KEY), 'f');
        // dW in Fortran order [nIn, nOut] is the row-major [nOut, nIn] dZ^T X
        INDArray weightGradient = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
        RowMajorGemm.gemm(true, false, nOut, nIn, rows, deltaNative, 0, nOut, x, 0, nIn, 0.0,
                NativeBuffer.of(weightGradient, 'f'), 0, nIn);
        INDArray biasView = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
        NativeBuffer.of(biasView, 'f').write(biasGradient, 0, 0, nOut);
        // dX = dZ W^T, and W in Fortran order is the row-major W^T; into the fused layer's [T, B, nIn] layout
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType,
                new long[] {steps, batch, nIn}, 'c');
        RowMajorGemm.gemm(false, false, rows, nIn, nOut, deltaNative, 0, nOut, w, 0, nIn, 0.0,
                NativeBuffer.of(epsilonOut, 'c'), 0, nIn);
        Gradient gradient = new DefaultGradient(gradientsFlattened);
        gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGradient);
        gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasView);
        return new Pair<>(gradient, epsilonOut.permute(1, 2, 0));
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        super.setInput(input, workspaceMgr);
        passInput = null;
    }

    @Override
    public void setLabels(INDArray labels) {
        super.setLabels(labels);
        passInput = null;
    }

    @Override
    public void setMaskArray(INDArray maskArray) {
        super.setMaskArray(maskArray);
        passInput = null;
    }

    @Override
    public void setParams(INDArray params) {
        super.setParams(params);
        passInput = null;
    }

    @Override
    public void clear() {
        super.clear();
        passInput = null;
    }

    /**
     * Whether this layer's own pass applies: softmax with unweighted sparse cross-entropy, no dropout or weight
     * noise, labels {@code [B, 1, T]}, a per-step mask or none, and the input in a fused layer's row-major layout.
     */
    private boolean fused() {
        org.deeplearning4j.nn.conf.layers.RnnOutputLayer conf = layerConf();
        if (input == null || labels == null || input.rank() != 3 || labels.rank() != 3 || labels.size(1) != 1
                || input.size(1) != nIn || input.dataType() != dataType
                || (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) || !Nd4j.getEnvironment().isCPU()) {
            return false;
        }
        if (!(conf.getLossFn() instanceof LossSparseMCXENT loss) || loss.getWeights() != null
                || !(conf.getActivationFn() instanceof ActivationSoftmax)
                || conf.getIDropout() != null || conf.getWeightNoise() != null || conf.getRnnDataFormat() == RNNFormat.NWC) {
            return false;
        }
        long b = input.size(0);
        long t = input.size(2);
        if (labels.size(0) != b || labels.size(2) != t || maskArray != null && maskArray.length() != b * t) {
            return false;
        }
        return FusedRecurrentLayer.hasSequenceLayout(input);
    }

    private boolean passHolds() {
        return passInput == input && passLabels == labels && passMask == maskArray;
    }

    /** Logits, softmax and the summed cross-entropy of the current input, labels and mask. */
    private void pass() {
        int newBatch = Math.toIntExact(input.size(0));
        int newSteps = Math.toIntExact(input.size(2));
        if (newBatch * newSteps != rows) {
            rows = newBatch * newSteps;
            probabilities = new double[rows * nOut];
            deltas = new double[rows * nOut];
            labelIndex = new int[rows];
            rowWeight = new double[rows];
            biasValues = new double[nOut];
            biasGradient = new double[nOut];
            logitsNative = NativeBuffer.allocate(dataType, (long) rows * nOut);
            deltaNative = NativeBuffer.allocate(dataType, (long) rows * nOut);
        }
        batch = newBatch;
        steps = newSteps;
        readLabels();
        NativeBuffer x = NativeBuffer.ofLayout(input, (long) rows * nIn);
        NativeBuffer w = NativeBuffer.of(getParam(DefaultParamInitializer.WEIGHT_KEY), 'f');
        RowMajorGemm.gemm(false, true, rows, nOut, nIn, x, 0, nIn, w, 0, nIn, 0.0, logitsNative, 0, nOut);
        logitsNative.read(0, probabilities, 0, rows * nOut);
        NativeBuffer.of(getParam(DefaultParamInitializer.BIAS_KEY), 'f').read(0, biasValues, 0, nOut);
        double clip = ((LossSparseMCXENT) layerConf().getLossFn()).getSoftmaxClipEps();
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * nOut;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < nOut; j++) {
                double z = probabilities[o + j] + biasValues[j];
                probabilities[o + j] = z;
                max = Math.max(max, z);
            }
            double total = 0;
            for (int j = 0; j < nOut; j++) {
                double e = Math.exp(probabilities[o + j] - max);
                probabilities[o + j] = e;
                total += e;
            }
            for (int j = 0; j < nOut; j++) {
                probabilities[o + j] /= total;
            }
            if (rowWeight[r] != 0) {
                // as DL4J's MCXENT: the probability is clipped to [eps, 1 - eps] before its log
                double p = Math.min(Math.max(probabilities[o + labelIndex[r]], clip), 1 - clip);
                sum -= rowWeight[r] * Math.log(p);
            }
        }
        lossSum = sum;
        passInput = input;
        passLabels = labels;
        passMask = maskArray;
        passScored = false;
        passBackpropagated = false;
    }

    /** Labels {@code [B, 1, T]} and the mask (DL4J's column vector, row {@code b + B t}) by row {@code t B + b}. */
    private void readLabels() {
        FusedRecurrentLayer.readIndices(labels, nOut, labelIndex, getClass().getSimpleName() + " " + layerId(), "label",
                "class index");
        double[] mask = null;
        if (maskArray != null) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                mask = Nd4j.toFlattened('f', maskArray).toDoubleVector();
            }
        }
        for (int r = 0; r < rows; r++) {
            // the mask's row b + B t is this row t B + b: the same number
            rowWeight[r] = mask == null ? 1 : mask[r];
        }
    }
}
