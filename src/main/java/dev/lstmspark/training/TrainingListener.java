package dev.lstmspark.training;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.List;

/**
 * Follows a training run on the driver: once when it starts, after every epoch, once when it ends. The end is
 * its own hook, not a special case of the last epoch: a run may stop before its last epoch (a target perplexity
 * reached), and what it does at the end (the final samples, checkpoint and model) happens once either way.
 */
public interface TrainingListener {

    /**
     * Before the first epoch of this process is trained.
     *
     * @param earlier the epochs a resumed run trained before (from its checkpoint); empty for a new run
     */
    default void onTrainingStart(List<EpochMetrics> earlier) {
    }

    /** After each epoch, with its metrics and the network the epoch ended with. */
    default void onEpochEnd(EpochMetrics metrics, MultiLayerNetwork network) {
    }

    /**
     * After the last epoch this run trains.
     *
     * @param lastEpoch the epoch the network is at; for a resumed run with nothing left to train, the checkpoint's
     */
    default void onTrainingEnd(int lastEpoch, MultiLayerNetwork network) {
    }
}
