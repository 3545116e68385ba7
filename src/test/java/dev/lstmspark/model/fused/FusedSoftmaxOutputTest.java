package dev.lstmspark.model.fused;

import dev.lstmspark.model.DoublePrecision;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Random;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused output layer computes what DL4J's {@code RnnOutputLayer} computes, with or without a label mask. */
@ExtendWith(DoublePrecision.class)
class FusedSoftmaxOutputTest {

    private static final int VOCAB = 7;
    private static final int HIDDEN = 5;
    private static final int BATCH = 3;
    private static final int STEPS = 6;


    private static RnnOutputLayer stockOutput() {
        return new RnnOutputLayer.Builder(LossFunctions.LossFunction.SPARSE_MCXENT)
                .nIn(HIDDEN).nOut(VOCAB).activation(Activation.SOFTMAX).build();
    }

    private static MultiLayerNetwork network(DataType dataType, Layer recurrent, Layer output) {
        return network(dataType, recurrent, output, new NoOp());
    }

    private static MultiLayerNetwork network(DataType dataType, Layer recurrent, Layer output, IUpdater updater) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(dataType)
                .miniBatch(false)
                .updater(updater)
                .weightInit(new NormalDistribution(0, 0.5))
                .biasInit(0.2)
                .list()
                .layer(recurrent)
                .layer(output)
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static Layer fusedLstm() {
        return new FusedLstm.Builder().indexInput(true).nIn(VOCAB).nOut(HIDDEN).build();
    }

    /** Token features {@code [B, 1, T]}, label indices {@code [B, 1, T]} and, if asked, a mask hiding some steps. */
    private static DataSet minibatch(DataType dataType, long seed, boolean masked) {
        Random random = new Random(seed);
        INDArray features = Nd4j.create(dataType, BATCH, 1, STEPS);
        INDArray labels = Nd4j.create(dataType, BATCH, 1, STEPS);
        INDArray mask = masked ? Nd4j.ones(dataType, BATCH, STEPS) : null;
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < STEPS; t++) {
                features.putScalar(new long[] {b, 0, t}, random.nextInt(VOCAB));
                labels.putScalar(new long[] {b, 0, t}, random.nextInt(VOCAB));
                if (masked && (t < 2 || random.nextInt(4) == 0)) {
                    mask.putScalar(b, t, 0);
                }
            }
        }
        return new DataSet(features, labels, null, mask);
    }

    private static double[] scoreAndGradient(MultiLayerNetwork net, DataSet ds, INDArray[] gradient) {
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.setLayerMaskArrays(null, ds.getLabelsMaskArray());
        net.computeGradientAndScore();
        gradient[0] = net.gradient().gradient().dup();
        return new double[] {net.score()};
    }

    private static void assertSameAsStock(DataType dataType, boolean masked, double tolerance) {
        MultiLayerNetwork stock = network(dataType, fusedLstm(), stockOutput());
        MultiLayerNetwork fused = network(dataType, fusedLstm(), new FusedSoftmaxOutput(stockOutput()));
        assertInstanceOf(FusedSoftmaxOutputLayer.class, fused.getOutputLayer());
        fused.setParams(stock.params().dup());
        DataSet ds = minibatch(dataType, 11, masked);
        INDArray[] stockGradient = new INDArray[1];
        INDArray[] fusedGradient = new INDArray[1];
        double stockScore = scoreAndGradient(stock, ds, stockGradient)[0];
        double fusedScore = scoreAndGradient(fused, ds, fusedGradient)[0];
        String what = dataType + (masked ? ", masked" : "");
        assertEquals(stockScore, fusedScore, tolerance * Math.abs(stockScore), what + " score");
        assertTrue(stockGradient[0].equalsWithEps(fusedGradient[0], tolerance), what + " gradient: "
                + stockGradient[0].sub(fusedGradient[0]).amaxNumber());
        // DL4J's score of a DataSet (a forward pass, then the score alone) agrees too
        assertEquals(stock.score(ds), fused.score(ds), tolerance * Math.abs(stockScore), what + " score(DataSet)");
    }

    @Test
    void sameScoreAndGradientAsDl4jsRnnOutputLayer() {
        assertSameAsStock(DataType.DOUBLE, false, 1e-12);
        assertSameAsStock(DataType.DOUBLE, true, 1e-12);
        assertSameAsStock(DataType.FLOAT, false, 1e-5);
        assertSameAsStock(DataType.FLOAT, true, 1e-5);
    }

    @Test
    void backpropagationMatchesFiniteDifferences() {
        for (boolean masked : new boolean[] {false, true}) {
            MultiLayerNetwork net = network(DataType.DOUBLE, fusedLstm(), new FusedSoftmaxOutput(stockOutput()));
            DataSet ds = minibatch(DataType.DOUBLE, 12, masked);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
                    .net(net).input(ds.getFeatures()).labels(ds.getLabels()).labelMask(ds.getLabelsMaskArray())
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-8)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)), "masked " + masked);
        }
    }

    /** Training goes through the same steps: after a few SGD updates both networks hold the same weights. */
    @Test
    void trainsAsDl4jsRnnOutputLayerTrains() {
        MultiLayerNetwork stock = network(DataType.DOUBLE, fusedLstm(), stockOutput(), new Sgd(0.5));
        MultiLayerNetwork fused = network(DataType.DOUBLE, fusedLstm(), new FusedSoftmaxOutput(stockOutput()), new Sgd(0.5));
        fused.setParams(stock.params().dup());
        INDArray initial = stock.params().dup();
        for (int i = 0; i < 4; i++) {
            DataSet ds = minibatch(DataType.DOUBLE, 20 + i, i % 2 == 1);
            stock.fit(ds);
            fused.fit(ds);
            assertEquals(stock.score(), fused.score(), 1e-10 * stock.score(), "step " + i);
        }
        assertTrue(stock.params().sub(initial).amaxNumber().doubleValue() > 1e-3, "training moved the weights");
        assertTrue(stock.params().equalsWithEps(fused.params(), 1e-10));
    }

    @Test
    void otherInputsRunDl4jsOwnCode() {
        // DL4J's LSTM lays its output out in Fortran order: the layer hands the whole pass to RnnOutputLayer's code
        Layer stockLstm = new LSTM.Builder().nIn(VOCAB).nOut(HIDDEN).activation(Activation.TANH).build();
        MultiLayerNetwork stock = network(DataType.DOUBLE, stockLstm, stockOutput());
        MultiLayerNetwork fused = network(DataType.DOUBLE, stockLstm.clone(), new FusedSoftmaxOutput(stockOutput()));
        fused.setParams(stock.params().dup());
        DataSet tokens = minibatch(DataType.DOUBLE, 13, true);
        DataSet ds = new DataSet(FusedLayerContract.oneHot(tokens.getFeatures(), VOCAB), tokens.getLabels(), null,
                tokens.getLabelsMaskArray());
        INDArray[] stockGradient = new INDArray[1];
        INDArray[] fusedGradient = new INDArray[1];
        assertEquals(scoreAndGradient(stock, ds, stockGradient)[0], scoreAndGradient(fused, ds, fusedGradient)[0], 1e-12);
        assertTrue(stockGradient[0].equalsWithEps(fusedGradient[0], 1e-12));
    }

    @Test
    void rejectsALabelThatIsNotAClassIndex() {
        MultiLayerNetwork net = network(DataType.DOUBLE, fusedLstm(), new FusedSoftmaxOutput(stockOutput()));
        DataSet ds = minibatch(DataType.DOUBLE, 14, false);
        ds.getLabels().putScalar(new long[] {1, 0, 2}, VOCAB);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.fit(ds));
        assertTrue(e.getMessage().contains("class index"), e.getMessage());
    }

    @Test
    void configurationAndModelSurviveSerialization() throws Exception {
        MultiLayerNetwork net = network(DataType.FLOAT, fusedLstm(), new FusedSoftmaxOutput(stockOutput()));
        MultiLayerConfiguration restoredConf = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        assertEquals(net.getLayerWiseConfigurations(), restoredConf);
        assertInstanceOf(FusedSoftmaxOutput.class, restoredConf.getConf(1).getLayer());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertInstanceOf(FusedSoftmaxOutputLayer.class, restored.getOutputLayer());
        DataSet ds = minibatch(DataType.FLOAT, 15, false);
        assertEquals(net.output(ds.getFeatures()), restored.output(ds.getFeatures()));
        assertEquals(net.score(ds), restored.score(ds), 1e-6);
    }
}
