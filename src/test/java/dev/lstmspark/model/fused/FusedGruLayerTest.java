package dev.lstmspark.model.fused;

import java.util.Map;

import dev.lstmspark.model.gru.Gru;
import dev.lstmspark.model.gru.GruLayer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fused GRU against d2l's equations and {@code model.gru.GruLayer}, plus everything {@link FusedLayerContract} checks. */
class FusedGruLayerTest extends FusedLayerContract {

    @Override
    FusedRecurrent.Builder<?> fusedBuilder() {
        return new FusedGru.Builder();
    }

    @Override
    Layer stockLayer(int nIn) {
        return new Gru.Builder().nIn(nIn).nOut(HIDDEN).build();
    }

    @Override
    Map<String, INDArray> randomState(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Map.of(FusedGruLayer.STATE_KEY_HIDDEN, Nd4j.randn(DataType.DOUBLE, BATCH, HIDDEN).muli(0.8));
    }

    @Test
    void forwardPassIsD2lsGru() {
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
            for (int t = 0; t < STEPS; t++) {
                double[][] next = new double[BATCH][HIDDEN];
                for (int m = 0; m < BATCH; m++) {
                    double[] reset = new double[HIDDEN];
                    for (int k = 0; k < HIDDEN; k++) {
                        reset[k] = sigmoid(affine(dense, w, rw, b, h[m], m, t, k));
                    }
                    for (int j = 0; j < HIDDEN; j++) {
                        double z = sigmoid(affine(dense, w, rw, b, h[m], m, t, HIDDEN + j));
                        // d2l: candidate = tanh(X W_xh + (R * H) W_hh + b_h), the reset gate applied before the product
                        double pre = b.getDouble(2 * HIDDEN + j);
                        for (int i = 0; i < dense.size(1); i++) {
                            pre += dense.getDouble(m, i, t) * w.getDouble(i, 2 * HIDDEN + j);
                        }
                        for (int k = 0; k < HIDDEN; k++) {
                            pre += reset[k] * h[m][k] * rw.getDouble(k, 2 * HIDDEN + j);
                        }
                        next[m][j] = z * h[m][j] + (1 - z) * Math.tanh(pre);
                    }
                }
                h = next;
                for (int m = 0; m < BATCH; m++) {
                    for (int j = 0; j < HIDDEN; j++) {
                        assertEquals(h[m][j], actual.getDouble(m, j, t), 1e-10, "h[" + m + "," + j + "] at step " + t);
                    }
                }
            }
        }
    }

    private static double affine(INDArray x, INDArray w, INDArray rw, INDArray b, double[] h, int m, int t, int column) {
        double sum = b.getDouble(column);
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

    /** A {@code Gru} network's parameters, as they are, in a fused GRU network: same initial values from a seed too. */
    @Test
    void readsGruLayerParametersUnchanged() {
        MultiLayerNetwork stock = network(DataType.DOUBLE, 42, BackpropType.Standard, 0, new NoOp(), stockLayer(N_IN));
        MultiLayerNetwork fused = network(DataType.DOUBLE, 42, BackpropType.Standard, 0, new NoOp(), fused(false, N_IN));
        assertEquals(stock.params(), fused.params());
        assertArrayEquals(stock.getLayer(0).getParam("b").shape(), fused.getLayer(0).getParam("b").shape());
        assertEquals(GruLayer.STATE_KEY_HIDDEN, FusedGruLayer.STATE_KEY_HIDDEN);
    }
}
