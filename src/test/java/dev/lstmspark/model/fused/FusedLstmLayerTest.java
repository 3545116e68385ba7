package dev.lstmspark.model.fused;

import java.util.Map;

import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fused LSTM against d2l's equations and DL4J's own LSTM, plus everything {@link FusedLayerContract} checks. */
class FusedLstmLayerTest extends FusedLayerContract {

    @Override
    FusedRecurrent.Builder<?> fusedBuilder() {
        return new FusedLstm.Builder().forgetGateBiasInit(0.7);
    }

    @Override
    Layer stockLayer(int nIn) {
        return new LSTM.Builder().nIn(nIn).nOut(HIDDEN).activation(Activation.TANH)
                .gateActivationFunction(Activation.SIGMOID).forgetGateBiasInit(0.7).build();
    }

    @Override
    Map<String, INDArray> randomState(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Map.of(FusedLstmLayer.STATE_KEY_PREV_ACTIVATION, Nd4j.randn(DataType.DOUBLE, BATCH, HIDDEN).muli(0.8),
                FusedLstmLayer.STATE_KEY_PREV_MEMCELL, Nd4j.randn(DataType.DOUBLE, BATCH, HIDDEN));
    }

    /**
     * d2l's LSTM, written out: I, F, O gates, candidate C~, C = F C + I C~, H = O tanh(C), with the gate blocks
     * where DL4J keeps them (candidate, forget, output, input).
     */
    @Test
    void forwardPassIsTheLstmEquations() {
        for (boolean index : new boolean[] {false, true}) {
            int nIn = index ? VOCAB : N_IN;
            MultiLayerNetwork net = network(3, fused(index, nIn));
            INDArray x = input(index, 4);
            INDArray dense = index ? oneHot(x, VOCAB) : x;
            INDArray actual = net.feedForward(x, false).get(1);
            INDArray w = net.getLayer(0).getParam("W");
            INDArray rw = net.getLayer(0).getParam("RW");
            INDArray b = net.getLayer(0).getParam("b");
            double[][] h = new double[BATCH][HIDDEN];
            double[][] c = new double[BATCH][HIDDEN];
            for (int t = 0; t < STEPS; t++) {
                double[][] nextH = new double[BATCH][HIDDEN];
                double[][] nextC = new double[BATCH][HIDDEN];
                for (int m = 0; m < BATCH; m++) {
                    for (int j = 0; j < HIDDEN; j++) {
                        double candidate = Math.tanh(affine(dense, w, rw, b, h[m], m, t, j));
                        double forget = sigmoid(affine(dense, w, rw, b, h[m], m, t, HIDDEN + j));
                        double output = sigmoid(affine(dense, w, rw, b, h[m], m, t, 2 * HIDDEN + j));
                        double input = sigmoid(affine(dense, w, rw, b, h[m], m, t, 3 * HIDDEN + j));
                        nextC[m][j] = forget * c[m][j] + input * candidate;
                        nextH[m][j] = output * Math.tanh(nextC[m][j]);
                    }
                }
                h = nextH;
                c = nextC;
                for (int m = 0; m < BATCH; m++) {
                    for (int j = 0; j < HIDDEN; j++) {
                        assertEquals(h[m][j], actual.getDouble(m, j, t), 1e-10, "h[" + m + "," + j + "] at step " + t);
                    }
                }
            }
        }
    }

    private static double affine(INDArray x, INDArray w, INDArray rw, INDArray b, double[] h, int m, int t, int column) {
        double sum = b.getDouble(0, column);
        for (int i = 0; i < x.size(1); i++) {
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

    /**
     * Same layout, same initializer calls: a seed gives DL4J's LSTM's initial parameters, its forget-gate bias and its
     * zero biases (DL4J's LSTM ignores {@code biasInit}, 0.1 in these networks) included.
     */
    @Test
    void initializesTheParametersDl4jsLstmDoes() {
        MultiLayerNetwork stock = network(DataType.DOUBLE, 41, BackpropType.Standard, 0, new NoOp(), stockLayer(N_IN));
        MultiLayerNetwork fused = network(DataType.DOUBLE, 41, BackpropType.Standard, 0, new NoOp(), fused(false, N_IN));
        assertEquals(stock.params(), fused.params());
        assertEquals(0.7, fused.getLayer(0).getParam("b").getDouble(0, HIDDEN), 0.0);
        assertEquals(0.0, fused.getLayer(0).getParam("b").getDouble(0, 0), 0.0);
    }
}
