package dev.lstmspark.model.fused;

import dev.lstmspark.model.DoublePrecision;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * What both fused layers must do, run once per cell by {@link FusedLstmLayerTest} and {@link FusedGruLayerTest}:
 * finite differences (DL4J's gradient check and direct ones from a stored state), truncated BPTT, state carried
 * between calls, index input against one-hot input, serialization and training.
 */
@ExtendWith(DoublePrecision.class)
abstract class FusedLayerContract {

    static final int VOCAB = 6;
    static final int N_IN = 3;
    static final int HIDDEN = 4;
    static final int BATCH = 3;
    static final int STEPS = 6;
    static final int CLASSES = 5;


    /** A fresh builder of the cell under test. */
    abstract FusedRecurrent.Builder<?> fusedBuilder();

    /** The stock layer computing the same cell with the same parameter layout, dense input of {@code nIn}. */
    abstract Layer stockLayer(int nIn);

    /** A random state for the cell's state keys, {@code [BATCH, HIDDEN]}. */
    abstract Map<String, INDArray> randomState(long seed);

    Layer fused(boolean index, int nIn) {
        return fusedBuilder().indexInput(index).nIn(nIn).nOut(HIDDEN).build();
    }

    /** Index input into the first layer, dense into the others. */
    Layer[] fusedStack(int layers, boolean index) {
        Layer[] stack = new Layer[layers];
        for (int i = 0; i < layers; i++) {
            stack[i] = i == 0 ? fused(index, index ? VOCAB : N_IN) : fused(false, HIDDEN);
        }
        return stack;
    }

    static MultiLayerNetwork network(DataType dataType, long seed, BackpropType backprop, int tbpttLength, IUpdater updater,
                                     Layer... recurrent) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .updater(updater)
                .weightInit(new NormalDistribution(0, 0.5))
                .biasInit(0.1)
                .list();
        for (Layer layer : recurrent) {
            list.layer(layer);
        }
        list.layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX).build());
        if (backprop == BackpropType.TruncatedBPTT) {
            list.backpropType(BackpropType.TruncatedBPTT).tBPTTForwardLength(tbpttLength).tBPTTBackwardLength(tbpttLength);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }

    static MultiLayerNetwork network(long seed, Layer... recurrent) {
        return network(DataType.DOUBLE, seed, BackpropType.Standard, 0, new NoOp(), recurrent);
    }

    static INDArray tokenInput(long seed, DataType dataType) {
        Random random = new Random(seed);
        INDArray x = Nd4j.create(dataType, BATCH, 1, STEPS);
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < STEPS; t++) {
                x.putScalar(new long[] {b, 0, t}, random.nextInt(VOCAB));
            }
        }
        return x;
    }

    static INDArray oneHot(INDArray tokens, int size) {
        INDArray x = Nd4j.zeros(tokens.dataType(), tokens.size(0), size, tokens.size(2));
        for (int b = 0; b < tokens.size(0); b++) {
            for (int t = 0; t < tokens.size(2); t++) {
                x.putScalar(new long[] {b, tokens.getInt(b, 0, t), t}, 1.0);
            }
        }
        return x;
    }

    static INDArray denseInput(long seed, int size) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, BATCH, size, STEPS);
    }

    INDArray input(boolean index, long seed) {
        return index ? tokenInput(seed, DataType.DOUBLE) : denseInput(seed, N_IN);
    }

    static INDArray labels(long seed) {
        Random random = new Random(seed);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, CLASSES, STEPS);
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < STEPS; t++) {
                labels.putScalar(new long[] {b, random.nextInt(CLASSES), t}, 1.0);
            }
        }
        return labels;
    }

    /**
     * DL4J's recurrent gradient checks' tolerances: with a score near 10 and steps of 1e-6, double rounding alone
     * puts about 1e-9 of noise into a numerical derivative, so smaller absolute differences say nothing.
     */
    static boolean gradientCheck(MultiLayerNetwork net, INDArray input, INDArray labels) {
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
                .net(net).input(input).labels(labels)
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-8)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
    }

    /** The score and flattened gradient of one backpropagation over {@code input}. */
    static Pair<Double, INDArray> scoreAndGradient(MultiLayerNetwork net, INDArray input, INDArray labels) {
        net.setInput(input);
        net.setLabels(labels);
        net.computeGradientAndScore();
        return new Pair<>(net.score(), net.gradient().gradient().dup());
    }

    @SuppressWarnings("unchecked")
    static FusedRecurrentLayer<?> layerWithGradients(MultiLayerNetwork net) {
        net.initGradientsView();
        return (FusedRecurrentLayer<?>) net.getLayer(0);
    }

    @Test
    void backpropagationMatchesFiniteDifferences() {
        int seed = 10;
        for (BackpropType backprop : BackpropType.values()) {
            for (int layers = 1; layers <= 2; layers++) {
                for (boolean index : new boolean[] {true, false}) {
                    seed++;
                    // truncated BPTT over the whole input: DL4J's stored-state forward and tbpttBackpropGradient
                    MultiLayerNetwork net = network(DataType.DOUBLE, seed, backprop, STEPS, new NoOp(), fusedStack(layers, index));
                    assertTrue(gradientCheck(net, input(index, seed), labels(seed)),
                            backprop + ", " + layers + " layer(s), " + (index ? "index" : "dense") + " input");
                }
            }
        }
    }

    /** Truncated BPTT backpropagates a segment that started from a stored state: the gradient must include it. */
    @Test
    void gradientFromAStoredStateMatchesFiniteDifferences() {
        for (boolean index : new boolean[] {true, false}) {
            FusedRecurrentLayer<?> layer = layerWithGradients(network(5, fused(index, index ? VOCAB : N_IN)));
            LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
            INDArray x = input(index, 6);
            Map<String, INDArray> state = randomState(7);
            Nd4j.getRandom().setSeed(8);
            INDArray upstream = Nd4j.randn(DataType.DOUBLE, BATCH, HIDDEN, STEPS);

            layer.rnnSetTBPTTState(state);
            layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
            Pair<Gradient, INDArray> analytic = layer.tbpttBackpropGradient(upstream.dup(), -1, noWorkspaces);
            INDArray analyticParams = analytic.getFirst().gradient().dup();

            DoubleSupplier objective = () -> objective(layer, x, state, upstream);
            assertMatchesFiniteDifferences(layer.params(), analyticParams, 1, objective, "parameter");
            if (index) {
                assertNull(analytic.getSecond(), "nothing below an index input takes a gradient");
            } else {
                assertMatchesFiniteDifferences(x, analytic.getSecond().dup(), 1, objective, "input element");
            }
        }
    }

    private static double objective(FusedRecurrentLayer<?> layer, INDArray x, Map<String, INDArray> state, INDArray upstream) {
        layer.rnnSetTBPTTState(state);
        INDArray h = layer.rnnActivateUsingStoredState(x, false, false, LayerWorkspaceMgr.noWorkspaces());
        return h.mul(upstream).sumNumber().doubleValue();
    }

    /** Central differences of {@code objective} against {@code analytic}, perturbing every {@code stride}-th value. */
    static void assertMatchesFiniteDifferences(INDArray values, INDArray analytic, int stride, DoubleSupplier objective,
                                               String what) {
        double eps = 1e-6;
        for (long i = 0; i < values.length(); i += stride) {
            double original = values.getDouble(i);
            values.putScalar(i, original + eps);
            double plus = objective.getAsDouble();
            values.putScalar(i, original - eps);
            double minus = objective.getAsDouble();
            values.putScalar(i, original);
            double numeric = (plus - minus) / (2 * eps);
            assertEquals(numeric, analytic.getDouble(i), 1e-6 + 1e-5 * Math.abs(numeric), what + " " + i);
        }
    }

    /**
     * Backpropagation recomputes the forward pass when the kept activations are not those of the input (here after
     * an inference pass): from the same stored state, to the same gradient.
     */
    @Test
    void recomputedForwardPassGivesTheKeptPassGradient() {
        FusedRecurrentLayer<?> layer = layerWithGradients(network(23, fused(false, N_IN)));
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = input(false, 24);
        Map<String, INDArray> state = randomState(25);
        INDArray upstream = denseInput(26, HIDDEN);

        layer.rnnSetTBPTTState(state);
        layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
        Pair<Gradient, INDArray> kept = layer.tbpttBackpropGradient(upstream.dup(), -1, noWorkspaces);
        INDArray keptParams = kept.getFirst().gradient().dup();
        INDArray keptInput = kept.getSecond().dup();

        layer.rnnSetTBPTTState(state);
        layer.rnnActivateUsingStoredState(x, false, false, noWorkspaces);
        Pair<Gradient, INDArray> recomputed = layer.tbpttBackpropGradient(upstream.dup(), -1, noWorkspaces);
        assertEquals(keptParams, recomputed.getFirst().gradient());
        assertEquals(keptInput, recomputed.getSecond());
    }

    /**
     * Parameter averaging builds a new network in every worker every round: one of the same shape on the same
     * thread reuses the buffers the last one used instead of allocating its own (before, each round allocated
     * about 40 MB per worker at d2l's shape, and G1 spent a fifth of the epoch on it).
     */
    @Test
    void aNewNetworkOfTheSameShapeReusesTheBuffers() {
        MultiLayerNetwork first = network(40, fusedStack(2, true));
        DataSet minibatch = new DataSet(tokenInput(41, DataType.DOUBLE), labels(42));
        first.fit(minibatch);
        first.output(minibatch.getFeatures());
        long allocated = ScratchMemory.allocatedElementsOnThisThread();
        assertTrue(allocated > 0);
        MultiLayerNetwork next = network(43, fusedStack(2, true));
        next.fit(minibatch);
        next.output(minibatch.getFeatures());
        assertEquals(allocated, ScratchMemory.allocatedElementsOnThisThread());
    }

    /**
     * A layer whose buffers another layer of the same shape claimed between its forward and backward pass (two
     * networks used in turn on one thread) recomputes its forward pass: the gradient is the one it would have had.
     */
    @Test
    void buffersClaimedByAnotherLayerBeforeBackpropagationGiveTheSameGradient() {
        FusedRecurrentLayer<?> layer = layerWithGradients(network(44, fused(false, N_IN)));
        FusedRecurrentLayer<?> other = layerWithGradients(network(45, fused(false, N_IN)));
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = input(false, 46);
        Map<String, INDArray> state = randomState(47);
        INDArray upstream = denseInput(48, HIDDEN);

        layer.rnnSetTBPTTState(state);
        layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
        Pair<Gradient, INDArray> alone = layer.tbpttBackpropGradient(upstream.dup(), -1, noWorkspaces);
        INDArray aloneParams = alone.getFirst().gradient().dup();
        INDArray aloneInput = alone.getSecond().dup();

        layer.rnnSetTBPTTState(state);
        layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
        other.rnnClearPreviousState();
        other.rnnActivateUsingStoredState(input(false, 49), true, false, noWorkspaces);
        Pair<Gradient, INDArray> interleaved = layer.tbpttBackpropGradient(upstream.dup(), -1, noWorkspaces);
        assertEquals(aloneParams, interleaved.getFirst().gradient());
        assertEquals(aloneInput, interleaved.getSecond());
    }

    /**
     * The gradient from above is read in whatever layout it comes: the layer's own (row-major [T B, n], read
     * directly), DL4J's {@code RnnOutputLayer}'s (column-major) or ND4J's default, both copied first.
     */
    @Test
    void upstreamGradientInAnyLayoutGivesTheSameGradient() {
        FusedRecurrentLayer<?> layer = layerWithGradients(network(53, fused(false, N_IN)));
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = input(false, 54);
        INDArray upstream = denseInput(55, HIDDEN);
        INDArray rowMajor = Nd4j.create(DataType.DOUBLE, new long[] {STEPS, BATCH, HIDDEN}, 'c').permute(1, 2, 0).assign(upstream);
        INDArray columnMajor = Nd4j.create(DataType.DOUBLE, new long[] {HIDDEN, STEPS, BATCH}, 'c').permute(2, 0, 1).assign(upstream);
        assertArrayEquals(new long[] {1, (long) STEPS * BATCH, BATCH}, columnMajor.stride());

        INDArray[] gradients = new INDArray[3];
        INDArray[] inputGradients = new INDArray[3];
        INDArray[] epsilons = {upstream, rowMajor, columnMajor};
        for (int i = 0; i < epsilons.length; i++) {
            layer.rnnClearPreviousState();
            layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
            Pair<Gradient, INDArray> result = layer.tbpttBackpropGradient(epsilons[i], -1, noWorkspaces);
            gradients[i] = result.getFirst().gradient().dup();
            inputGradients[i] = result.getSecond().dup();
        }
        for (int i = 1; i < epsilons.length; i++) {
            assertEquals(gradients[0], gradients[i], "layout " + i);
            assertEquals(inputGradients[0], inputGradients[i], "layout " + i);
        }
    }

    /** Buffers belong to a thread: a backward pass on another thread than its forward pass uses that thread's own. */
    @Test
    void backpropagationOnAnotherThreadGivesTheSameGradient() throws Exception {
        FusedRecurrentLayer<?> layer = layerWithGradients(network(50, fused(false, N_IN)));
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = input(false, 51);
        INDArray upstream = denseInput(52, HIDDEN);

        layer.rnnClearPreviousState();
        layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
        INDArray sameThread = layer.tbpttBackpropGradient(upstream.dup(), -1, noWorkspaces).getFirst().gradient().dup();

        layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
        INDArray[] otherThread = new INDArray[1];
        Thread thread = new Thread(() -> otherThread[0] =
                layer.tbpttBackpropGradient(upstream.dup(), -1, noWorkspaces).getFirst().gradient().dup());
        thread.start();
        thread.join();
        assertEquals(sameThread, otherThread[0]);
    }

    /**
     * A truncated backward length {@code k} gives the gradient of the last {@code k} steps alone, started from the
     * state the earlier steps left, and passes nothing to the earlier inputs.
     */
    @Test
    void truncatedBackLengthIsTheGradientOfTheLastSteps() {
        int k = 2;
        MultiLayerNetwork net = network(8, fused(false, N_IN));
        FusedRecurrentLayer<?> layer = layerWithGradients(net);
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = input(false, 9);
        INDArray upstream = denseInput(10, HIDDEN);

        layer.rnnClearPreviousState();
        layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
        Pair<Gradient, INDArray> truncated = layer.tbpttBackpropGradient(upstream.dup(), k, noWorkspaces);
        INDArray truncatedParams = truncated.getFirst().gradient().dup();
        INDArray truncatedInput = truncated.getSecond().dup();
        assertEquals(0.0, truncatedInput.get(all(), all(), interval(0, STEPS - k)).amaxNumber().doubleValue());

        layer.rnnClearPreviousState();
        layer.rnnActivateUsingStoredState(x.get(all(), all(), interval(0, STEPS - k)).dup(), false, true, noWorkspaces);
        layer.rnnActivateUsingStoredState(x.get(all(), all(), interval(STEPS - k, STEPS)).dup(), true, false, noWorkspaces);
        Pair<Gradient, INDArray> lastSteps = layer.tbpttBackpropGradient(
                upstream.get(all(), all(), interval(STEPS - k, STEPS)).dup(), -1, noWorkspaces);
        assertTrue(truncatedParams.equalsWithEps(lastSteps.getFirst().gradient(), 1e-12));
        assertTrue(truncatedInput.get(all(), all(), interval(STEPS - k, STEPS)).equalsWithEps(lastSteps.getSecond(), 1e-12));
        assertTrue(truncatedParams.amaxNumber().doubleValue() > 0);
        layer.rnnClearPreviousState();
    }

    /** Generation feeds one token at a time; sequential sampling feeds segments: both must equal one long pass. */
    @Test
    void stateCarriedAcrossCallsEqualsOnePass() {
        MultiLayerNetwork net = network(12, fusedStack(2, true));
        INDArray x = input(true, 13);
        INDArray whole = net.output(x);

        net.rnnClearPreviousState();
        INDArray stepwise = Nd4j.create(DataType.DOUBLE, whole.shape());
        for (int t = 0; t < STEPS; t++) {
            INDArray out = net.rnnTimeStep(x.get(all(), all(), interval(t, t + 1)).dup());
            stepwise.get(all(), all(), interval(t, t + 1)).assign(out);
        }
        assertTrue(whole.equalsWithEps(stepwise, 1e-10), "rnnTimeStep one step at a time");

        // the state goes on from step STEPS until it is cleared
        INDArray firstStep = x.get(all(), all(), interval(0, 1)).dup();
        INDArray expectedFirst = whole.get(all(), all(), interval(0, 1));
        assertFalse(expectedFirst.equalsWithEps(net.rnnTimeStep(firstStep), 1e-6), "state carried past the sequence");
        net.rnnClearPreviousState();
        assertTrue(expectedFirst.equalsWithEps(net.rnnTimeStep(firstStep), 1e-10), "rnnClearPreviousState resets");

        net.rnnClearPreviousState();
        List<INDArray> first = net.rnnActivateUsingStoredState(x.get(all(), all(), interval(0, 3)).dup(), false, true);
        List<INDArray> second = net.rnnActivateUsingStoredState(x.get(all(), all(), interval(3, STEPS)).dup(), false, true);
        INDArray segments = Nd4j.concat(2, first.get(first.size() - 1), second.get(second.size() - 1));
        assertTrue(whole.equalsWithEps(segments, 1e-10), "truncated-BPTT segments");
        net.rnnClearPreviousState();
    }

    /** Token indices into the first layer compute exactly what their one-hot vectors into the same weights do. */
    @Test
    void indexInputEqualsOneHotInput() {
        for (DataType dataType : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            MultiLayerNetwork indexed = network(dataType, 14, BackpropType.Standard, 0, new NoOp(), fused(true, VOCAB), fused(false, HIDDEN));
            MultiLayerNetwork oneHot = network(dataType, 15, BackpropType.Standard, 0, new NoOp(), fused(false, VOCAB), fused(false, HIDDEN));
            oneHot.setParams(indexed.params());
            INDArray tokens = tokenInput(16, dataType);
            INDArray labels = labels(17).castTo(dataType);
            double tolerance = dataType == DataType.DOUBLE ? 1e-12 : 1e-6;

            assertTrue(indexed.output(tokens).equalsWithEps(oneHot.output(oneHot(tokens, VOCAB)), tolerance), dataType + " output");
            Pair<Double, INDArray> fromIndices = scoreAndGradient(indexed, tokens, labels);
            Pair<Double, INDArray> fromOneHot = scoreAndGradient(oneHot, oneHot(tokens, VOCAB), labels);
            assertEquals(fromOneHot.getFirst(), fromIndices.getFirst(), tolerance * Math.abs(fromOneHot.getFirst()), dataType + " score");
            assertTrue(fromOneHot.getSecond().equalsWithEps(fromIndices.getSecond(), tolerance * 10), dataType + " gradient");
        }
    }

    @Test
    void rejectsAnInputThatIsNotATokenIndex() {
        MultiLayerNetwork net = network(18, fused(true, VOCAB));
        INDArray x = tokenInput(19, DataType.DOUBLE);
        x.putScalar(new long[] {1, 0, 2}, VOCAB);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.output(x));
        assertTrue(e.getMessage().contains("token index"), e.getMessage());
        x.putScalar(new long[] {1, 0, 2}, 1.5);
        assertThrows(IllegalArgumentException.class, () -> net.output(x));
    }

    @Test
    void configurationAndModelSurviveSerialization() throws Exception {
        MultiLayerNetwork net = network(20, fusedStack(2, true));
        String json = net.getLayerWiseConfigurations().toJson();
        assertTrue(json.contains(net.getLayerWiseConfigurations().getConf(0).getLayer().getClass().getName()),
                "DL4J records the layer class");
        MultiLayerConfiguration restoredConf = MultiLayerConfiguration.fromJson(json);
        assertEquals(net.getLayerWiseConfigurations(), restoredConf);
        assertTrue(((FusedRecurrent) restoredConf.getConf(0).getLayer()).isIndexInput());
        assertFalse(((FusedRecurrent) restoredConf.getConf(1).getLayer()).isIndexInput());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(restored.getLayer(0) instanceof RecurrentLayer);
        assertEquals(net.params(), restored.params());
        INDArray x = input(true, 21);
        assertTrue(net.output(x).equalsWithEps(restored.output(x), 1e-12));
        int gates = ((FusedRecurrent) restoredConf.getConf(0).getLayer()).gateBlocks();
        assertArrayEquals(new long[] {VOCAB, (long) gates * HIDDEN}, restored.getLayer(0).getParam("W").shape());
        assertArrayEquals(new long[] {HIDDEN, (long) gates * HIDDEN}, restored.getLayer(0).getParam("RW").shape());
        assertEquals((long) gates * HIDDEN, restored.getLayer(0).getParam("b").length());
    }

    /**
     * lstm-spark's setup in float: summed loss, the gradient listeners of RecurrentNetworks, SGD, index input, on a periodic sequence
     * the network can learn; with and without truncated BPTT (DL4J splits the sequence into segments).
     */
    @Test
    void networkTrainsOnAPeriodicCorpus() {
        for (BackpropType backprop : BackpropType.values()) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                    .seed(27).dataType(DataType.FLOAT).miniBatch(false).updater(new Sgd(1.0))
                    .weightInit(new NormalDistribution(0, 0.1)).biasInit(0)
                    .list()
                    .layer(fusedBuilder().indexInput(true).nIn(VOCAB).nOut(16).build())
                    .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(VOCAB)
                            .activation(Activation.SOFTMAX).build())
                    .backpropType(backprop).tBPTTForwardLength(4).tBPTTBackwardLength(4)
                    .build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            net.setListeners(dev.lstmspark.model.RecurrentNetworks.gradientListeners(1.0));
            int steps = 12;
            INDArray x = Nd4j.create(DataType.FLOAT, 4, 1, steps);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 4, VOCAB, steps);
            for (int b = 0; b < 4; b++) {
                for (int t = 0; t < steps; t++) {
                    // period 4 over 4 tokens: the next token follows from the current one
                    x.putScalar(new long[] {b, 0, t}, (b + t) % 4);
                    y.putScalar(new long[] {b, (b + t + 1) % 4, t}, 1.0);
                }
            }
            DataSet data = new DataSet(x, y);
            double before = net.score(data);
            for (int i = 0; i < 100; i++) {
                net.fit(data);
            }
            double after = net.score(data);
            assertTrue(after < 0.1 * before, backprop + ": summed cross-entropy " + before + " -> " + after);
        }
    }

    /** DL4J's other recurrent layout, [minibatch, time, size]: same numbers, transposed, and correct gradients. */
    @Test
    void timeMajorLayoutGivesTheSameStates() {
        for (boolean index : new boolean[] {false, true}) {
            int nIn = index ? VOCAB : N_IN;
            MultiLayerNetwork ncw = network(19, fused(index, nIn));
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                    .seed(19).dataType(DataType.DOUBLE).updater(new NoOp()).list()
                    .layer(fusedBuilder().indexInput(index).nIn(nIn).nOut(HIDDEN).dataFormat(RNNFormat.NWC).build())
                    .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).dataFormat(RNNFormat.NWC)
                            .nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                    .build();
            MultiLayerNetwork nwc = new MultiLayerNetwork(conf);
            nwc.init(ncw.params().dup(), false);
            INDArray x = input(index, 20);
            INDArray expected = ncw.feedForward(x, false).get(1);
            INDArray actual = nwc.feedForward(x.permute(0, 2, 1).dup(), false).get(1);
            assertTrue(expected.permute(0, 2, 1).equalsWithEps(actual, 1e-12), index ? "index input" : "dense input");
            assertTrue(gradientCheck(nwc, x.permute(0, 2, 1).dup(), labels(21).permute(0, 2, 1).dup()));
        }
    }

    /** An index input's size (1) says nothing about the vocabulary: {@code setInputType} keeps the configured nIn. */
    @Test
    void inputTypeSetsTheSizeOfDenseInputOnly() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(fusedBuilder().indexInput(true).nIn(VOCAB).nOut(HIDDEN).build())
                .layer(fusedBuilder().nOut(HIDDEN).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(1, STEPS))
                .build();
        assertEquals(VOCAB, ((FusedRecurrent) conf.getConf(0).getLayer()).getNIn());
        assertEquals(HIDDEN, ((FusedRecurrent) conf.getConf(1).getLayer()).getNIn());
    }

    @Test
    void memoryReportCountsTheParameters() {
        MultiLayerNetwork net = network(22, fused(false, N_IN));
        FusedRecurrent conf = (FusedRecurrent) net.getLayerWiseConfigurations().getConf(0).getLayer();
        LayerMemoryReport report = conf.getMemoryReport(InputType.recurrent(N_IN, STEPS));
        assertEquals(net.getLayer(0).numParams(), report.getParameterSize());
        assertEquals((4L * conf.gateBlocks() + 5) * HIDDEN * STEPS, report.getWorkingMemoryVariableInference());
    }

    /** Stock layer and fused layer with the same parameters: same output, score and gradient. */
    void assertSameAsStock(DataType dataType, boolean indexInput, double tolerance) {
        MultiLayerNetwork stock = network(dataType, 31, BackpropType.Standard, 0, new NoOp(), stockLayer(VOCAB), stockLayer(HIDDEN));
        MultiLayerNetwork fusedNet = network(dataType, 32, BackpropType.Standard, 0, new NoOp(),
                fused(indexInput, VOCAB), fused(false, HIDDEN));
        assertEquals(stock.numParams(), fusedNet.numParams());
        fusedNet.setParams(stock.params());
        INDArray tokens = tokenInput(33, dataType);
        INDArray oneHot = oneHot(tokens, VOCAB);
        INDArray fusedInput = indexInput ? tokens : oneHot;
        INDArray labels = labels(34).castTo(dataType);

        INDArray expected = stock.output(oneHot);
        assertTrue(expected.equalsWithEps(fusedNet.output(fusedInput), tolerance), dataType + " output");
        Pair<Double, INDArray> stockResult = scoreAndGradient(stock, oneHot, labels);
        Pair<Double, INDArray> fusedResult = scoreAndGradient(fusedNet, fusedInput, labels);
        assertEquals(stockResult.getFirst(), fusedResult.getFirst(), tolerance * Math.abs(stockResult.getFirst()), dataType + " score");
        INDArray difference = stockResult.getSecond().sub(fusedResult.getSecond());
        double relative = difference.norm2Number().doubleValue() / stockResult.getSecond().norm2Number().doubleValue();
        assertTrue(relative < tolerance, dataType + " gradient, relative difference " + relative);
        assertTrue(stockResult.getSecond().amaxNumber().doubleValue() > 0);
    }

    @Test
    void sameScoreAndGradientsAsTheStockLayer() {
        for (boolean index : new boolean[] {false, true}) {
            assertSameAsStock(DataType.DOUBLE, index, 1e-10);
            assertSameAsStock(DataType.FLOAT, index, 1e-5);
        }
    }

    /**
     * Float networks run their time steps through {@link VectorGemm} and {@link VectorActivations} where the JVM has
     * the Vector API (test JVMs do): the same output, score and gradients as the OpenBLAS path within float
     * rounding, at a shape that takes every path of the kernel (rows past a multiple of four, a partial panel), from
     * a zero and from a stored state, with full and truncated backpropagation, through a stack of two layers.
     */
    @Test
    void vectorKernelsComputeWhatTheOpenBlasPathComputes() {
        assertTrue(VectorApi.enabled(), "test JVMs run with " + VectorApi.FLAG);
        int batch = 6;
        int hidden = 20;
        int steps = 7;
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(60).dataType(DataType.FLOAT)
                .updater(new NoOp()).weightInit(new NormalDistribution(0, 0.5)).biasInit(0.1).list()
                .layer(fusedBuilder().indexInput(true).nIn(VOCAB).nOut(hidden).build())
                .layer(fusedBuilder().indexInput(false).nIn(hidden).nOut(hidden).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(hidden).nOut(CLASSES).activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        net.initGradientsView();
        Random random = new Random(61);
        INDArray tokens = Nd4j.create(DataType.FLOAT, batch, 1, steps);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, CLASSES, steps);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                tokens.putScalar(new long[] {b, 0, t}, random.nextInt(VOCAB));
                labels.putScalar(new long[] {b, random.nextInt(CLASSES), t}, 1.0);
            }
        }
        Nd4j.getRandom().setSeed(62);
        INDArray upstream = Nd4j.randn(DataType.FLOAT, batch, hidden, steps);
        FusedRecurrentLayer<?> dense = (FusedRecurrentLayer<?>) net.getLayer(1);
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();

        Map<Boolean, List<INDArray>> results = new java.util.HashMap<>();
        for (boolean vector : new boolean[] {false, true}) {
            ((FusedRecurrentLayer<?>) net.getLayer(0)).vectorKernels(vector);
            dense.vectorKernels(vector);
            Pair<Double, INDArray> scored = scoreAndGradient(net, tokens, labels);
            net.rnnClearPreviousState();
            net.rnnTimeStep(tokens);
            INDArray fromState = net.rnnTimeStep(tokens);
            // the dense layer alone, from the state its last pass left, gradient through the last 4 steps only
            INDArray hidden1 = net.getLayer(0).activate(tokens, false, noWorkspaces).dup();
            dense.rnnClearPreviousState();
            dense.rnnActivateUsingStoredState(hidden1, true, true, noWorkspaces);
            INDArray activations = dense.rnnActivateUsingStoredState(hidden1, true, false, noWorkspaces).dup();
            Pair<Gradient, INDArray> truncated = dense.tbpttBackpropGradient(upstream.dup(), 4, noWorkspaces);
            results.put(vector, List.of(Nd4j.scalar(scored.getFirst()), scored.getSecond(), fromState, activations,
                    truncated.getFirst().gradient().dup(), truncated.getSecond().dup()));
        }
        String[] what = {"score", "gradient", "output from a carried state", "activations from a stored state",
                "truncated parameter gradient", "truncated input gradient"};
        for (int i = 0; i < what.length; i++) {
            INDArray expected = results.get(false).get(i);
            INDArray actual = results.get(true).get(i);
            double scale = expected.amaxNumber().doubleValue();
            assertTrue(scale > 0, what[i] + " is all zeros");
            double difference = expected.sub(actual).amaxNumber().doubleValue();
            assertTrue(difference <= 1e-5 * scale, what[i] + ": largest difference " + difference + " of " + scale);
        }
    }

    @Test
    void refusesToRunOnAnotherBackend() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FusedRecurrentLayer.requireCpuBackend("FusedLstmLayer", false, "org.nd4j.linalg.jcublas.JCublasBackend"));
        assertTrue(e.getMessage().contains("FusedLstmLayer") && e.getMessage().contains("stock layer"), e.getMessage());
        FusedRecurrentLayer.requireCpuBackend("FusedLstmLayer", true, "org.nd4j.linalg.cpu.nativecpu.CpuBackend");
    }
}
