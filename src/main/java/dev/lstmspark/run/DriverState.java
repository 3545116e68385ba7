package dev.lstmspark.run;

import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.store.CheckpointState;
import dev.lstmspark.training.BlockMomentum;
import dev.lstmspark.training.SparkTrainer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

/**
 * The training state that lives on the driver between epochs, as a checkpoint holds it: the number of workers the
 * run trained with and the minibatches each fitted between averages, and the block momentum's model {@code W} and
 * update {@code delta} when it is on.
 */
final class DriverState {
    static final String WORKERS = "workers";
    static final String AVERAGING_FREQUENCY = "averaging-frequency";
    static final String MOMENTUM = "block-momentum";
    static final String BLOCK_LR = "block-lr";
    static final String NESTEROV = "block-nesterov";

    private DriverState() {
    }

    /**
     * {@code averaging-frequency auto} of the builds whose checkpoints predate {@link #AVERAGING_FREQUENCY}: 20
     * minibatches a round over all workers, at most 5 a worker. Numbers, not {@link TrainConfig}'s constants: this
     * is what those builds did, whatever {@code auto} becomes.
     */
    static int autoBeforeTheRecord(int workers) {
        return Math.max(1, Math.min(5, 20 / Math.max(1, workers)));
    }

    static CheckpointState of(SparkTrainer trainer, int workers) {
        Map<String, String> values = new HashMap<>();
        Map<String, INDArray> arrays = new HashMap<>();
        values.put(WORKERS, Integer.toString(workers));
        values.put(AVERAGING_FREQUENCY, Integer.toString(trainer.averagingFrequency()));
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

    /**
     * The minibatches each worker of a checkpoint's run fitted between averages: as recorded, else (checkpoints that
     * predate the record) the run's own setting, or what {@code auto} gave then. A resumed run keeps it even where
     * {@code auto} now gives another number, so that it trains what the interrupted run would have.
     */
    static int averagingFrequency(CheckpointState state, TrainConfig runConfig, int workers) {
        String recorded = state.values().get(AVERAGING_FREQUENCY);
        if (recorded != null) {
            return Integer.parseInt(recorded);
        }
        return runConfig.averagingFrequency().orElse(autoBeforeTheRecord(workers));
    }
}
