package dev.lstmspark.training;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Called on the driver after every epoch with its metrics and the averaged network: reporting, saving, sampling. */
@FunctionalInterface
public interface EpochListener {
    void onEpochEnd(EpochMetrics metrics, MultiLayerNetwork network);
}
