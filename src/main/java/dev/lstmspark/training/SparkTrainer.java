package dev.lstmspark.training;

import dev.lstmspark.batches.MinibatchBuilder;
import dev.lstmspark.batches.TokenBatch;
import dev.lstmspark.batches.TokenEncoding;
import dev.lstmspark.batches.WindowPlan;
import dev.lstmspark.config.ConfigException;
import dev.lstmspark.config.Sampling;
import dev.lstmspark.config.Settings;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.evaluation.Perplexity;
import dev.lstmspark.evaluation.PerplexityEvaluator;
import dev.lstmspark.executor.ExecutorTask;
import dev.lstmspark.model.ModelSpec;
import dev.lstmspark.model.RecurrentNetworks;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Trains one network on Spark, an epoch at a time: every epoch builds that epoch's minibatch RDD, fits it with DL4J
 * parameter averaging (with {@link BlockMomentum} on the driver between rounds, unless it is off) and validates on
 * the held-out tail on the executors, and returns the epoch's {@link EpochMetrics}. The run around it
 * (checkpoints, reports, when to stop) is the caller's.
 *
 * <p>The epoch is handed to DL4J one averaging round at a time ({@code workers x averaging-frequency}
 * minibatches, taken by minibatch id, which is already the epoch's shuffled order). Given a whole epoch, DL4J's
 * random split makes rounds of uneven size and each worker silently stops after {@code averaging-frequency}
 * minibatches, dropping the rest; with exact rounds every minibatch is trained exactly once.
 */
public final class SparkTrainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
    /** DL4J's choice of clock for its training statistics; {@code jobs/submit.sh} sets it on executors too. */
    static final String TIME_SOURCE_PROPERTY = "org.deeplearning4j.spark.time.TimeSource";

    private final JavaSparkContext sc;
    private final TrainConfig config;
    private final TrainingData data;
    private final int workers;
    private final boolean collectStats;
    private final RoundTrainingMaster trainingMaster;
    private final SparkDl4jMultiLayer sparkNet;
    private final JavaRDD<TokenBatch> validation;
    /** The driver's block momentum between averaging rounds; {@code null} for plain parameter averaging. */
    private final BlockMomentum blockMomentum;
    private ProgressListener progress = ProgressListener.NONE;

    /**
     * @param network       the network to train in place: new, or restored from a checkpoint
     * @param blockMomentum the block momentum a checkpoint restored, or {@code null} to start it afresh from
     *                      {@code network} (when the settings ask for it)
     * @param collectStats  record DL4J's Spark training timeline (count, split, broadcast, each worker's fit,
     *                      aggregation) over every epoch; the events cost a little driver memory per round
     */
    public SparkTrainer(JavaSparkContext sc, TrainConfig config, TrainingData data, MultiLayerNetwork network,
                        BlockMomentum blockMomentum, boolean collectStats) {
        this.sc = sc;
        this.config = config;
        this.data = data;
        this.workers = workers(sc, config);
        this.collectStats = collectStats;
        if (collectStats && System.getProperty(TIME_SOURCE_PROPERTY) == null) {
            // DL4J's default clock asks an NTP server, which clusters without internet access cannot reach.
            System.setProperty(TIME_SOURCE_PROPERTY, "org.deeplearning4j.spark.time.SystemClockTimeSource");
        }
        this.trainingMaster = trainingMaster();
        this.sparkNet = new SparkDl4jMultiLayer(sc, network, trainingMaster);
        double momentum = config.blockMomentumFor(workers);
        this.blockMomentum = blockMomentum != null ? blockMomentum
                : BlockMomentum.isPlainAveraging(momentum, config.blockLrFor(workers)) ? null
                : BlockMomentum.start(momentum, config.blockLrFor(workers), config.blockNesterov(), network.params());
        this.validation = data.valTokens() > 0
                ? MinibatchBuilder.build(data.corpus(), WindowPlan.inOrder(data.trainTokens(), data.valTokens(),
                        config.numSteps(), config.batchSize()), workers).persist(StorageLevel.MEMORY_AND_DISK_SER())
                : null;
    }

    /** The workers a configuration trains with on {@code sc}: the setting, or Spark's default parallelism for 0. */
    public static int workers(JavaSparkContext sc, TrainConfig config) {
        return config.workers() > 0 ? config.workers() : sc.defaultParallelism();
    }

    /** A new network for this configuration and vocabulary. */
    public static MultiLayerNetwork newNetwork(TrainConfig config, int vocabSize) {
        return RecurrentNetworks.create(ModelSpec.of(config, vocabSize));
    }

    public int workers() {
        return workers;
    }

    /** Minibatches each worker fits between averages: {@code averaging-frequency}, resolved for the workers. */
    public int averagingFrequency() {
        return config.averagingFrequencyFor(workers);
    }

    /** The network as training left it after the latest epoch. */
    public MultiLayerNetwork network() {
        return sparkNet.getNetwork();
    }

    /** The driver's block momentum, whose state a checkpoint keeps; empty with plain parameter averaging. */
    public Optional<BlockMomentum> blockMomentum() {
        return Optional.ofNullable(blockMomentum);
    }

    /** DL4J's statistics of every epoch so far, or {@code null} when they are not collected. */
    public SparkTrainingStats trainingStats() {
        return collectStats ? sparkNet.getSparkTrainingStats() : null;
    }

    /** Follows each epoch round by round, e.g. a progress bar on the driver's terminal. */
    public void setProgressListener(ProgressListener progress) {
        this.progress = progress;
    }

    /**
     * Trains epoch {@code epoch} (its windows and shuffle are a function of the seed and the epoch alone) and
     * validates the result.
     *
     * @throws TrainingDivergedException when the weights or the epoch's loss stop being finite
     */
    public EpochMetrics trainEpoch(int epoch) {
        int vocabSize = data.vocabulary().size();
        TokenEncoding.Layout layout = RecurrentNetworks.layout(sparkNet.getNetwork());
        long start = System.nanoTime();
        WindowPlan plan = epochPlan(config, workers, epoch, data.trainTokens());
        sc.setJobGroup("epoch-" + epoch, "epoch " + epoch + "/" + config.epochs() + " - fit", false);
        JavaRDD<TokenBatch> minibatches = MinibatchBuilder.build(data.corpus(), plan, workers)
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        EpochStatsListener stats = EpochStatsListener.create(sc, epoch);
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(stats);
        listeners.addAll(RecurrentNetworks.gradientListeners(config.clip()));
        sparkNet.setListeners(listeners);
        progress.onEpochStart(epoch, config.epochs(), plan.numWindows() / plan.batchSize());
        if (blockMomentum != null) {
            blockMomentum.startFrom(sparkNet.getNetwork().params());
        }
        try {
            long perRound = (long) workers * dataSetsPerRound(config, workers);
            for (long first = 0; first < plan.numBatches(); first += perRound) {
                long from = first;
                long to = Math.min(plan.numBatches(), first + perRound);
                INDArray broadcast = null;
                if (blockMomentum != null) {
                    broadcast = blockMomentum.broadcast();
                    sparkNet.getNetwork().setParams(broadcast);
                }
                trainingMaster.nextRound(to - from, to - from == perRound);
                sparkNet.fit(round(minibatches, from, to).mapPartitions(batches -> {
                    // Spark runs this while building the task's iterators, before DL4J's worker creates any array.
                    ExecutorTask.prepare();
                    return new MappedIterator<>(batches, b -> b.toDataSet(vocabSize, layout));
                }, true));
                requireFinite(epoch, sparkNet.getNetwork().params().sumNumber().doubleValue(), "the weights");
                if (blockMomentum != null) {
                    blockMomentum.update(broadcast, sparkNet.getNetwork().params());
                }
                progress.onRound(epoch, stats.minibatches(), stats.tokens(), stats.crossEntropySum());
            }
            if (blockMomentum != null) {
                // What is validated, sampled, checkpointed and saved is the block-momentum model W.
                sparkNet.getNetwork().setParams(blockMomentum.weights());
                requireFinite(epoch, sparkNet.getNetwork().params().sumNumber().doubleValue(), "the weights");
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
                fitSeconds, Double.NaN, List.copyOf(stats.executors()));
    }

    /**
     * The minibatches {@code [from, to)} of an epoch's RDD. A full round ({@code workers x} DataSets per round,
     * starting at a multiple of that) holds exactly the DataSets per round in each of the epoch RDD's {@code workers}
     * partitions: {@link MinibatchBuilder} hash-partitions by minibatch id, so id {@code i} is in partition
     * {@code i mod workers}. {@link RoundTrainingMaster} relies on it to skip DL4J's rebalancing check.
     */
    static JavaRDD<TokenBatch> round(JavaRDD<TokenBatch> epoch, long from, long to) {
        return epoch.filter(b -> b.id() >= from && b.id() < to);
    }

    /** Releases the held-out minibatches. */
    @Override
    public void close() {
        if (validation != null) {
            validation.unpersist(false);
        }
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
    public static WindowPlan epochPlan(TrainConfig config, int workers, int epoch, long trainTokens) {
        if (config.sampling() == Sampling.SEQUENTIAL) {
            return WindowPlan.sequential(0, trainTokens, config.numSteps(), config.batchSize(),
                    minibatchesPerSequence(config, workers), config.stateWarmup(), config.seed(), epoch);
        }
        return WindowPlan.random(0, trainTokens, config.numSteps(), config.batchSize(), config.seed(), epoch);
    }

    /**
     * Consecutive minibatches one recurrent state runs through before it is reset, packed into one sequence that
     * truncated BPTT walks through: with sequential sampling {@code state-minibatches}, by default a worker's
     * whole averaging round (its states cannot be averaged with the other workers', so a state never outlives a
     * round); with random sampling every minibatch starts afresh.
     *
     * @throws ConfigException when {@code state-minibatches} does not divide the averaging frequency
     */
    static int minibatchesPerSequence(TrainConfig config, int workers) {
        if (config.sampling() != Sampling.SEQUENTIAL) {
            return 1;
        }
        int round = config.averagingFrequencyFor(workers);
        int state = config.stateMinibatches().orElse(round);
        if (round % state != 0) {
            throw new ConfigException(Settings.stateDoesNotDivide(state, round, config.averagingFrequency().isEmpty()));
        }
        return state;
    }

    /**
     * DataSets each worker fits between averages, the {@code averagingFrequency} DL4J's training master counts:
     * {@code averaging-frequency} minibatches in DataSets of {@link #minibatchesPerSequence} each.
     */
    static int dataSetsPerRound(TrainConfig config, int workers) {
        return config.averagingFrequencyFor(workers) / minibatchesPerSequence(config, workers);
    }

    /**
     * Parameter averaging with the examples per {@code DataSet} (batch-size) as the first argument, and
     * {@code Direct} training so that no export directory on a shared file system is needed.
     */
    private RoundTrainingMaster trainingMaster() {
        return new RoundTrainingMaster(new ParameterAveragingTrainingMaster.Builder(workers, config.batchSize())
                .batchSizePerWorker(config.batchSize())
                .averagingFrequency(dataSetsPerRound(config, workers))
                .workerPrefetchNumBatches(2)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(null)
                .rngSeed(config.seed())
                .collectTrainingStats(collectStats));
    }
}
