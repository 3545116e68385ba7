package dev.lstmspark.model.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GateActivations} for float networks through the Vector API: the values are rounded to float, go through
 * {@code exp} and {@code tanh} computed here in float vectors (within two ulps), and are widened back, float-rounded
 * as any float32 implementation's (DL4J's own LSTM's) are. A step's gate pass measured several times faster than the
 * scalar {@code Math.exp} loop. Loaded only where {@link VectorApi} says the module is.
 *
 * <p>Why not the Vector API's own {@code EXP} and {@code TANH}: compiled, they are SVML's; until the JIT has compiled
 * a method, the same calls run a Java fallback that rounds differently in the last bit. When the JIT gets there
 * depends on timing, so two runs with the same seed trained on different bits from the first epoch and drifted
 * apart (training perplexity 2.754 against 2.732 after 78 epochs). Here every lane is additions, multiplications,
 * fused multiply-adds and bit operations, each exactly rounded by IEEE 754 in compiled and interpreted code alike,
 * and the scalar {@link #exp(float)} and {@link #tanh(float)} (the tails of runs, and the tests' reference) do the
 * same operations in the same order: the same input gives the same bits, always.
 *
 * <p>{@code exp(x) = 2^n e^r} with {@code n} the integer nearest {@code x / ln 2} and {@code |r| <= ln 2 / 2},
 * {@code e^r} by Cephes' degree-7 polynomial for {@code expf}; {@code tanh} by Cephes' odd polynomial for
 * {@code tanhf} below 0.625 and {@code 1 - 2 / (e^{2|x|} + 1)} above.
 *
 * <p>The species is {@link VectorGemm#SPECIES}, and no other float species is used anywhere: the JIT compiles the
 * Vector API into vector instructions only where it can tell each vector's exact class, and a second species in the
 * same JVM made {@link VectorGemm}'s kernel fall back to allocating vector objects (40 times slower).
 */
final class VectorActivations {

    private static final VectorSpecies<Float> SPECIES = VectorGemm.SPECIES;
    private static final int LANES = SPECIES.length();

    /** Inputs of {@code exp} are clamped to these: {@code 2^n} stays a normal float. */
    private static final float EXP_MIN = -87f;
    private static final float EXP_MAX = 88f;
    private static final float LOG2E = 1.44269504088896341f;
    /** {@code ln 2 = LN2_HIGH + LN2_LOW}, the first with few bits so that {@code n LN2_HIGH} is exact. */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** {@code 1.5 * 2^23}: adding it rounds to an integer, which the low bits of the sum then hold. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float[] EXP_POLY = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
            1.6666665459e-1f, 5.0000001201e-1f};
    /** Below this {@code |x|}, {@code tanh} is the polynomial. */
    private static final float TANH_POLY_BELOW = 0.625f;
    private static final float[] TANH_POLY = {-5.70498872745e-3f, 2.06390887954e-2f, -5.37397155531e-2f,
            1.33314422036e-1f, -3.33332819422e-1f};

    private VectorActivations() {
    }

    /** {@code a[i] = sigmoid(a[i])} for {@code i} in {@code [from, to)}, in float in {@code x[0 .. to - from)}. */
    static void sigmoid(double[] a, int from, int to, float[] x) {
        narrow(a, from, to, x);
        int n = to - from;
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            one.div(exp(FloatVector.fromArray(SPECIES, x, i).neg()).add(one)).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] = sigmoid(x[i]);
        }
        widen(x, a, from, to);
    }

    /** {@code a[i] = tanh(a[i])} for {@code i} in {@code [from, to)}, in float in {@code x[0 .. to - from)}. */
    static void tanh(double[] a, int from, int to, float[] x) {
        narrow(a, from, to, x);
        int n = to - from;
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            tanh(FloatVector.fromArray(SPECIES, x, i)).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] = tanh(x[i]);
        }
        widen(x, a, from, to);
    }

    static FloatVector exp(FloatVector v) {
        FloatVector x = v.max(EXP_MIN).min(EXP_MAX);
        FloatVector shifted = x.mul(LOG2E).add(ROUND);
        FloatVector n = shifted.sub(ROUND);
        FloatVector r = n.neg().fma(broadcast(LN2_HIGH), x);
        r = n.neg().fma(broadcast(LN2_LOW), r);
        FloatVector p = broadcast(EXP_POLY[0]);
        for (int k = 1; k < EXP_POLY.length; k++) {
            p = p.fma(r, broadcast(EXP_POLY[k]));
        }
        FloatVector er = p.fma(r.mul(r), r).add(1f);
        IntVector scale = shifted.reinterpretAsInts().add(127 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23);
        return er.mul(scale.reinterpretAsFloats());
    }

    /** What {@link #exp(FloatVector)} computes in a lane. */
    static float exp(float v) {
        float x = Math.min(Math.max(v, EXP_MIN), EXP_MAX);
        float shifted = x * LOG2E + ROUND;
        float n = shifted - ROUND;
        float r = Math.fma(-n, LN2_HIGH, x);
        r = Math.fma(-n, LN2_LOW, r);
        float p = EXP_POLY[0];
        for (int k = 1; k < EXP_POLY.length; k++) {
            p = Math.fma(p, r, EXP_POLY[k]);
        }
        float er = Math.fma(p, r * r, r) + 1f;
        int scale = (Float.floatToRawIntBits(shifted) + (127 - ROUND_BITS)) << 23;
        return er * Float.intBitsToFloat(scale);
    }

    /** What the vector sigmoid computes in a lane. */
    static float sigmoid(float x) {
        return 1f / (exp(-x) + 1f);
    }

    static FloatVector tanh(FloatVector x) {
        FloatVector z = x.mul(x);
        FloatVector p = broadcast(TANH_POLY[0]);
        for (int k = 1; k < TANH_POLY.length; k++) {
            p = p.fma(z, broadcast(TANH_POLY[k]));
        }
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector magnitude = x.abs();
        FloatVector large = broadcast(1f).sub(broadcast(2f).div(exp(magnitude.mul(2f)).add(1f)));
        large = large.blend(large.neg(), x.compare(VectorOperators.LT, 0f));
        VectorMask<Float> isSmall = magnitude.compare(VectorOperators.LT, TANH_POLY_BELOW);
        return large.blend(small, isSmall);
    }

    /** What {@link #tanh(FloatVector)} computes in a lane. */
    static float tanh(float x) {
        float magnitude = Math.abs(x);
        if (magnitude < TANH_POLY_BELOW) {
            float z = x * x;
            float p = TANH_POLY[0];
            for (int k = 1; k < TANH_POLY.length; k++) {
                p = Math.fma(p, z, TANH_POLY[k]);
            }
            return Math.fma(p * z, x, x);
        }
        float large = 1f - 2f / (exp(magnitude * 2f) + 1f);
        return x < 0f ? -large : large;
    }

    private static FloatVector broadcast(float value) {
        return FloatVector.broadcast(SPECIES, value);
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
