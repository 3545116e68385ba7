package com.example;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An activation function from outside DL4J, ND4J and lstm-spark that DL4J's configuration JSON would instantiate if
 * named in an {@code @class} field: the model-file tests check that refusing such a file constructs none.
 */
public class Evil extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;
    public static volatile boolean constructed;

    public Evil() {
        constructed = true;
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return in;
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        return new Pair<>(epsilon, null);
    }
}
