package dev.lstmspark.model.fused;

import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The gates' activations against {@code Math}: the scalar ones within about 1e-16 over the range gates see, saturated
 * tails included; the Vector API's ({@link VectorActivations}, float networks) within float rounding.
 */
class GateActivationsTest {

    /** Values across the range gates see, the saturated tails, and both signs of zero. */
    private static double[] inputs() {
        Random random = new Random(3);
        double[] x = new double[1027];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * (i % 3 == 0 ? 0.01 : i % 3 == 1 ? 2 : 30));
        }
        x[0] = 0.5;
        x[1] = -0.0;
        x[2] = 100;
        x[3] = -100;
        x[4] = 1e-30;
        return x;
    }

    @Test
    void activationsMatchMath() {
        double[] x = inputs();
        double[] sigmoid = x.clone();
        double[] tanh = x.clone();
        // an offset run: values outside it stay as they are
        GateActivations.sigmoid(sigmoid, 1, x.length);
        GateActivations.tanh(tanh, 1, x.length);
        assertEquals(x[0], sigmoid[0], 0.0);
        assertEquals(x[0], tanh[0], 0.0);
        for (int i = 1; i < x.length; i++) {
            assertEquals(1 / (1 + Math.exp(-x[i])), sigmoid[i], 1e-16, "sigmoid(" + x[i] + ")");
            assertEquals(Math.tanh(x[i]), tanh[i], 4e-16, "tanh(" + x[i] + ")");
        }
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(tanh[1]), "tanh keeps the sign of zero");
    }

    @Test
    void vectorActivationsMatchMathWithinFloatRounding() {
        double[] x = inputs();
        double[] sigmoid = x.clone();
        double[] tanh = x.clone();
        float[] scratch = new float[x.length];
        // a run that is no multiple of the vector length, so the scalar tail runs too
        VectorActivations.sigmoid(sigmoid, 1, x.length, scratch);
        VectorActivations.tanh(tanh, 1, x.length, scratch);
        assertEquals(x[0], sigmoid[0], 0.0);
        assertEquals(x[0], tanh[0], 0.0);
        for (int i = 1; i < x.length; i++) {
            double expectedSigmoid = 1 / (1 + Math.exp(-x[i]));
            double expectedTanh = Math.tanh(x[i]);
            assertEquals(expectedSigmoid, sigmoid[i], 3e-7 * Math.abs(expectedSigmoid) + 1e-30, "sigmoid(" + x[i] + ")");
            assertEquals(expectedTanh, tanh[i], 3e-7 * Math.abs(expectedTanh) + 1e-30, "tanh(" + x[i] + ")");
            assertEquals((float) sigmoid[i], sigmoid[i], 0.0, "a float value");
        }
    }
}
