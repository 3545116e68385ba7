package dev.lstmspark.cli;

import dev.lstmspark.config.ConfigException;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.Setting;
import dev.lstmspark.config.Settings;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.corpus.CorpusLocator;
import dev.lstmspark.run.SparkContexts;
import dev.lstmspark.run.TrainingRun;
import dev.lstmspark.store.RunDirectory;
import dev.lstmspark.store.RunLayout;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code train}: resolves the settings and the run directory, then hands over to {@link TrainingRun}. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train an LSTM or GRU language model on a corpus with Spark.")
public final class TrainCommand implements Callable<Integer> {

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

    /** One {@code --key VALUE} option per setting, so flags and config files never drift apart. */
    static void addConfigOptions(CommandLine train) {
        for (Setting<?> setting : Settings.ALL) {
            train.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("--" + setting.key())
                    .paramLabel("VALUE").type(String.class).description(setting.description()).build());
        }
    }

    @Override
    public Integer call() {
        Map<String, String> flags = new LinkedHashMap<>();
        for (String key : Settings.keys()) {
            String value = spec.findOption("--" + key).getValue();
            if (value != null) {
                flags.put(key, value);
            }
        }
        if (resume && overwrite) {
            throw new ConfigException("--resume and --overwrite exclude each other: resume a run or replace it");
        }
        if (resume && !flags.containsKey(Settings.OUT.key())) {
            throw new ConfigException("--resume needs --out with the run directory to continue");
        }
        // A resume without --config continues with the run's own settings (nanoGPT's way: the run directory knows
        // how it was trained), so `train --out DIR --resume` is enough; flags given still win, and TrainingRun
        // refuses those that may not change on resume. With --config, the preset and flags are the settings.
        boolean fromStoredSettings = resume && configFile == null;
        TrainConfig given = fromStoredSettings ? null : ConfigLoader.load(configFile, flags);
        String out = fromStoredSettings ? flags.get(Settings.OUT.key()) : given.out();
        String corpusUri = given == null ? null : new CorpusLocator().resolve(given.corpus());
        RunDirectory.Mode mode = resume ? RunDirectory.Mode.RESUME : overwrite ? RunDirectory.Mode.OVERWRITE : RunDirectory.Mode.NEW;
        // The run directory is checked and locked before Spark starts: a refusal should cost nothing.
        try (RunDirectory run = RunDirectory.prepare(out, SparkContexts.hadoopConfiguration(), mode)) {
            TrainConfig config = given != null ? given : storedSettingsWith(run, flags);
            if (corpusUri == null) {
                corpusUri = new CorpusLocator().resolve(config.corpus());
            }
            try (JavaSparkContext sc = SparkContexts.create("lstm-spark train", config.master())) {
                new TrainingRun(config, corpusUri, run, resume, stats).train(sc, spec.commandLine().getOut());
            }
        }
        return 0;
    }

    /** The interrupted run's stored settings, then {@code flags}. */
    private static TrainConfig storedSettingsWith(RunDirectory run, Map<String, String> flags) {
        String origin = run.path() + "/" + RunLayout.CONFIG;
        Properties stored = run.storedConfig().orElseThrow(() -> new ConfigException("--resume without --config reads"
                + " the run's settings from " + origin + ", which is missing: pass the interrupted run's --config and flags"));
        return ConfigLoader.resumed(stored, origin, flags);
    }
}
