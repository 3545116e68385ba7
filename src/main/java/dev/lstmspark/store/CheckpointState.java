package dev.lstmspark.store;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What the driver holds between epochs besides the network and its updater (which {@code model.zip} carries),
 * and which a resumed run needs to continue exactly: named values and named arrays (an optimizer's state that
 * lives on the driver, say). The epoch is not part of it: it is the checkpoint folder's name.
 *
 * @param values named settings of the state, as text
 * @param arrays named arrays; names are lower-case letters, digits and dashes, as they become file names
 */
public record CheckpointState(Map<String, String> values, Map<String, INDArray> arrays) {

    /** State of a run whose driver keeps nothing besides the network. */
    public static final CheckpointState NONE = new CheckpointState(Map.of(), Map.of());

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    public CheckpointState {
        values = Map.copyOf(new TreeMap<>(values));
        for (String name : arrays.keySet()) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("checkpoint state array name '" + name + "' is not [a-z0-9-]+");
            }
        }
        arrays = Map.copyOf(new TreeMap<>(arrays));
    }
}
