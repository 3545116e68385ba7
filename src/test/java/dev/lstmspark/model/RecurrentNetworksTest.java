package dev.lstmspark.model;

import dev.lstmspark.config.CellType;
import dev.lstmspark.batches.TokenBatch;
import dev.lstmspark.batches.TokenEncoding;
import dev.lstmspark.evaluation.CrossEntropy;
import dev.lstmspark.model.gru.Gru;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecurrentNetworksTest {

    @Test
    void stacksLstmLayersAndInitializesAsD2l() {
        MultiLayerNetwork net = RecurrentNetworks.create(new ModelSpec(6, 8, 2, CellType.LSTM, false, 0, 0.01, 1, 1, 0));
        assertEquals(3, net.getnLayers());
        // An LSTM layer has input weights [in, 4h], recurrent weights [h, 4h] and biases [4h].
        long first = 6 * 32 + 8 * 32 + 32;
        long second = 8 * 32 + 8 * 32 + 32;
        long output = 8 * 6 + 6;
        assertEquals(first + second + output, net.numParams());
        double std = net.getLayer(0).getParam("W").stdNumber().doubleValue();
        assertEquals(0.01, std, 0.003, "weights from N(0, 0.01)");
        assertEquals(0.0, net.getLayer(0).getParam("b").sumNumber().doubleValue(), 0, "zero biases, forget gate included");
        assertEquals(0.0, ((LSTM) net.getLayerWiseConfigurations().getConf(0).getLayer()).getForgetGateBiasInit());
        assertEquals(BackpropType.Standard, net.getLayerWiseConfigurations().getBackpropType());
    }

    @Test
    void sequentialSamplingUsesTruncatedBpttOfNumSteps() {
        MultiLayerNetwork net = RecurrentNetworks.create(new ModelSpec(6, 8, 1, CellType.LSTM, false, 1, 0.01, 1, 1, 35));
        assertEquals(BackpropType.TruncatedBPTT, net.getLayerWiseConfigurations().getBackpropType());
        assertEquals(35, net.getLayerWiseConfigurations().getTbpttFwdLength());
        assertEquals(1.0, net.getLayer(0).getParam("b").sumNumber().doubleValue() / 8, 1e-6, "forget-gate bias 1 on its 8 units");
    }

    /** d2l's deep RNN section: two stacked LSTM layers learn a small periodic corpus. */
    @Test
    void twoLayerLstmLearnsARegularSequence() {
        assertLearnsTheCycle(new ModelSpec(VOCAB, 24, 2, CellType.LSTM, false, 0, 0.1, 1, 5, 0));
    }

    /** d2l's GRU section: the same corpus with GRU cells, one layer and two. */
    @Test
    void gruLearnsARegularSequence() {
        assertLearnsTheCycle(new ModelSpec(VOCAB, 24, 1, CellType.GRU, false, 0, 0.1, 1, 5, 0));
        assertLearnsTheCycle(new ModelSpec(VOCAB, 24, 2, CellType.GRU, false, 0, 0.1, 1, 5, 0));
    }

    @Test
    void gruLayersHaveThreeGateBlocksAndD2lInitialization() {
        MultiLayerNetwork net = RecurrentNetworks.create(new ModelSpec(6, 8, 2, CellType.GRU, false, 0, 0.01, 1, 1, 0));
        assertTrue(net.getLayerWiseConfigurations().getConf(0).getLayer() instanceof Gru);
        assertTrue(net.getLayerWiseConfigurations().getConf(1).getLayer() instanceof Gru);
        // A GRU layer has input weights [in, 3h], recurrent weights [h, 3h] and biases [3h].
        long first = 6 * 24 + 8 * 24 + 24;
        long second = 8 * 24 + 8 * 24 + 24;
        long output = 8 * 6 + 6;
        assertEquals(first + second + output, net.numParams());
        assertEquals(0.01, net.getLayer(0).getParam("RW").stdNumber().doubleValue(), 0.003, "weights from N(0, 0.01)");
        assertEquals(0.0, net.getLayer(0).getParam("b").amaxNumber().doubleValue(), "zero biases");
    }

    /** The fused cells through the same pipeline pieces: index input and labels, learning the same cycle. */
    @Test
    void fusedLstmAndGruTakeTokenIndicesAndLearnTheSequence() {
        for (CellType cell : CellType.values()) {
            ModelSpec spec = new ModelSpec(VOCAB, 24, 2, cell, true, 0, 0.1, 1, 5, 0);
            MultiLayerNetwork net = RecurrentNetworks.create(spec);
            assertTrue(net.getLayerWiseConfigurations().getConf(0).getLayer() instanceof dev.lstmspark.model.fused.FusedRecurrent);
            assertEquals(TokenEncoding.Layout.INDEX, RecurrentNetworks.layout(net));
            assertLearnsTheCycle(spec);
        }
        assertEquals(TokenEncoding.Layout.ONE_HOT,
                RecurrentNetworks.layout(RecurrentNetworks.create(new ModelSpec(VOCAB, 8, 1, CellType.GRU, false, 0, 0.1, 1, 5, 0))));
    }

    /** Same weights, same loss: the fused LSTM network computes what DL4J's does, within float rounding. */
    @Test
    void fusedAndStockNetworksGiveTheSameScoreForTheSameWeights() {
        for (CellType cell : CellType.values()) {
            MultiLayerNetwork stock = RecurrentNetworks.create(new ModelSpec(VOCAB, 16, 2, cell, false, 0, 0.1, 1, 5, 0));
            MultiLayerNetwork fused = RecurrentNetworks.create(new ModelSpec(VOCAB, 16, 2, cell, true, 0, 0.1, 1, 5, 0));
            fused.setParams(stock.params());
            TokenBatch batch = new TokenBatch(0, new int[][] {{1, 2, 3, 4, 5, 1, 2}, {5, 4, 3, 2, 1, 5, 4}});
            double s = stock.score(batch.toDataSet(VOCAB));
            double f = fused.score(batch.toDataSet(VOCAB, RecurrentNetworks.layout(fused)));
            assertEquals(s, f, 1e-5 * s, cell + ": score of the same weights");
            assertEquals(CrossEntropy.of(stock, batch, VOCAB).value(), CrossEntropy.of(fused, batch, VOCAB).value(), 1e-5, cell.toString());
        }
    }

    /**
     * State warm-up: the context steps of a packed sequence are a truncated-BPTT segment that predicts nothing, so
     * it leaves the weights as they were (no 0/0 in the token mean) and counts no tokens, and the next segment's loss
     * is that of its steps after the context, from the state the context left.
     */
    @Test
    void contextSegmentSetsTheStateWithoutAnUpdateOrAPrediction() {
        for (CellType cell : CellType.values()) {
            for (boolean fused : new boolean[] {false, true}) {
                MultiLayerNetwork net = RecurrentNetworks.create(new ModelSpec(VOCAB, 12, 2, cell, fused, 0, 0.1, 1, 3, 5));
                int[][] rows = new int[3][11];
                for (int r = 0; r < rows.length; r++) {
                    for (int t = 0; t < rows[r].length; t++) {
                        rows[r][t] = 1 + (r * 7 + t * t) % (VOCAB - 1);
                    }
                }
                TokenBatch batch = new TokenBatch(0, rows, 5);
                INDArray initial = net.params().dup();
                double expected = CrossEntropy.of(net, batch, VOCAB).crossEntropySum();
                List<long[]> tokens = new ArrayList<>();
                List<Double> scores = new ArrayList<>();
                List<INDArray> paramsSeen = new ArrayList<>();
                List<org.deeplearning4j.optimize.api.TrainingListener> listeners = new ArrayList<>();
                listeners.add(new org.deeplearning4j.optimize.api.BaseTrainingListener() {
                    @Override
                    public void onGradientCalculation(org.deeplearning4j.nn.api.Model model) {
                        tokens.add(new long[] {RecurrentNetworks.predictedTokens((MultiLayerNetwork) model)});
                        scores.add(model.score());
                        paramsSeen.add(model.params().dup());
                    }
                });
                listeners.addAll(RecurrentNetworks.gradientListeners(1));
                net.setListeners(listeners);
                net.fit(batch.toDataSet(VOCAB, RecurrentNetworks.layout(net)));
                String what = cell + (fused ? " fused" : " stock");
                assertEquals(2, tokens.size(), what + ": two segments of 5 steps");
                assertEquals(0, tokens.get(0)[0], what + ": the context segment predicts nothing");
                assertEquals(0.0, scores.get(0), what + ": and has no loss");
                assertEquals(15, tokens.get(1)[0], what + ": 3 rows x 5 steps after the context");
                assertEquals(batch.predictedTokens(), tokens.get(1)[0]);
                assertEquals(initial, paramsSeen.get(1), what + ": the context segment did not move the weights");
                assertEquals(expected, scores.get(1), 1e-4 * expected, what + ": loss after the context's state");
                assertNotEquals(initial, net.params(), what + ": the predicted segment did");
            }
        }
    }

    private static final int VOCAB = 6;

    private static void assertLearnsTheCycle(ModelSpec spec) {
        MultiLayerNetwork net = RecurrentNetworks.create(spec);
        net.setListeners(RecurrentNetworks.gradientListeners(1));
        int[][] rows = new int[4][13];
        for (int r = 0; r < rows.length; r++) {
            for (int t = 0; t < rows[r].length; t++) {
                rows[r][t] = 1 + (r + t) % (VOCAB - 1);
            }
        }
        TokenBatch batch = new TokenBatch(0, rows);
        DataSet ds = batch.toDataSet(VOCAB, RecurrentNetworks.layout(net));
        double before = CrossEntropy.of(net, batch, VOCAB).value();
        for (int i = 0; i < 300; i++) {
            net.fit(ds);
        }
        double after = CrossEntropy.of(net, batch, VOCAB).value();
        assertTrue(before > 4.5, spec + " starts near uniform over 6 tokens: " + before);
        assertTrue(after < 1.2, spec + " learns the cycle: perplexity " + after);
    }
}
