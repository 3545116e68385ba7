package dev.lstmspark.training;

import dev.lstmspark.batches.MinibatchBuilder;
import dev.lstmspark.batches.TokenBatch;
import dev.lstmspark.batches.WindowPlan;
import dev.lstmspark.config.Sampling;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.evaluation.Perplexity;
import dev.lstmspark.evaluation.PerplexityEvaluator;
import dev.lstmspark.executor.ExecutorTask;
import dev.lstmspark.model.GlobalNormClipping;
import dev.lstmspark.model.RecurrentNetworks;
import dev.lstmspark.model.ModelSpec;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The training loop: every epoch builds that epoch's minibatch RDD, fits it with DL4J parameter averaging
 * ({@code averaging-frequency} minibatches per worker between averages) and reports {@link EpochMetrics} to the
 * listeners. Validation runs on the executors over the held-out tail.
 *
 * <p>The epoch is handed to DL4J one averaging round at a time ({@code workers x averaging-frequency}
 * minibatches, taken by minibatch id, which is already the epoch's shuffled order). Given a whole epoch, DL4J's
 * random split makes rounds of uneven size and each worker silently stops after {@code averaging-frequency}
 * minibatches, dropping the rest; with exact rounds every minibatch is trained exactly once.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
    /** DL4J's choice of clock for its training statistics; {@code jobs/submit.sh} sets it on executors too. */
    static final String TIME_SOURCE_PROPERTY = "org.deeplearning4j.spark.time.TimeSource";

    private final JavaSparkContext sc;
    private final TrainConfig config;
    private final int workers;
    private ProgressListener progress = ProgressListener.NONE;
    private boolean collectStats;
    private SparkDl4jMultiLayer lastSparkNet;

    public SparkTrainer(JavaSparkContext sc, TrainConfig config) {
        this.sc = sc;
        this.config = config;
        this.workers = config.workers() > 0 ? config.workers() : sc.defaultParallelism();
    }

    public int workers() {
        return workers;
    }

    /**
     * Has DL4J record its Spark training timeline (count, split, broadcast, each worker's fit, aggregation) from
     * the next {@link #fit} on; it accumulates over every round and epoch of that call. Off by default: the
     * events cost a little driver memory per round.
     */
    public void setCollectStats(boolean collectStats) {
        this.collectStats = collectStats;
        if (collectStats && System.getProperty(TIME_SOURCE_PROPERTY) == null) {
            // DL4J's default clock asks an NTP server, which clusters without internet access cannot reach.
            System.setProperty(TIME_SOURCE_PROPERTY, "org.deeplearning4j.spark.time.SystemClockTimeSource");
        }
    }

    /** DL4J's statistics of the latest {@link #fit} so far, or {@code null} when they are not collected. */
    public SparkTrainingStats trainingStats() {
        return collectStats && lastSparkNet != null ? lastSparkNet.getSparkTrainingStats() : null;
    }

    /** Follows each epoch round by round, e.g. a progress bar on the driver's terminal. */
    public void setProgressListener(ProgressListener progress) {
        this.progress = progress;
    }

    /** A new network for this configuration and vocabulary. */
    public MultiLayerNetwork newNetwork(int vocabSize) {
        return RecurrentNetworks.create(ModelSpec.of(config, vocabSize));
    }

    /**
     * Trains {@code network} in place from {@code firstEpoch} (1 for a new run, the checkpoint's next epoch when
     * resuming) to {@code config.epochs()}.
     *
     * @throws TrainingDivergedException when the weights or the epoch's loss stop being finite
     */
    public MultiLayerNetwork fit(TrainingData data, MultiLayerNetwork network, int firstEpoch, List<EpochListener> listeners) {
        int vocabSize = data.vocabulary().size();
        ParameterAveragingTrainingMaster master = trainingMaster();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, network, master);
        lastSparkNet = sparkNet;
        JavaRDD<TokenBatch> validation = null;
        if (data.valTokens() > 0) {
            WindowPlan plan = WindowPlan.inOrder(data.trainTokens(), data.valTokens(), config.numSteps(), config.batchSize());
            validation = MinibatchBuilder.build(data.corpus(), plan, workers).persist(StorageLevel.MEMORY_AND_DISK_SER());
        }
        try {
            for (int epoch = firstEpoch; epoch <= config.epochs(); epoch++) {
                EpochMetrics metrics = runEpoch(epoch, data, sparkNet, validation, vocabSize);
                for (EpochListener listener : listeners) {
                    listener.onEpochEnd(metrics, sparkNet.getNetwork());
                }
            }
        } finally {
            if (validation != null) {
                validation.unpersist(false);
            }
        }
        return sparkNet.getNetwork();
    }

    private EpochMetrics runEpoch(int epoch, TrainingData data, SparkDl4jMultiLayer sparkNet,
                                  JavaRDD<TokenBatch> validation, int vocabSize) {
        long start = System.nanoTime();
        WindowPlan plan = epochPlan(epoch, data.trainTokens());
        sc.setJobGroup("epoch-" + epoch, "epoch " + epoch + "/" + config.epochs() + " - fit", false);
        JavaRDD<TokenBatch> minibatches = MinibatchBuilder.build(data.corpus(), plan, workers)
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        EpochStatsListener stats = EpochStatsListener.create(sc, epoch);
        sparkNet.setListeners(stats, new GlobalNormClipping(config.clip()));
        progress.onEpochStart(epoch, config.epochs(), plan.numWindows() / plan.batchSize());
        try {
            long perRound = (long) workers * trainingMasterFrequency();
            for (long first = 0; first < plan.numBatches(); first += perRound) {
                long from = first;
                long to = Math.min(plan.numBatches(), first + perRound);
                sparkNet.fit(minibatches.filter(b -> b.id() >= from && b.id() < to).mapPartitions(batches -> {
                    // Spark runs this while building the task's iterators, before DL4J's worker creates any array.
                    ExecutorTask.prepare();
                    return new MappedIterator<>(batches, b -> b.toDataSet(vocabSize));
                }, true));
                requireFinite(epoch, sparkNet.getNetwork().params().sumNumber().doubleValue(), "the weights");
                progress.onRound(epoch, stats.minibatches(), stats.tokens(), stats.crossEntropySum());
            }
        } finally {
            minibatches.unpersist(false);
            progress.onEpochFitted(epoch);
        }
        double fitSeconds = (System.nanoTime() - start) / 1e9;
        if (stats.tokens() != plan.predictedTokens()) {
            LOG.warn("epoch {}: executors trained {} tokens but the corpus gives {}", epoch, stats.tokens(), plan.predictedTokens());
        }
        // Before validation: a diverged epoch is not worth a pass over the held-out data.
        double trainPerplexity = new Perplexity(stats.crossEntropySum(), stats.tokens()).value();
        requireFinite(epoch, stats.crossEntropySum(), "the training loss");
        requireBetterThanChance(epoch, trainPerplexity, vocabSize);
        double valPerplexity = Double.NaN;
        if (validation != null) {
            sc.setJobGroup("epoch-" + epoch, "epoch " + epoch + "/" + config.epochs() + " - validation", false);
            valPerplexity = PerplexityEvaluator.evaluate(sc, sparkNet.getNetwork(), validation, vocabSize).value();
        }
        sc.clearJobGroup();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new EpochMetrics(epoch, trainPerplexity, valPerplexity, stats.tokens(), stats.minibatches(), seconds,
                fitSeconds, List.copyOf(stats.executors()));
    }

    /** Stops the run when a weight or the loss is NaN or infinite: nothing after that point can be trusted. */
    private void requireFinite(int epoch, double value, String what) {
        if (!Double.isFinite(value)) {
            throw new TrainingDivergedException("training diverged in epoch " + epoch + ": " + what + " became "
                    + (Double.isNaN(value) ? "NaN" : "infinite") + "; " + remedy());
        }
    }

    /**
     * Softmax saturation keeps DL4J's loss finite even when SGD has blown the weights up (lr 1000 gives
     * perplexities of 1e9), so a loss far above uniform guessing counts as divergence too: a model that has
     * learned nothing predicts about uniformly, at perplexity {@code vocabSize}, never {@code vocabSize^3}.
     */
    private void requireBetterThanChance(int epoch, double trainPerplexity, int vocabSize) {
        if (Math.log(trainPerplexity) > 3 * Math.log(vocabSize)) {
            throw new TrainingDivergedException(String.format(java.util.Locale.ROOT,
                    "training diverged in epoch %d: perplexity %.4g is far worse than guessing among %d tokens; %s",
                    epoch, trainPerplexity, vocabSize, remedy()));
        }
    }

    private String remedy() {
        return "lower --lr (now " + config.lr() + ") or --clip (now " + (config.clip() == 0 ? "0, off" : config.clip()) + ")";
    }

    /** The epoch's windows over the training head: d2l random sampling, or sequential streams for truncated BPTT. */
    public WindowPlan epochPlan(int epoch, long trainTokens) {
        if (config.sampling() == Sampling.SEQUENTIAL) {
            return WindowPlan.sequential(0, trainTokens, config.numSteps(), config.batchSize(),
                    config.averagingFrequency(), config.seed(), epoch);
        }
        return WindowPlan.random(0, trainTokens, config.numSteps(), config.batchSize(), config.seed(), epoch);
    }

    /** Minibatches each worker fits between averages, as the training master counts them. */
    private int trainingMasterFrequency() {
        return config.sampling() == Sampling.SEQUENTIAL ? 1 : config.averagingFrequency();
    }

    /**
     * Parameter averaging with the examples per {@code DataSet} (batch-size) as the first argument, and
     * {@code Direct} training so that no export directory on a shared file system is needed. Sequential
     * sampling packs {@code averaging-frequency} minibatches into each {@code DataSet}, so it averages after each.
     */
    private ParameterAveragingTrainingMaster trainingMaster() {
        return new ParameterAveragingTrainingMaster.Builder(workers, config.batchSize())
                .batchSizePerWorker(config.batchSize())
                .averagingFrequency(trainingMasterFrequency())
                .workerPrefetchNumBatches(2)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(null)
                .rngSeed(config.seed())
                .collectTrainingStats(collectStats)
                .build();
    }
}
