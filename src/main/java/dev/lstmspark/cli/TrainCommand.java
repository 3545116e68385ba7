package dev.lstmspark.cli;

import dev.lstmspark.config.ConfigException;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.corpus.CorpusException;
import dev.lstmspark.corpus.CorpusLocator;
import dev.lstmspark.generation.TextGenerator;
import dev.lstmspark.report.ReportWriter;
import dev.lstmspark.report.TerminalProgress;
import dev.lstmspark.training.EpochListener;
import dev.lstmspark.training.RunDirectory;
import dev.lstmspark.training.SparkTrainer;
import dev.lstmspark.training.TrainingData;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code train}: reads the corpus with Spark, trains with parameter averaging, writes the run directory. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train an LSTM or GRU language model on a corpus with Spark.")
public final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);
    public static final String TRAINING_STATS_FILE = "training-stats.html";

    @Option(names = "--config", paramLabel = "FILE", description = "a .properties preset, e.g. conf/d2l-lstm.properties")
    Path configFile;

    @Option(names = "--resume", description = "continue the run in --out from its newest checkpoint")
    boolean resume;

    @Option(names = "--overwrite", description = "replace a run already in --out")
    boolean overwrite;

    @Option(names = "--stats", description = "record DL4J's Spark training timeline into training-stats.html")
    boolean stats;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One {@code --key VALUE} option per configuration key, so flags and config files never drift apart. */
    static void addConfigOptions(CommandLine train) {
        for (String key : ConfigLoader.KEYS) {
            train.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("--" + key)
                    .paramLabel("VALUE").type(String.class).description(ConfigLoader.describe(key)).build());
        }
    }

    @Override
    public Integer call() {
        Map<String, String> flags = new LinkedHashMap<>();
        for (String key : ConfigLoader.KEYS) {
            String value = spec.findOption("--" + key).getValue();
            if (value != null) {
                flags.put(key, value);
            }
        }
        if (resume && overwrite) {
            throw new ConfigException("--resume and --overwrite exclude each other: resume a run or replace it");
        }
        if (resume && !flags.containsKey("out")) {
            throw new ConfigException("--resume needs --out with the run directory to continue");
        }
        TrainConfig config = ConfigLoader.load(configFile, flags);
        String corpusUri = new CorpusLocator().resolve(config.corpus());
        RunDirectory.Mode mode = resume ? RunDirectory.Mode.RESUME : overwrite ? RunDirectory.Mode.OVERWRITE : RunDirectory.Mode.NEW;
        RunDirectory run = RunDirectory.prepare(config.out(), SparkContexts.hadoopConfiguration(), mode);
        try (JavaSparkContext sc = SparkContexts.create("lstm-spark train", config.master())) {
            train(sc, config, corpusUri, run, resume, stats, spec.commandLine().getOut());
        }
        return 0;
    }

    /**
     * The whole training run: data, vocabulary, epochs with their metrics, samples and checkpoints, the saved model.
     *
     * @param resume continue from the run directory's newest checkpoint instead of a fresh network
     * @param stats  also record DL4J's Spark training timeline into {@code training-stats.html}
     * @return the trained network
     */
    public static MultiLayerNetwork train(JavaSparkContext sc, TrainConfig config, String corpusUri, RunDirectory run,
                                          boolean resume, boolean stats, PrintWriter out) {
        TrainingData data = TrainingData.load(sc, corpusUri, config.corpus(), config);
        try {
            SparkTrainer trainer = new SparkTrainer(sc, config);
            trainer.setProgressListener(TerminalProgress.forConsole());
            trainer.setCollectStats(stats);
            MultiLayerNetwork network;
            int firstEpoch = 1;
            if (resume) {
                RunDirectory.Checkpoint checkpoint = run.restoreLatestCheckpoint().orElseThrow(() ->
                        new IllegalArgumentException("out directory " + run.path() + " holds no checkpoint to resume from"));
                requireSameTraining(checkpoint, config, data, run);
                network = checkpoint.network();
                firstEpoch = checkpoint.epoch() + 1;
                LOG.info("resuming {} after epoch {} of {}", run.path(), checkpoint.epoch(), config.epochs());
            } else {
                network = trainer.newNetwork(data.vocabulary().size());
            }
            run.writeConfig(config);
            run.writeVocabulary(data.vocabulary());
            LOG.info("corpus {}: {} tokens ({} training, {} held out), vocabulary {}; {} workers, minibatches {} x {}, out {}",
                    config.corpus(), data.corpus().size(), data.trainTokens(), data.valTokens(), data.vocabulary().size(),
                    trainer.workers(), config.batchSize(), config.numSteps(), run.path());
            MultiLayerNetwork trained = trainer.fit(data, network, firstEpoch, listeners(config, data, run, trainer.workers(), stats));
            run.writeModel(trained);
            if (stats) {
                exportTrainingStats(trainer, run);
            }
            out.println(samples(trained, data, config, config.epochs()).stripTrailing());
            out.println("model saved to " + run.path());
            out.flush();
            return trained;
        } finally {
            data.corpus().unpersist();
        }
    }

    /** DL4J's own HTML timeline of the Spark training: per-worker fit, averaging and broadcast times. */
    private static void exportTrainingStats(SparkTrainer trainer, RunDirectory run) {
        try {
            // Rendered in memory and written like every other run file: atomically, and without a .crc beside it.
            java.io.ByteArrayOutputStream html = new java.io.ByteArrayOutputStream();
            org.deeplearning4j.spark.stats.StatsUtils.exportStatsAsHTML(trainer.trainingStats(), html);
            run.writeFile(TRAINING_STATS_FILE, html.toByteArray());
        } catch (Exception e) {
            LOG.warn("cannot write {}: {}", TRAINING_STATS_FILE, e.toString());
        }
    }

    /** Console line, metrics, samples, plot and report, checkpoint, in that order: a checkpoint includes its epoch's metrics. */
    private static List<EpochListener> listeners(TrainConfig config, TrainingData data, RunDirectory run, int workers,
                                                 boolean stats) {
        List<EpochListener> listeners = new ArrayList<>();
        listeners.add((metrics, net) -> LOG.info(metrics.toConsoleLine(config.epochs())));
        listeners.add((metrics, net) -> run.appendMetrics(metrics));
        listeners.add((metrics, net) -> {
            boolean last = metrics.epoch() == config.epochs();
            if (last || (config.sampleEvery() > 0 && metrics.epoch() % config.sampleEvery() == 0)) {
                String samples = samples(net, data, config, metrics.epoch());
                run.appendSamples(samples);
                if (!last) {
                    samples.lines().forEach(LOG::info);
                }
            }
        });
        listeners.add(ReportWriter.forRun(config, run, workers, stats ? TRAINING_STATS_FILE : null));
        listeners.add((metrics, net) -> {
            if (metrics.epoch() % config.checkpointEvery() == 0 || metrics.epoch() == config.epochs()) {
                run.writeCheckpoint(metrics.epoch(), net, data.vocabulary(), config, config.keep());
            }
        });
        return listeners;
    }

    /** A resumed run must train exactly what the interrupted one did; only epochs and reporting may change. */
    private static void requireSameTraining(RunDirectory.Checkpoint checkpoint, TrainConfig config, TrainingData data,
                                            RunDirectory run) {
        Properties before = checkpoint.config().toProperties();
        Properties now = config.toProperties();
        TreeSet<String> changed = new TreeSet<>();
        for (String key : ConfigLoader.KEYS) {
            if (!TrainConfig.RESUMABLE_CHANGES.contains(key) && !before.getProperty(key).equals(now.getProperty(key))) {
                changed.add(key + " (" + before.getProperty(key) + " -> " + now.getProperty(key) + ")");
            }
        }
        if (!changed.isEmpty()) {
            throw new ConfigException("--resume with settings that differ from the run in " + run.path() + ": "
                    + String.join(", ", changed) + "; pass the same flags as the interrupted run");
        }
        if (!checkpoint.vocabulary().equals(data.vocabulary())) {
            throw new CorpusException("--resume on a corpus whose vocabulary differs from the run in " + run.path()
                    + ": resume on the corpus the run was trained on");
        }
        if (checkpoint.epoch() >= config.epochs()) {
            LOG.info("the checkpoint is already at epoch {} of {}: nothing left to train", checkpoint.epoch(), config.epochs());
        }
    }

    private static String samples(MultiLayerNetwork net, TrainingData data, TrainConfig config, int epoch) {
        StringBuilder sb = new StringBuilder();
        for (String prefix : config.samplePrefixes()) {
            String text = TextGenerator.generate(net, data.vocabulary(), prefix, config.sampleLength(), 0, config.seed());
            sb.append("epoch ").append(epoch).append(" | ").append(text).append('\n');
        }
        return sb.toString();
    }
}
