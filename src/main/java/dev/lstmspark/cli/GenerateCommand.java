package dev.lstmspark.cli;

import dev.lstmspark.config.ConfigException;
import dev.lstmspark.generation.TextGenerator;
import dev.lstmspark.run.SparkContexts;
import dev.lstmspark.store.SavedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code generate}: continues a prefix with a saved model; runs on the driver alone, no Spark needed. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a trained model.")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "run directory written by train")
    String model;

    @Option(names = "--prefix", required = true, paramLabel = "TEXT", description = "text to continue")
    String prefix;

    @Option(names = "--length", defaultValue = "50", paramLabel = "N", description = "tokens to generate (default ${DEFAULT-VALUE})")
    int length;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 for greedy decoding, else sampling temperature")
    double temperature;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "seed of the sampler")
    long seed;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(generate(model, prefix, length, temperature, seed));
        return 0;
    }

    public static String generate(String model, String prefix, int length, double temperature, long seed) {
        if (length < 0) {
            throw new ConfigException("--length must be 0 or more, got " + length);
        }
        SavedModel saved = SavedModel.load(model, SparkContexts.hadoopConfiguration());
        return TextGenerator.generate(saved.network(), saved.vocabulary(), prefix, length, temperature, seed);
    }
}
