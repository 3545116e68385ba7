package dev.lstmspark.training;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The driver's block-momentum arithmetic against a plain transcription of BMUF's update, in double precision. */
class BlockMomentumTest {

    private static INDArray vector(double... values) {
        return Nd4j.create(values).castTo(DataType.DOUBLE);
    }

    /** Three rounds of BMUF by hand: G = avg - broadcast; delta = eta delta + zeta G; W += delta; next = W + eta delta. */
    @Test
    void followsTheBmufUpdateWithNesterovLookahead() {
        double eta = 0.5;
        double zeta = 0.8;
        double[] w = {1, -2};
        double[] delta = {0, 0};
        BlockMomentum bm = BlockMomentum.start(eta, zeta, true, vector(w));
        double[][] averagedMinusBroadcast = {{0.1, 0.2}, {-0.3, 0.05}, {0.02, -0.4}};
        for (double[] g : averagedMinusBroadcast) {
            double[] broadcast = {w[0] + eta * delta[0], w[1] + eta * delta[1]};
            INDArray sent = bm.broadcast();
            assertArrayEquals(broadcast, sent.toDoubleVector(), 1e-12);
            bm.update(sent, vector(broadcast[0] + g[0], broadcast[1] + g[1]));
            for (int i = 0; i < 2; i++) {
                delta[i] = eta * delta[i] + zeta * g[i];
                w[i] += delta[i];
            }
            assertArrayEquals(w, bm.weights().toDoubleVector(), 1e-12);
            assertArrayEquals(delta, bm.delta().toDoubleVector(), 1e-12);
        }
    }

    @Test
    void classicBlockMomentumBroadcastsTheModelItself() {
        BlockMomentum bm = BlockMomentum.start(0.75, 1, false, vector(1, 1));
        bm.update(bm.broadcast(), vector(2, 0));
        assertArrayEquals(new double[] {2, 0}, bm.broadcast().toDoubleVector(), 1e-12);
        bm.update(bm.broadcast(), vector(2, 0));
        // delta = 0.75 * (1, -1) + 0 ; W = (2.75, -0.75)
        assertArrayEquals(new double[] {2.75, -0.75}, bm.broadcast().toDoubleVector(), 1e-12);
    }

    /** In the steady state a round moves the model 1 / (1 - eta) times the workers' average displacement. */
    @Test
    void steadyStateGainIsOneOverOneMinusMomentum() {
        int workers = 4;
        BlockMomentum bm = BlockMomentum.start(1 - 1.0 / workers, 1, true, vector(0));
        INDArray before = null;
        for (int round = 0; round < 200; round++) {
            before = bm.weights();
            INDArray start = bm.broadcast();
            bm.update(start, start.add(1e-3)); // every round the workers move the model by the same 1e-3
        }
        double step = bm.weights().sub(before).getDouble(0);
        assertEquals(workers * 1e-3, step, 1e-9, "a round moves the model as far as w rounds of plain averaging");
    }

    /** A change to the network between epochs (a blow-up, a hand edit) is what the next epoch trains from. */
    @Test
    void anEpochStartsFromTheNetworksParameters() {
        BlockMomentum bm = BlockMomentum.start(0.5, 1, true, vector(1, 1));
        bm.update(bm.broadcast(), vector(2, 0));
        bm.startFrom(vector(10, 10));
        assertArrayEquals(new double[] {10, 10}, bm.weights().toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {10.5, 9.5}, bm.broadcast().toDoubleVector(), 1e-12, "delta is kept");
    }

    @Test
    void plainAveragingIsMomentumZeroWithBlockLearningRateOne() {
        assertTrue(BlockMomentum.isPlainAveraging(0, 1));
        assertFalse(BlockMomentum.isPlainAveraging(0.5, 1));
        assertFalse(BlockMomentum.isPlainAveraging(0, 0.5));
    }

    @Test
    void rejectsMomentumOutsideZeroToOneAndShapesThatDiffer() {
        assertThrows(IllegalArgumentException.class, () -> BlockMomentum.start(1, 1, true, vector(0)));
        assertThrows(IllegalArgumentException.class, () -> BlockMomentum.start(0.5, 0, true, vector(0)));
        assertThrows(IllegalArgumentException.class, () -> new BlockMomentum(0.5, 1, true, vector(0), vector(0, 0)));
    }
}
