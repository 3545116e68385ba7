package dev.lstmspark.config;

import java.util.List;
import java.util.Properties;

/**
 * Everything a training run needs, resolved and validated once by {@link ConfigLoader}.
 *
 * <p>The keys of {@link #toProperties()} are the kebab-case names users write in {@code conf/*.properties}
 * files and as command-line flags; a run directory keeps them as {@code config.properties}.
 */
public record TrainConfig(
        String corpus,
        TokenKind tokens,
        int minFreq,
        int batchSize,
        int numSteps,
        Sampling sampling,
        int hidden,
        int layers,
        CellType cell,
        double forgetGateBias,
        double initStd,
        double lr,
        double clip,
        int epochs,
        long seed,
        int workers,
        int averagingFrequency,
        double valFraction,
        String out,
        String master,
        List<String> samplePrefixes,
        int sampleLength,
        int sampleEvery,
        int checkpointEvery,
        int keep,
        boolean plotLogScale) {

    public TrainConfig {
        samplePrefixes = List.copyOf(samplePrefixes);
    }

    /** Keys that may differ between a run and its {@code --resume}: they do not change what is trained. */
    public static final java.util.Set<String> RESUMABLE_CHANGES = java.util.Set.of(
            "epochs", "out", "master", "sample-prefixes", "sample-length", "sample-every", "checkpoint-every", "keep", "plot-scale");

    /** The resolved configuration as the properties a run directory stores and {@link ConfigLoader} reads back. */
    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("corpus", corpus);
        p.setProperty("tokens", tokens.name().toLowerCase());
        p.setProperty("min-freq", Integer.toString(minFreq));
        p.setProperty("batch-size", Integer.toString(batchSize));
        p.setProperty("num-steps", Integer.toString(numSteps));
        p.setProperty("sampling", sampling.name().toLowerCase());
        p.setProperty("hidden", Integer.toString(hidden));
        p.setProperty("layers", Integer.toString(layers));
        p.setProperty("cell", cell.name().toLowerCase());
        p.setProperty("forget-gate-bias", Double.toString(forgetGateBias));
        p.setProperty("init-std", Double.toString(initStd));
        p.setProperty("lr", Double.toString(lr));
        p.setProperty("clip", Double.toString(clip));
        p.setProperty("epochs", Integer.toString(epochs));
        p.setProperty("seed", Long.toString(seed));
        p.setProperty("workers", Integer.toString(workers));
        p.setProperty("averaging-frequency", Integer.toString(averagingFrequency));
        p.setProperty("val-fraction", Double.toString(valFraction));
        p.setProperty("out", out);
        p.setProperty("master", master);
        p.setProperty("sample-prefixes", String.join(",", samplePrefixes));
        p.setProperty("sample-length", Integer.toString(sampleLength));
        p.setProperty("sample-every", Integer.toString(sampleEvery));
        p.setProperty("checkpoint-every", Integer.toString(checkpointEvery));
        p.setProperty("keep", Integer.toString(keep));
        p.setProperty("plot-scale", plotLogScale ? "log" : "linear");
        return p;
    }
}
