package dev.lstmspark.cli;

import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.corpus.CorpusLocator;
import dev.lstmspark.generation.TextGenerator;
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
import java.util.concurrent.Callable;

/** {@code train}: reads the corpus with Spark, trains with parameter averaging, writes the run directory. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train an LSTM language model on a corpus with Spark.")
public final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);

    @Option(names = "--config", paramLabel = "FILE", description = "a .properties preset, e.g. conf/d2l-lstm.properties")
    Path configFile;

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
        TrainConfig config = ConfigLoader.load(configFile, flags);
        String corpusUri = new CorpusLocator().resolve(config.corpus());
        RunDirectory run = RunDirectory.create(Path.of(config.out()));
        try (JavaSparkContext sc = SparkContexts.create("lstm-spark train", config.master())) {
            train(sc, config, corpusUri, run, spec.commandLine().getOut());
        }
        return 0;
    }

    /**
     * The whole training run: data, vocabulary, epochs with their metrics and samples, the saved model.
     *
     * @return the trained network
     */
    public static MultiLayerNetwork train(JavaSparkContext sc, TrainConfig config, String corpusUri, RunDirectory run,
                                          PrintWriter out) {
        TrainingData data = TrainingData.load(sc, corpusUri, config.corpus(), config);
        try {
            run.writeConfig(config);
            run.writeVocabulary(data.vocabulary());
            SparkTrainer trainer = new SparkTrainer(sc, config);
            LOG.info("corpus {}: {} tokens ({} training, {} held out), vocabulary {}; {} workers, minibatches {} x {}, out {}",
                    config.corpus(), data.corpus().size(), data.trainTokens(), data.valTokens(), data.vocabulary().size(),
                    trainer.workers(), config.batchSize(), config.numSteps(), run.path());
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
            MultiLayerNetwork net = trainer.fit(data, trainer.newNetwork(data.vocabulary().size()), listeners);
            run.writeModel(net);
            out.println(samples(net, data, config, config.epochs()).stripTrailing());
            out.println("model saved to " + run.path());
            out.flush();
            return net;
        } finally {
            data.corpus().unpersist();
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
