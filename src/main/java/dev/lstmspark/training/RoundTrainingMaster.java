package dev.lstmspark.training;

import org.apache.spark.api.java.JavaRDDLike;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/**
 * DL4J's parameter averaging, handed one averaging round at a time by {@link SparkTrainer}, which knows each
 * round's size and partitioning before DL4J looks: so the two Spark jobs DL4J would run per round to learn them
 * (a count of the round's DataSets, then a count per partition to decide whether to rebalance) are skipped. On two
 * cores they were about a tenth of every epoch. What DL4J does with the answers is unchanged: one split per round,
 * and its balanced repartitioning wherever a round is not already one {@code averagingFrequency} per worker.
 */
final class RoundTrainingMaster extends ParameterAveragingTrainingMaster {

    private static final long serialVersionUID = 1L;

    /** DataSets in the round about to be fitted; negative: unknown, so DL4J counts. */
    private long roundDataSets = -1;

    RoundTrainingMaster(Builder builder) {
        super(builder);
    }

    /**
     * Describes the next {@code fit}: its {@code dataSets}, and whether every partition already holds exactly
     * {@code averagingFrequency} of them (then DL4J's balanced repartitioning would leave it as it is).
     */
    void nextRound(long dataSets, boolean evenlyPartitioned) {
        this.roundDataSets = dataSets;
        this.repartition = evenlyPartitioned ? Repartition.Never : Repartition.Always;
    }

    @Override
    protected <T, R extends JavaRDDLike<T, R>> long getTotalDataSetObjectCount(JavaRDDLike<T, R> trainingData) {
        if (roundDataSets < 0) {
            return super.getTotalDataSetObjectCount(trainingData);
        }
        long known = roundDataSets;
        roundDataSets = -1;
        return known;
    }
}
