package com.example;

import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

import java.io.IOException;
import java.io.ObjectInputStream;

/**
 * What a {@code preprocessor.bin} entry holds: a Java-serialized object, which DL4J's loader deserializes with
 * {@link ObjectInputStream}. Records whether that ever happened, so tests can check that refusing the file ran none.
 */
public class EvilPreProcessor implements DataSetPreProcessor {
    private static final long serialVersionUID = 1L;
    public static volatile boolean deserialized;

    @Override
    public void preProcess(DataSet toPreProcess) {
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        deserialized = true;
    }
}
