package dev.lstmspark.run;

import dev.lstmspark.store.CheckpointState;
import dev.lstmspark.training.BlockMomentum;
import dev.lstmspark.training.SparkTrainer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

/**
 * The training state that lives on the driver between epochs, as a checkpoint holds it: the number of workers the
 * run trained with, and the block momentum's model {@code W} and update {@code delta} when it is on.
 */
final class DriverState {
    static final String WORKERS = "workers";
    static final String MOMENTUM = "block-momentum";
    static final String BLOCK_LR = "block-lr";
    static final String NESTEROV = "block-nesterov";

    private DriverState() {
    }

    static CheckpointState of(SparkTrainer trainer, int workers) {
        Map<String, String> values = new HashMap<>();
        Map<String, INDArray> arrays = new HashMap<>();
        values.put(WORKERS, Integer.toString(workers));
        trainer.blockMomentum().ifPresent(bm -> {
            values.put(MOMENTUM, Double.toString(bm.momentum()));
            values.put(BLOCK_LR, Double.toString(bm.blockLr()));
            values.put(NESTEROV, Boolean.toString(bm.nesterov()));
            arrays.put(BlockMomentum.WEIGHTS, bm.weights());
            arrays.put(BlockMomentum.DELTA, bm.delta());
        });
        return new CheckpointState(values, arrays);
    }

    /** The block momentum a checkpoint holds, or {@code null} when the run averaged plainly. */
    static BlockMomentum blockMomentum(CheckpointState state) {
        INDArray weights = state.arrays().get(BlockMomentum.WEIGHTS);
        INDArray delta = state.arrays().get(BlockMomentum.DELTA);
        if (weights == null || delta == null) {
            return null;
        }
        return new BlockMomentum(Double.parseDouble(state.values().get(MOMENTUM)),
                Double.parseDouble(state.values().get(BLOCK_LR)), Boolean.parseBoolean(state.values().get(NESTEROV)),
                weights, delta);
    }

    /** The workers a checkpoint's run trained with; {@code otherwise} for checkpoints that predate the record. */
    static int workers(CheckpointState state, int otherwise) {
        String recorded = state.values().get(WORKERS);
        return recorded == null ? otherwise : Integer.parseInt(recorded);
    }
}
