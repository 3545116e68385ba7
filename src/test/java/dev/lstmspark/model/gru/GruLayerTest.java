package dev.lstmspark.model.gru;

import dev.lstmspark.model.DoublePrecision;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
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
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/** The GRU layer against d2l's equations, finite differences, DL4J's state handling and serialization. */
@ExtendWith(DoublePrecision.class)
class GruLayerTest {

    private static final int N_IN = 4;
    private static final int N_OUT = 5;
    private static final int BATCH = 3;
    private static final int STEPS = 6;


    private static MultiLayerNetwork network(int gruLayers, long seed, BackpropType backprop) {
        return network(gruLayers, seed, backprop, new NoOp());
    }

    private static MultiLayerNetwork network(int gruLayers, long seed, BackpropType backprop, IUpdater updater) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.DOUBLE)
                .updater(updater)
                .weightInit(new NormalDistribution(0, 0.5))
                .biasInit(0.1)
                .list();
        for (int i = 0; i < gruLayers; i++) {
            list.layer(new Gru.Builder().nIn(i == 0 ? N_IN : N_OUT).nOut(N_OUT).build());
        }
        list.layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(N_OUT).nOut(3).activation(Activation.SOFTMAX).build());
        if (backprop == BackpropType.TruncatedBPTT) {
            list.backpropType(BackpropType.TruncatedBPTT).tBPTTForwardLength(STEPS / 2).tBPTTBackwardLength(STEPS / 2);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }

    /** The GRU layer of a one-layer network, with the gradient views a direct backpropagation call writes into. */
    private static GruLayer layerWithGradients(long seed) {
        MultiLayerNetwork net = network(1, seed, BackpropType.Standard);
        net.initGradientsView();
        return (GruLayer) net.getLayer(0);
    }

    private static INDArray randomInput(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, BATCH, N_IN, STEPS);
    }

    private static INDArray randomLabels(long seed) {
        java.util.Random random = new java.util.Random(seed);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, 3, STEPS);
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < STEPS; t++) {
                labels.putScalar(new long[] {b, random.nextInt(3), t}, 1.0);
            }
        }
        return labels;
    }

    @Test
    void forwardPassIsD2lsGru() {
        MultiLayerNetwork net = network(1, 3, BackpropType.Standard);
        INDArray x = randomInput(4);
        INDArray actual = net.feedForward(x, false).get(1);

        INDArray w = net.getLayer(0).getParam("W");
        INDArray rw = net.getLayer(0).getParam("RW");
        INDArray b = net.getLayer(0).getParam("b");
        double[][] h = new double[BATCH][N_OUT];
        for (int t = 0; t < STEPS; t++) {
            double[][] next = new double[BATCH][N_OUT];
            for (int m = 0; m < BATCH; m++) {
                for (int j = 0; j < N_OUT; j++) {
                    double r = sigmoid(affine(x, w, rw, b, h[m], m, t, j));
                    double z = sigmoid(affine(x, w, rw, b, h[m], m, t, N_OUT + j));
                    // d2l: candidate = tanh(X W_xh + (R * H) W_hh + b_h), the reset gate applied before the product
                    double pre = b.getDouble(2 * N_OUT + j);
                    for (int i = 0; i < N_IN; i++) {
                        pre += x.getDouble(m, i, t) * w.getDouble(i, 2 * N_OUT + j);
                    }
                    for (int k = 0; k < N_OUT; k++) {
                        double rk = sigmoid(affine(x, w, rw, b, h[m], m, t, k));
                        pre += rk * h[m][k] * rw.getDouble(k, 2 * N_OUT + j);
                    }
                    next[m][j] = z * h[m][j] + (1 - z) * Math.tanh(pre);
                    assertTrue(r > 0 && r < 1);
                }
            }
            h = next;
            for (int m = 0; m < BATCH; m++) {
                for (int j = 0; j < N_OUT; j++) {
                    assertEquals(h[m][j], actual.getDouble(m, j, t), 1e-10, "h[" + m + "," + j + "] at step " + t);
                }
            }
        }
    }

    private static double affine(INDArray x, INDArray w, INDArray rw, INDArray b, double[] h, int m, int t, int column) {
        double sum = b.getDouble(column);
        for (int i = 0; i < N_IN; i++) {
            sum += x.getDouble(m, i, t) * w.getDouble(i, column);
        }
        for (int k = 0; k < h.length; k++) {
            sum += h[k] * rw.getDouble(k, column);
        }
        return sum;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    @Test
    void backpropagationMatchesFiniteDifferences() {
        for (int layers = 1; layers <= 2; layers++) {
            MultiLayerNetwork net = network(layers, 10 + layers, BackpropType.Standard);
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
                    .net(net).input(randomInput(20 + layers)).labels(randomLabels(30 + layers))
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
            assertTrue(ok, layers + " GRU layer(s): analytic and numerical gradients differ");
        }
    }

    /** Truncated BPTT backpropagates a segment that started from a stored state: the gradient must include it. */
    @Test
    void gradientFromAStoredStateMatchesFiniteDifferences() {
        GruLayer layer = layerWithGradients(5);
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = randomInput(6);
        Nd4j.getRandom().setSeed(7);
        INDArray state = Nd4j.randn(DataType.DOUBLE, BATCH, N_OUT).muli(0.8);
        INDArray upstream = Nd4j.randn(DataType.DOUBLE, BATCH, N_OUT, STEPS);

        layer.rnnSetTBPTTState(Map.of(GruLayer.STATE_KEY_HIDDEN, state));
        layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
        Pair<Gradient, INDArray> analytic = layer.tbpttBackpropGradient(upstream.dup(), -1, noWorkspaces);
        INDArray analyticParams = analytic.getFirst().gradient().dup();
        INDArray analyticInput = analytic.getSecond().dup();

        java.util.function.DoubleSupplier objective = () -> objective(layer, x, state, upstream);
        assertMatchesFiniteDifferences(layer.params(), analyticParams, 1, objective, "parameter");
        assertMatchesFiniteDifferences(x, analyticInput, 5, objective, "input element");
    }

    /** Central differences of {@code objective} against {@code analytic}, perturbing every {@code stride}-th value. */
    private static void assertMatchesFiniteDifferences(INDArray values, INDArray analytic, int stride,
                                                       java.util.function.DoubleSupplier objective, String what) {
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

    private static double objective(GruLayer layer, INDArray x, INDArray state, INDArray upstream) {
        layer.rnnSetTBPTTState(Map.of(GruLayer.STATE_KEY_HIDDEN, state));
        INDArray h = layer.rnnActivateUsingStoredState(x, false, false, LayerWorkspaceMgr.noWorkspaces());
        return h.mul(upstream).sumNumber().doubleValue();
    }

    @Test
    void truncatedBackLengthStopsTheGradientAtItsStart() {
        GruLayer layer = layerWithGradients(8);
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = randomInput(9);
        layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
        INDArray epsilon = layer.tbpttBackpropGradient(Nd4j.ones(DataType.DOUBLE, BATCH, N_OUT, STEPS), 2, noWorkspaces)
                .getSecond();
        assertEquals(0.0, epsilon.get(all(), all(), interval(0, STEPS - 2)).amaxNumber().doubleValue());
        assertTrue(epsilon.get(all(), all(), interval(STEPS - 2, STEPS)).amaxNumber().doubleValue() > 0);
    }

    /** Generation feeds one token at a time; sequential sampling feeds segments: both must equal one long pass. */
    @Test
    void stateCarriedAcrossCallsEqualsOnePass() {
        MultiLayerNetwork net = network(2, 12, BackpropType.Standard);
        INDArray x = randomInput(13);
        INDArray whole = net.output(x);

        net.rnnClearPreviousState();
        INDArray stepwise = Nd4j.create(DataType.DOUBLE, whole.shape());
        for (int t = 0; t < STEPS; t++) {
            INDArray out = net.rnnTimeStep(x.get(all(), all(), interval(t, t + 1)));
            stepwise.get(all(), all(), interval(t, t + 1)).assign(out);
        }
        assertTrue(whole.equalsWithEps(stepwise, 1e-10), "rnnTimeStep one step at a time");

        net.rnnClearPreviousState();
        java.util.List<INDArray> first = net.rnnActivateUsingStoredState(x.get(all(), all(), interval(0, 3)), false, true);
        java.util.List<INDArray> second = net.rnnActivateUsingStoredState(x.get(all(), all(), interval(3, STEPS)), false, true);
        INDArray segments = Nd4j.concat(2, first.get(first.size() - 1), second.get(second.size() - 1));
        assertTrue(whole.equalsWithEps(segments, 1e-10), "truncated-BPTT segments");
        net.rnnClearPreviousState();
    }

    @Test
    void truncatedBpttTrainingReducesTheLoss() {
        MultiLayerNetwork net = network(1, 14, BackpropType.TruncatedBPTT, new Sgd(0.5));
        DataSet data = new DataSet(randomInput(15), randomLabels(16));
        double before = net.score(data);
        for (int i = 0; i < 50; i++) {
            net.fit(data);
        }
        double after = net.score(data);
        assertTrue(after < 0.7 * before, "score " + before + " -> " + after);
    }

    @Test
    void memoryReportCountsParametersAndPerStepWorkingMemory() {
        MultiLayerNetwork net = network(1, 22, BackpropType.Standard);
        Gru gru = (Gru) net.getLayerWiseConfigurations().getConf(0).getLayer();
        LayerMemoryReport report = gru.getMemoryReport(InputType.recurrent(N_IN, STEPS));
        assertEquals(net.getLayer(0).numParams(), report.getParameterSize());
        assertEquals(3L * N_OUT * STEPS, report.getWorkingMemoryVariableInference());
        assertEquals(10L * N_OUT * STEPS, report.getWorkingMemoryVariableTrain().get(CacheMode.NONE));
        assertTrue(net.getLayerWiseConfigurations().getMemoryReport(InputType.recurrent(N_IN, STEPS))
                .getTotalMemoryBytes(BATCH, MemoryUseMode.TRAINING, CacheMode.NONE) > 0);
    }

    /** DL4J's other recurrent layout, [minibatch, time, size]: same numbers, transposed. */
    @Test
    void timeMajorLayoutGivesTheSameStates() {
        MultiLayerNetwork ncw = network(1, 19, BackpropType.Standard);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(19).dataType(DataType.DOUBLE).updater(new NoOp()).list()
                .layer(new Gru.Builder().nIn(N_IN).nOut(N_OUT).dataFormat(RNNFormat.NWC).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).dataFormat(RNNFormat.NWC)
                        .nIn(N_OUT).nOut(3).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork nwc = new MultiLayerNetwork(conf);
        nwc.init(ncw.params().dup(), false);
        INDArray x = randomInput(20);
        INDArray expected = ncw.feedForward(x, false).get(1);
        INDArray actual = nwc.feedForward(x.permute(0, 2, 1).dup(), false).get(1);
        assertTrue(expected.permute(0, 2, 1).equalsWithEps(actual, 1e-12));
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(nwc)
                .input(x.permute(0, 2, 1).dup()).labels(randomLabels(21).permute(0, 2, 1).dup())
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)));
    }

    @Test
    void configurationAndModelSurviveSerialization() throws Exception {
        MultiLayerNetwork net = network(2, 17, BackpropType.Standard);
        String json = net.getLayerWiseConfigurations().toJson();
        assertTrue(json.contains(Gru.class.getName()), "DL4J records the layer class");
        assertEquals(net.getLayerWiseConfigurations(), MultiLayerConfiguration.fromJson(json));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(restored.getLayer(0) instanceof RecurrentLayer);
        INDArray x = randomInput(18);
        assertTrue(net.output(x).equalsWithEps(restored.output(x), 1e-12));
        assertArrayEquals(new long[] {N_IN, 3 * N_OUT}, restored.getLayer(0).getParam("W").shape());
        assertArrayEquals(new long[] {N_OUT, 3 * N_OUT}, restored.getLayer(0).getParam("RW").shape());
        assertEquals(3L * N_OUT, restored.getLayer(0).getParam("b").length());
    }
}
