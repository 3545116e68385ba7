package dev.lstmspark.training;

import dev.lstmspark.model.RecurrentNetworks;
import org.apache.spark.SparkEnv;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.io.Serializable;
import java.util.TreeSet;
import java.util.List;
import java.util.Set;

/**
 * Runs inside every worker's network and reports, through Spark accumulators, each minibatch's summed
 * cross-entropy as it is trained, the tokens it predicted, and which executor trained it. Accumulator updates
 * of failed task attempts are dropped by Spark, so a retried task is not counted twice.
 */
public final class EpochStatsListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;

    private final DoubleAccumulator crossEntropy;
    private final LongAccumulator tokens;
    private final LongAccumulator minibatches;
    private final CollectionAccumulator<String> executors;
    private transient boolean executorRecorded;

    private EpochStatsListener(DoubleAccumulator crossEntropy, LongAccumulator tokens, LongAccumulator minibatches,
                               CollectionAccumulator<String> executors) {
        this.crossEntropy = crossEntropy;
        this.tokens = tokens;
        this.minibatches = minibatches;
        this.executors = executors;
    }

    /** Fresh accumulators, registered with the context, for one epoch. */
    public static EpochStatsListener create(org.apache.spark.api.java.JavaSparkContext sc, int epoch) {
        return new EpochStatsListener(
                sc.sc().doubleAccumulator("epoch " + epoch + " cross-entropy"),
                sc.sc().longAccumulator("epoch " + epoch + " tokens"),
                sc.sc().longAccumulator("epoch " + epoch + " minibatches"),
                sc.sc().collectionAccumulator("epoch " + epoch + " executors"));
    }

    @Override
    public void onGradientCalculation(Model model) {
        // Networks from RecurrentNetworks report the minibatch's summed cross-entropy as the score (miniBatch=false).
        long predicted = RecurrentNetworks.predictedTokens((MultiLayerNetwork) model);
        if (predicted > 0) {
            // A segment of state warm-up predicts nothing and is no minibatch of the epoch.
            crossEntropy.add(model.score());
            tokens.add(predicted);
            minibatches.add(1);
        }
        if (!executorRecorded) {
            SparkEnv env = SparkEnv.get();
            executors.add(env == null ? "driver" : env.executorId());
            executorRecorded = true;
        }
    }

    public double crossEntropySum() {
        return crossEntropy.value();
    }

    public long tokens() {
        return tokens.value();
    }

    public long minibatches() {
        return minibatches.value();
    }

    /** Ids of the executors that trained, as Spark names them ("driver" in local mode). */
    public Set<String> executors() {
        List<String> list = executors.value();
        return new TreeSet<>(list);
    }
}
