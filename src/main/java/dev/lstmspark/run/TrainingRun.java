package dev.lstmspark.run;

import dev.lstmspark.config.ConfigException;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.Setting;
import dev.lstmspark.config.Settings;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.corpus.CorpusException;
import dev.lstmspark.generation.TextGenerator;
import dev.lstmspark.report.Hardware;
import dev.lstmspark.report.ReportWriter;
import dev.lstmspark.report.TerminalProgress;
import dev.lstmspark.source.CorpusProvenance;
import dev.lstmspark.store.Checkpoint;
import dev.lstmspark.store.RunDirectory;
import dev.lstmspark.store.RunDirectoryException;
import dev.lstmspark.store.RunLayout;
import dev.lstmspark.training.BlockMomentum;
import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.training.SparkTrainer;
import dev.lstmspark.training.TrainingData;
import dev.lstmspark.training.TrainingListener;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;

/**
 * One whole {@code train} run, as the command line, the benchmark and the tests start it: the data, a new or
 * restored network, every epoch with its metrics, samples, report and checkpoint, and at the end the final
 * samples, checkpoint and model. {@link #train} is the loop; {@link #begin}, {@link #afterEpoch} and {@link #end}
 * are its three hooks, each doing its steps in the order that matters (a checkpoint holds its epoch's metrics and
 * samples, so those are written first).
 *
 * <p>The run directory is opened (and locked) by the caller, before Spark starts, so that a refusal costs nothing.
 */
public final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    private final TrainConfig config;
    private final String corpusUri;
    private final RunDirectory run;
    private final boolean resume;
    private final boolean collectStats;
    private final List<TrainingListener> listeners = new ArrayList<>();
    /** The trainer of the run in progress, for {@link #trainingStats()}. */
    private SparkTrainer trainer;
    private int lastSampledEpoch = -1;
    private int lastCheckpointedEpoch = -1;

    /**
     * @param corpusUri    the corpus as Spark reads it (a {@code file:} URI or any Hadoop URI)
     * @param run          the prepared run directory; {@link RunDirectory.Mode#RESUME} continues from its newest checkpoint
     * @param collectStats also record DL4J's Spark training timeline into {@code training-stats.html}
     */
    public TrainingRun(TrainConfig config, String corpusUri, RunDirectory run, boolean resume, boolean collectStats) {
        this.config = config;
        this.corpusUri = corpusUri;
        this.run = run;
        this.resume = resume;
        this.collectStats = collectStats;
    }

    /** Also tells {@code listener} when the run starts, after every epoch and when it ends (after the run's own steps). */
    public TrainingRun addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * Trains from the first epoch (or the checkpoint's next) to {@code epochs}, writing the run directory.
     *
     * @param out where the final samples and the saved model's location are printed
     * @return the trained network
     */
    public MultiLayerNetwork train(JavaSparkContext sc, PrintWriter out) {
        long start = System.nanoTime();
        TrainingData data = TrainingData.load(sc, corpusUri, config.corpus(), config);
        try (Session session = begin(sc, data, start)) {
            int epoch = session.firstEpoch - 1;
            boolean reached = run.metrics().size() > 0 && reachedTarget(run.metrics().get(run.metrics().size() - 1));
            while (epoch < config.epochs() && !reached) {
                epoch++;
                EpochMetrics metrics = session.trainer.trainEpoch(epoch)
                        .withElapsedSeconds(session.elapsedBefore + (System.nanoTime() - start) / 1e9);
                afterEpoch(session, metrics);
                reached = reachedTarget(metrics);
                if (reached) {
                    LOG.info("target perplexity {} reached after epoch {} ({} perplexity {}, {} s): stopping",
                            config.targetPerplexity().getAsDouble(), epoch,
                            Double.isNaN(metrics.valPerplexity()) ? "training" : "validation",
                            String.format(java.util.Locale.ROOT, "%.3f", metrics.headlinePerplexity()),
                            Math.round(metrics.elapsedSeconds()));
                }
            }
            end(session, epoch, out);
            return session.trainer.network();
        } finally {
            data.corpus().unpersist();
        }
    }

    /** Whether an epoch's perplexity (validation when held out, else training) reached {@code target-perplexity}. */
    private boolean reachedTarget(EpochMetrics metrics) {
        return config.targetPerplexity().isPresent()
                && metrics.headlinePerplexity() <= config.targetPerplexity().getAsDouble();
    }

    /**
     * DL4J's Spark training statistics of the epochs trained so far, while the run is in progress and only with
     * {@code collectStats}; otherwise {@code null}.
     */
    public SparkTrainingStats trainingStats() {
        return trainer == null ? null : trainer.trainingStats();
    }

    /**
     * What lives from {@link #begin} to {@link #end}; {@code elapsedBefore} is the wall time a resumed run had
     * spent before this process took over.
     */
    private record Session(TrainingData data, SparkTrainer trainer, ReportWriter report, int firstEpoch,
                           double elapsedBefore) implements AutoCloseable {
        @Override
        public void close() {
            trainer.close();
        }
    }

    private Session begin(JavaSparkContext sc, TrainingData data, long startNanos) {
        MultiLayerNetwork network;
        BlockMomentum blockMomentum = null;
        int firstEpoch = 1;
        int workers = SparkTrainer.workers(sc, config);
        TrainConfig training = config;
        if (resume) {
            Checkpoint checkpoint = run.restoreLatestCheckpoint().orElseThrow(() ->
                    new RunDirectoryException("out directory " + run.path() + " holds no checkpoint to resume from"));
            requireSameTraining(checkpoint, data, workers);
            network = checkpoint.model().network();
            blockMomentum = DriverState.blockMomentum(checkpoint.state());
            training = keepingAveragingFrequency(DriverState.averagingFrequency(checkpoint.state(),
                    checkpoint.model().config(), workers), workers);
            firstEpoch = checkpoint.epoch() + 1;
            lastSampledEpoch = checkpoint.epoch();
            lastCheckpointedEpoch = checkpoint.epoch();
            LOG.info("resuming {} after epoch {} of {}", run.path(), checkpoint.epoch(), config.epochs());
        } else {
            network = SparkTrainer.newNetwork(config, data.vocabulary().size());
        }
        trainer = new SparkTrainer(sc, training, data, network, blockMomentum, collectStats);
        trainer.setProgressListener(TerminalProgress.forConsole());
        run.writeConfig(config);
        run.writeVocabulary(data.vocabulary());
        run.writeCorpus(data.provenance());
        LOG.info("corpus read from {}", data.provenance().summary());
        LOG.info("corpus {}: {} tokens ({} training, {} held out), vocabulary {}; {} workers, minibatches {} x {}, out {}",
                config.corpus(), data.corpus().size(), data.trainTokens(), data.valTokens(), data.vocabulary().size(),
                trainer.workers(), config.batchSize(), config.numSteps(), run.path());
        ReportWriter report = new ReportWriter(training, run::writeFile, trainer.workers(), run::sampleLines,
                Hardware.ofThisDriver(), collectStats ? RunLayout.TRAINING_STATS : null);
        report.describeCorpus(data.provenance());
        trainer.blockMomentum().ifPresent(bm -> LOG.info("block momentum {} (block-lr {}, {}) between averaging rounds",
                bm.momentum(), bm.blockLr(), bm.nesterov() ? "Nesterov" : "classic"));
        List<EpochMetrics> earlier = run.metrics();
        report.onTrainingStart(earlier);
        listeners.forEach(l -> l.onTrainingStart(earlier));
        return new Session(data, trainer, report, firstEpoch, elapsedBefore(earlier));
    }

    /** Wall time of the epochs a resumed run trained, as their metrics recorded it (summed epoch times for older runs). */
    private static double elapsedBefore(List<EpochMetrics> earlier) {
        if (earlier.isEmpty()) {
            return 0;
        }
        double recorded = earlier.get(earlier.size() - 1).elapsedSeconds();
        return Double.isFinite(recorded) ? recorded : earlier.stream().mapToDouble(EpochMetrics::seconds).sum();
    }

    /** Console line, metrics, samples, plot and report, checkpoint: a checkpoint includes its epoch's metrics. */
    private void afterEpoch(Session session, EpochMetrics metrics) {
        MultiLayerNetwork network = session.trainer.network();
        LOG.info(metrics.toConsoleLine(config.epochs()));
        run.appendMetrics(metrics);
        if (due(config.sampleEvery(), metrics.epoch())) {
            String text = sample(network, session.data, metrics.epoch());
            text.lines().forEach(LOG::info);
        }
        session.report.onEpochEnd(metrics, network);
        if (due(config.checkpointEvery(), metrics.epoch())) {
            checkpoint(session, metrics.epoch());
        }
        listeners.forEach(l -> l.onEpochEnd(metrics, network));
    }

    /** The final model: its samples (unless this epoch's are written), checkpoint, model file and statistics. */
    private void end(Session session, int lastEpoch, PrintWriter out) {
        MultiLayerNetwork network = session.trainer.network();
        boolean finalSamplesAdded = lastSampledEpoch != lastEpoch;
        if (finalSamplesAdded) {
            out.print(sample(network, session.data, lastEpoch));
        }
        session.report.onTrainingEnd(lastEpoch, network);
        // The last checkpoint holds what samples.txt holds, the final samples included.
        if (lastCheckpointedEpoch != lastEpoch || finalSamplesAdded) {
            checkpoint(session, lastEpoch);
        }
        run.writeModel(network);
        if (collectStats) {
            writeTrainingStats(session.trainer);
        }
        listeners.forEach(l -> l.onTrainingEnd(lastEpoch, network));
        out.println("model saved to " + run.path());
        out.flush();
    }

    private static boolean due(int every, int epoch) {
        return every > 0 && epoch % every == 0;
    }

    private void checkpoint(Session session, int epoch) {
        run.writeCheckpoint(epoch, session.trainer.network(), session.data.vocabulary(), session.data.provenance(), config,
                DriverState.of(session.trainer, session.trainer.workers()));
        lastCheckpointedEpoch = epoch;
    }

    /**
     * Generates from every sample prefix and appends the lines to {@code samples.txt}; returns them. A sample is
     * one line there, in the log and in the report, so the new lines a raw model writes show as {@code ↵}.
     */
    private String sample(MultiLayerNetwork network, TrainingData data, int epoch) {
        StringBuilder sb = new StringBuilder();
        for (String prefix : config.samplePrefixes()) {
            String text = TextGenerator.generate(network, data.vocabulary(), prefix, config.sampleLength(), 0, config.seed());
            sb.append("epoch ").append(epoch).append(" | ").append(TextGenerator.oneLine(text)).append('\n');
        }
        run.appendSamples(sb.toString());
        lastSampledEpoch = epoch;
        return sb.toString();
    }

    /** DL4J's own HTML timeline of the Spark training: per-worker fit, averaging and broadcast times. */
    private void writeTrainingStats(SparkTrainer trainer) {
        try {
            ByteArrayOutputStream html = new ByteArrayOutputStream();
            org.deeplearning4j.spark.stats.StatsUtils.exportStatsAsHTML(trainer.trainingStats(), html);
            run.writeFile(RunLayout.TRAINING_STATS, html.toByteArray());
        } catch (Exception e) {
            LOG.warn("cannot write {}: {}", RunLayout.TRAINING_STATS, e.toString());
        }
    }

    /**
     * The corpus of a resumed run must hold the text the interrupted run began on: the same records in the same
     * order, by the fingerprint its checkpoint recorded (checkpoints written before corpus provenance have none, and
     * only their vocabulary is compared).
     */
    private void requireSameCorpus(Checkpoint checkpoint, TrainingData data) {
        if (checkpoint.model().corpus().isEmpty()) {
            LOG.warn("the checkpoint of {} records no corpus fingerprint (written before corpus.json existed): only its vocabulary is compared",
                    run.path());
            return;
        }
        CorpusProvenance before = checkpoint.model().corpus().get();
        List<String> changed = before.fingerprint().differences(data.provenance().fingerprint());
        if (!changed.isEmpty()) {
            boolean unordered = before.orderColumn() == null && "table".equals(before.kind());
            throw new CorpusException("--resume on corpus " + config.corpus() + ", which changed since the run in "
                    + run.path() + " began: " + String.join(", ", changed) + "; resume on the text the run was trained on"
                    + (unordered ? " (a table: corpus without order-column may also return its rows in another order: give order-column)" : "")
                    + ", or start a new run");
        }
    }

    /**
     * The configuration a resumed run trains with: its own, unless its {@code averaging-frequency auto} now gives
     * another number than the {@code trained} one the run averaged at (a checkpoint of an earlier build); then that
     * number, so the run goes on as it began. The run directory keeps {@code auto}, so later resumes still match.
     */
    private TrainConfig keepingAveragingFrequency(int trained, int workers) {
        if (config.averagingFrequencyFor(workers) == trained) {
            return config;
        }
        LOG.info("the run in {} averaged every {} minibatches a worker, as averaging-frequency auto did when it began"
                + " (auto now gives {} on {} workers): it goes on at {}", run.path(), trained,
                config.averagingFrequencyFor(workers), workers, trained);
        Properties pinned = config.toProperties();
        pinned.setProperty(Settings.AVERAGING_FREQUENCY.key(), Integer.toString(trained));
        return ConfigLoader.fromProperties(pinned, "the run in " + run.path());
    }

    /** A resumed run must train exactly what the interrupted one did; only epochs and reporting may change. */
    private void requireSameTraining(Checkpoint checkpoint, TrainingData data, int workers) {
        TrainConfig before = checkpoint.model().config();
        TreeSet<String> changed = new TreeSet<>();
        for (Setting<?> setting : Settings.ALL) {
            String was = setting.format(before.value(setting));
            String now = setting.format(config.value(setting));
            if (!setting.changeableOnResume() && !was.equals(now)) {
                changed.add(setting.key() + " (" + was + " -> " + now + ")");
            }
        }
        if (!changed.isEmpty()) {
            throw new ConfigException("--resume with settings that differ from the run in " + run.path() + ": "
                    + String.join(", ", changed) + "; leave out --config and those flags to resume with the run's own settings,"
                    + " or start a new run");
        }
        requireSameCorpus(checkpoint, data);
        if (!checkpoint.model().vocabulary().equals(data.vocabulary())) {
            throw new CorpusException("--resume on a corpus whose vocabulary differs from the run in " + run.path()
                    + ": resume on the corpus the run was trained on");
        }
        int trainedWith = DriverState.workers(checkpoint.state(), workers);
        if (trainedWith != workers) {
            throw new ConfigException("--resume on " + workers + " workers, but the run in " + run.path() + " trained on "
                    + trainedWith + (config.workers() == 0 ? " (workers 0 takes Spark's default parallelism, which differs here)" : "")
                    + ", and averaging-frequency, block-momentum and block-lr auto depend on the workers: resume with --workers "
                    + trainedWith);
        }
        if (checkpoint.epoch() >= config.epochs()) {
            LOG.info("the checkpoint is already at epoch {} of {}: nothing left to train", checkpoint.epoch(), config.epochs());
        }
    }
}
