package dev.lstmspark.model;

import dev.lstmspark.config.CellType;
import dev.lstmspark.batches.TokenBatch;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GlobalNormClippingTest {

    @Test
    void gradientLargerThanClipIsScaledToClip() {
        INDArray g = Nd4j.create(new double[] {3, 4, 0, 12}); // norm 13
        double before = GlobalNormClipping.clip(g, 1.0);
        assertEquals(13.0, before, 1e-9);
        assertEquals(1.0, g.norm2Number().doubleValue(), 1e-9);
        assertEquals(3.0 / 13, g.getDouble(0), 1e-12);
        assertEquals(12.0 / 13, g.getDouble(3), 1e-12);
    }

    @Test
    void gradientWithinClipIsUnchanged() {
        INDArray g = Nd4j.create(new double[] {0.3, 0.4});
        INDArray copy = g.dup();
        GlobalNormClipping.clip(g, 1.0);
        assertEquals(copy, g);
    }

    /** In a real fit, the step SGD takes is lr times the clipped mean gradient: its norm is at most lr * clip. */
    @Test
    void sgdStepOfATrainingNetworkHasGlobalNormAtMostLrTimesClip() {
        double lr = 0.5;
        double clip = 0.1;
        MultiLayerNetwork net = RecurrentNetworks.create(new ModelSpec(6, 8, 2, CellType.LSTM, false, 0, 0.5, lr, 11, 0));
        net.setListeners(RecurrentNetworks.gradientListeners(clip));
        DataSet ds = new TokenBatch(0, new int[][] {{1, 2, 3, 4, 5, 1, 2}, {5, 4, 3, 2, 1, 5, 4}}).toDataSet(6);
        INDArray before = net.params().dup();
        net.fit(ds);
        double step = net.params().sub(before).norm2Number().doubleValue();
        assertEquals(lr * clip, step, 1e-4, "gradient of a fresh net exceeds the clip, so the step is exactly lr * clip");

        MultiLayerNetwork unclipped = RecurrentNetworks.create(new ModelSpec(6, 8, 2, CellType.LSTM, false, 0, 0.5, lr, 11, 0));
        unclipped.setListeners(RecurrentNetworks.gradientListeners(100));
        unclipped.fit(ds);
        double free = unclipped.params().sub(before).norm2Number().doubleValue();
        assertTrue(free > lr * clip && free < lr * 100, "without clipping the step is the mean gradient's: " + free);
    }

    @Test
    void countsPredictedTokensOfSequenceLabels() {
        assertEquals(2 * 7, RecurrentNetworks.predictedTokens(Nd4j.zeros(DataType.FLOAT, 2, 5, 7)));
        assertEquals(2 * 7, RecurrentNetworks.predictedTokens(Nd4j.zeros(DataType.FLOAT, 2, 1, 7)), "index labels");
    }

    /** With clipping off the gradient is still d2l's per-token mean: the step is lr times the mean, not the sum. */
    @Test
    void clipZeroKeepsTheMeanGradient() {
        double lr = 0.5;
        DataSet ds = new TokenBatch(0, new int[][] {{1, 2, 3, 4, 5, 1, 2}, {5, 4, 3, 2, 1, 5, 4}}).toDataSet(6);
        MultiLayerNetwork mean = RecurrentNetworks.create(new ModelSpec(6, 8, 1, CellType.LSTM, false, 0, 0.5, lr, 11, 0));
        mean.setListeners(RecurrentNetworks.gradientListeners(0));
        MultiLayerNetwork summed = RecurrentNetworks.create(new ModelSpec(6, 8, 1, CellType.LSTM, false, 0, 0.5, lr, 11, 0));
        INDArray before = mean.params().dup();
        mean.fit(ds);
        summed.fit(ds);
        INDArray meanStep = mean.params().sub(before);
        INDArray sumStep = summed.params().sub(before);
        assertEquals(0, meanStep.mul(2 * 6).sub(sumStep).norm2Number().doubleValue(), 1e-5 * sumStep.norm2Number().doubleValue(),
                "two rows of six predicted tokens: the summed step is twelve times the mean step");
    }

    @Test
    void aClipOfZeroOrLessIsNotAClippingListener() {
        assertEquals(1, RecurrentNetworks.gradientListeners(0).size());
        assertThrows(IllegalArgumentException.class, () -> new GlobalNormClipping(0));
    }
}
