package dev.lstmspark.model.fused;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gates' sigmoid and tanh over runs of consecutive values, the transcendental part of every forward step.
 *
 * <p>A float network computes them in float through the JDK's Vector API (SVML's vectorized {@code exp} and
 * {@code tanh}, within an ulp in float), which the scalar {@code Math.exp} loop is several times slower than;
 * the values are float-rounded, as any float32 implementation's (DL4J's own) are. A double network, and any
 * network when the JVM runs without {@code --add-modules jdk.incubator.vector}, uses the scalar double formulas.
 */
final class GateActivations {

    private static final Logger LOG = LoggerFactory.getLogger(GateActivations.class);

    /** Whether the Vector API module is in this JVM; without it {@link VectorActivations} cannot even be loaded. */
    static final boolean VECTORIZED = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    static {
        if (!VECTORIZED) {
            LOG.info("fused recurrent layers: JVM started without --add-modules jdk.incubator.vector;"
                    + " float gates use the scalar exp (slower, same results within float rounding)");
        }
    }

    private GateActivations() {
    }

    /** {@code a[i] = sigmoid(a[i])} for {@code i} in {@code [from, to)}. */
    static void sigmoid(double[] a, int from, int to, boolean singlePrecision) {
        if (singlePrecision && VECTORIZED) {
            VectorActivations.sigmoid(a, from, to);
        } else {
            for (int i = from; i < to; i++) {
                a[i] = sigmoid(a[i]);
            }
        }
    }

    /** {@code a[i] = tanh(a[i])} for {@code i} in {@code [from, to)}. */
    static void tanh(double[] a, int from, int to, boolean singlePrecision) {
        if (singlePrecision && VECTORIZED) {
            VectorActivations.tanh(a, from, to);
        } else {
            for (int i = from; i < to; i++) {
                a[i] = tanh(a[i]);
            }
        }
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** {@code tanh} through one {@code exp} (an intrinsic; {@code Math.tanh} is not): absolute error about 1e-16. */
    static double tanh(double x) {
        double e = Math.exp(-2 * Math.abs(x));
        return Math.copySign((1 - e) / (1 + e), x);
    }
}
