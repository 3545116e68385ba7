package dev.lstmspark.store;

import dev.lstmspark.training.EpochMetrics;

import java.util.List;

/**
 * A complete checkpoint read back: the model after {@code epoch} (network with updater, vocabulary, settings),
 * the metrics and samples of every epoch up to it, and the driver's state.
 */
public record Checkpoint(int epoch, SavedModel model, List<EpochMetrics> metrics, String samples,
                         CheckpointState state) {

    public Checkpoint {
        metrics = List.copyOf(metrics);
    }
}
