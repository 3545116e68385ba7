package dev.lstmspark.model.fused;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GateActivations} in float through the Vector API: each vector of doubles is narrowed to floats, takes the
 * vectorized {@code exp} or {@code tanh}, and is widened back. Loaded only when the JVM has the incubator module.
 */
final class VectorActivations {

    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /** As many float lanes as {@link #DOUBLES} has double lanes. */
    private static final VectorSpecies<Float> FLOATS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));
    private static final int LANES = DOUBLES.length();

    private VectorActivations() {
    }

    static void sigmoid(double[] a, int from, int to) {
        FloatVector one = FloatVector.broadcast(FLOATS, 1f);
        int i = from;
        for (; i <= to - LANES; i += LANES) {
            FloatVector x = narrow(a, i);
            widen(one.div(x.neg().lanewise(VectorOperators.EXP).add(one)), a, i);
        }
        for (; i < to; i++) {
            a[i] = (float) GateActivations.sigmoid((float) a[i]);
        }
    }

    static void tanh(double[] a, int from, int to) {
        int i = from;
        for (; i <= to - LANES; i += LANES) {
            widen(narrow(a, i).lanewise(VectorOperators.TANH), a, i);
        }
        for (; i < to; i++) {
            a[i] = (float) GateActivations.tanh((float) a[i]);
        }
    }

    private static FloatVector narrow(double[] a, int i) {
        return (FloatVector) DoubleVector.fromArray(DOUBLES, a, i).convertShape(VectorOperators.D2F, FLOATS, 0);
    }

    private static void widen(FloatVector v, double[] a, int i) {
        ((DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0)).intoArray(a, i);
    }
}
