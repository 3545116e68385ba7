package dev.lstmspark.model.fused;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whether labels can travel as token indices too: DL4J 1.0.0-M2.1's {@code RnnOutputLayer} with {@code SPARSE_MCXENT}
 * and labels {@code [minibatch, 1, T]} against {@code MCXENT} with the same labels one-hot, same weights.
 */
class SparseLabelsTest {

    private static final int VOCAB = FusedLayerContract.VOCAB;
    private static final int HIDDEN = 5;
    private static final int BATCH = FusedLayerContract.BATCH;
    private static final int STEPS = FusedLayerContract.STEPS;

    private static MultiLayerNetwork network(DataType dataType, LossFunctions.LossFunction loss) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(5).dataType(dataType).miniBatch(false).updater(new NoOp())
                .weightInit(new NormalDistribution(0, 0.5)).list()
                .layer(new FusedLstm.Builder().indexInput(true).nIn(VOCAB).nOut(HIDDEN).build())
                .layer(new RnnOutputLayer.Builder(loss).nIn(HIDDEN).nOut(VOCAB).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    private static Pair<Double, INDArray> scoreAndGradient(MultiLayerNetwork net, INDArray input, INDArray labels) {
        net.setInput(input);
        net.setLabels(labels);
        net.computeGradientAndScore();
        return new Pair<>(net.score(), net.gradient().gradient().dup());
    }

    @Test
    void sparseIndexLabelsGiveTheScoreAndGradientOfOneHotLabels() {
        for (DataType dataType : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray tokens = FusedLayerContract.tokenInput(6, dataType);
            INDArray next = Nd4j.create(dataType, BATCH, 1, STEPS);
            java.util.Random random = new java.util.Random(7);
            for (int b = 0; b < BATCH; b++) {
                for (int t = 0; t < STEPS; t++) {
                    next.putScalar(new long[] {b, 0, t}, random.nextInt(VOCAB));
                }
            }
            MultiLayerNetwork oneHot = network(dataType, LossFunctions.LossFunction.MCXENT);
            MultiLayerNetwork sparse = network(dataType, LossFunctions.LossFunction.SPARSE_MCXENT);
            sparse.setParams(oneHot.params());
            Pair<Double, INDArray> expected = scoreAndGradient(oneHot, tokens, FusedLayerContract.oneHot(next, VOCAB));
            Pair<Double, INDArray> actual = scoreAndGradient(sparse, tokens, next);
            double tolerance = dataType == DataType.DOUBLE ? 1e-12 : 1e-6;
            assertEquals(expected.getFirst(), actual.getFirst(), tolerance * expected.getFirst(), dataType + " score");
            assertTrue(expected.getSecond().equalsWithEps(actual.getSecond(), tolerance), dataType + " gradient");
            assertTrue(expected.getFirst() > 0);
        }
    }
}
