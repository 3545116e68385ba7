package dev.lstmspark.model.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GateActivations} for float networks through the Vector API: the values are rounded to float, take SVML's
 * vectorized {@code exp} or {@code tanh} (within an ulp or two), and are widened back, float-rounded as any float32
 * implementation's (DL4J's own LSTM's) are. A step's gate pass measured several times faster than the scalar
 * {@code Math.exp} loop. Loaded only where {@link VectorApi} says the module is.
 *
 * <p>The species is {@link VectorGemm#SPECIES}, and no other is used anywhere: the JIT compiles the Vector API into
 * vector instructions only where it can tell each vector's exact class, and a second species in the same JVM made
 * {@link VectorGemm}'s kernel fall back to allocating vector objects (40 times slower).
 */
final class VectorActivations {

    private static final VectorSpecies<Float> SPECIES = VectorGemm.SPECIES;
    private static final int LANES = SPECIES.length();

    private VectorActivations() {
    }

    /** {@code a[i] = sigmoid(a[i])} for {@code i} in {@code [from, to)}, in float in {@code x[0 .. to - from)}. */
    static void sigmoid(double[] a, int from, int to, float[] x) {
        narrow(a, from, to, x);
        int n = to - from;
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            one.div(FloatVector.fromArray(SPECIES, x, i).neg().lanewise(VectorOperators.EXP).add(one)).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] = (float) GateActivations.sigmoid(x[i]);
        }
        widen(x, a, from, to);
    }

    /** {@code a[i] = tanh(a[i])} for {@code i} in {@code [from, to)}, in float in {@code x[0 .. to - from)}. */
    static void tanh(double[] a, int from, int to, float[] x) {
        narrow(a, from, to, x);
        int n = to - from;
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromArray(SPECIES, x, i).lanewise(VectorOperators.TANH).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] = (float) GateActivations.tanh(x[i]);
        }
        widen(x, a, from, to);
    }

    private static void narrow(double[] a, int from, int to, float[] x) {
        for (int i = from; i < to; i++) {
            x[i - from] = (float) a[i];
        }
    }

    private static void widen(float[] x, double[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] = x[i - from];
        }
    }
}
