package dev.lstmspark.model.fused;

import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gates' activations: float (vectorized) within float rounding of {@code Math}'s, double to about 1e-16. */
class GateActivationsTest {

    /** Values across the range gates see, the saturated tails, and both signs of zero. */
    private static double[] inputs() {
        Random random = new Random(3);
        double[] x = new double[1027];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * (i % 3 == 0 ? 0.01 : i % 3 == 1 ? 2 : 30));
        }
        x[0] = 0;
        x[1] = -0.0;
        x[2] = 100;
        x[3] = -100;
        x[4] = 1e-30;
        return x;
    }

    @Test
    void vectorizedRunsAreInThisJvm() {
        assertTrue(GateActivations.VECTORIZED, "surefire starts the JVM with --add-modules jdk.incubator.vector");
    }

    @Test
    void singlePrecisionIsWithinFloatRounding() {
        double[] x = inputs();
        double[] sigmoid = x.clone();
        double[] tanh = x.clone();
        // an offset run, so that the vector loop and its scalar tail both run
        GateActivations.sigmoid(sigmoid, 1, x.length, true);
        GateActivations.tanh(tanh, 1, x.length, true);
        for (int i = 1; i < x.length; i++) {
            assertEquals(1 / (1 + Math.exp(-x[i])), sigmoid[i], floatTolerance(1 / (1 + Math.exp(-x[i]))),
                    "sigmoid(" + x[i] + ")");
            assertEquals(Math.tanh(x[i]), tanh[i], floatTolerance(Math.tanh(x[i])), "tanh(" + x[i] + ")");
            assertEquals((float) sigmoid[i], sigmoid[i], 0.0, "float values");
        }
        assertEquals(x[0], sigmoid[0], 0.0, "outside the run");
    }

    /** Two float ulps; below float's normal range (sigmoid(-100) = 3.7e-44) the vector exp flushes to zero. */
    private static double floatTolerance(double value) {
        return Math.max(2 * Math.ulp((float) value), Float.MIN_NORMAL);
    }

    @Test
    void doublePrecisionMatchesMath() {
        double[] x = inputs();
        double[] sigmoid = x.clone();
        double[] tanh = x.clone();
        GateActivations.sigmoid(sigmoid, 0, x.length, false);
        GateActivations.tanh(tanh, 0, x.length, false);
        for (int i = 0; i < x.length; i++) {
            assertEquals(1 / (1 + Math.exp(-x[i])), sigmoid[i], 1e-16, "sigmoid(" + x[i] + ")");
            assertEquals(Math.tanh(x[i]), tanh[i], 4e-16, "tanh(" + x[i] + ")");
        }
        assertEquals(-0.0, tanh[1], 0.0);
    }
}
