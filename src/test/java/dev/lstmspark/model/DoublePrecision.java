package dev.lstmspark.model;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code @ExtendWith(DoublePrecision.class)}: ND4J's default data types are double while the test class runs, and
 * what they were afterwards. Finite differences need double precision everywhere; the rest of the suite runs in
 * float.
 */
public final class DoublePrecision implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DoublePrecision.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NAMESPACE).put("saved", new DataType[] {Nd4j.dataType(), Nd4j.defaultFloatingPointType()});
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        DataType[] saved = context.getStore(NAMESPACE).remove("saved", DataType[].class);
        Nd4j.setDefaultDataTypes(saved[0], saved[1]);
    }
}
