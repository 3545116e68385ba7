package dev.lstmspark.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Properties;

/**
 * Everything a training run needs, resolved and validated once by {@link ConfigLoader}.
 *
 * <p>Each component is one {@link Setting} of {@link Settings#ALL}, in the same order and named after its key
 * ({@code min-freq} is {@link #minFreq()}): the table holds the default, the documentation and the validation,
 * the record the typed value. A run directory keeps the settings as {@code config.properties}.
 */
public record TrainConfig(
        String corpus,
        CorpusFormat corpusFormat,
        String textColumn,
        String orderColumn,
        Preprocessing preprocess,
        TokenKind tokens,
        int minFreq,
        int maxVocab,
        int batchSize,
        int numSteps,
        Sampling sampling,
        int hidden,
        int layers,
        CellType cell,
        Kernels kernels,
        double forgetGateBias,
        double initStd,
        double lr,
        double clip,
        int epochs,
        OptionalDouble targetPerplexity,
        long seed,
        int workers,
        int averagingFrequency,
        OptionalDouble blockMomentum,
        double blockLr,
        boolean blockNesterov,
        double valFraction,
        String out,
        String master,
        List<String> samplePrefixes,
        int sampleLength,
        int sampleEvery,
        int checkpointEvery,
        int keep,
        PlotScale plotScale) {

    private static final RecordComponent[] COMPONENTS = TrainConfig.class.getRecordComponents();
    private static final Constructor<TrainConfig> CONSTRUCTOR = canonicalConstructor();

    public TrainConfig {
        samplePrefixes = List.copyOf(samplePrefixes);
    }

    /** The configuration whose settings have these parsed values, by key; every key of {@link Settings#ALL} is needed. */
    static TrainConfig of(Map<String, Object> values) {
        Object[] args = new Object[COMPONENTS.length];
        for (int i = 0; i < args.length; i++) {
            String key = Settings.ALL.get(i).key();
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("no value for setting " + key);
            }
            args[i] = values.get(key);
        }
        try {
            return CONSTRUCTOR.newInstance(args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The block momentum of a run with {@code workers} workers: the setting, or BMUF's {@code 1 - 1/workers} for
     * {@code auto} (0, plain averaging, for one worker).
     */
    public double blockMomentumFor(int workers) {
        return blockMomentum.orElse(1.0 - 1.0 / Math.max(1, workers));
    }

    /** The value of one setting. */
    public Object value(Setting<?> setting) {
        try {
            return COMPONENTS[Settings.ALL.indexOf(setting)].getAccessor().invoke(this);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The resolved configuration as the properties a run directory stores and {@link ConfigLoader} reads back. */
    public Properties toProperties() {
        Properties p = new Properties();
        for (Setting<?> setting : Settings.ALL) {
            p.setProperty(setting.key(), setting.format(value(setting)));
        }
        return p;
    }

    /** Fails at class initialization, and so in every test, if the record and the table of settings disagree. */
    private static Constructor<TrainConfig> canonicalConstructor() {
        if (COMPONENTS.length != Settings.ALL.size()) {
            throw new IllegalStateException("TrainConfig has " + COMPONENTS.length + " components but Settings.ALL lists "
                    + Settings.ALL.size() + " settings");
        }
        Class<?>[] types = new Class<?>[COMPONENTS.length];
        for (int i = 0; i < COMPONENTS.length; i++) {
            String expected = Settings.ALL.get(i).componentName();
            if (!COMPONENTS[i].getName().equals(expected)) {
                throw new IllegalStateException("TrainConfig component " + i + " is " + COMPONENTS[i].getName()
                        + " but Settings.ALL has " + Settings.ALL.get(i).key() + " there");
            }
            types[i] = COMPONENTS[i].getType();
        }
        try {
            return TrainConfig.class.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }
}
