package dev.lstmspark.model.fused;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        double[][] activations = vectorActivations();
        double[] sigmoid = activations[0];
        double[] tanh = activations[1];
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

    /**
     * Two runs with the same seed must train on the same bits. The Vector API's own EXP and TANH are SVML's once the
     * JIT has compiled them and a Java fallback that rounds differently before, so when a run got compiled code
     * changed its numbers. Here a JVM that only interprets ({@code -Xint}) must give exactly this JVM's results
     * after thousands of calls (compiled by then), and every lane exactly the scalar reference's.
     */
    @Test
    void vectorActivationsGiveTheSameBitsCompiledOrInterpreted() throws IOException, InterruptedException {
        for (int i = 0; i < 20_000; i++) {
            activationBits();
        }
        List<String> compiled = activationBits();
        double[] x = inputs();
        for (int i = 1; i < x.length; i++) {
            float v = (float) x[i];
            assertEquals(hex(VectorActivations.sigmoid(v)), compiled.get(i - 1), "sigmoid(" + v + ")");
            assertEquals(hex(VectorActivations.tanh(v)), compiled.get(x.length - 1 + i - 1), "tanh(" + v + ")");
        }

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Xint", "--add-modules=jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), Interpreted.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the interpreted JVM did not finish");
        assertEquals(0, child.exitValue(), out);
        assertEquals(compiled, out.lines().toList());
    }

    /**
     * The vector sigmoid and tanh of {@link #inputs()} from index 1 on (index 0 stays the input): a run that is no
     * multiple of the vector length, so the scalar tail runs too.
     */
    static double[][] vectorActivations() {
        double[] x = inputs();
        double[] sigmoid = x.clone();
        double[] tanh = x.clone();
        float[] scratch = new float[x.length];
        VectorActivations.sigmoid(sigmoid, 1, x.length, scratch);
        VectorActivations.tanh(tanh, 1, x.length, scratch);
        return new double[][] {sigmoid, tanh};
    }

    /** The bits of {@link #vectorActivations()} past index 0, the sigmoids then the tanhs, as hex lines. */
    static List<String> activationBits() {
        List<String> bits = new ArrayList<>();
        for (double[] values : vectorActivations()) {
            for (int i = 1; i < values.length; i++) {
                bits.add(hex((float) values[i]));
            }
        }
        return bits;
    }

    private static String hex(float value) {
        return Integer.toHexString(Float.floatToRawIntBits(value));
    }

    /** Run by the {@code -Xint} JVM: prints {@link #activationBits()}, a line each. */
    static final class Interpreted {
        public static void main(String[] args) {
            activationBits().forEach(System.out::println);
        }
    }
}
