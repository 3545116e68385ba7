package dev.lstmspark.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
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
        OptionalInt averagingFrequency,
        OptionalInt stateMinibatches,
        int stateWarmup,
        OptionalDouble blockMomentum,
        OptionalDouble blockLr,
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

    /**
     * {@code averaging-frequency auto}: each round fits about this many minibatches over all workers. On the d2l
     * setup with block momentum, 2 workers x 5, 4 x 5 and 8 x 2 minibatches per round kept epoch-10 training
     * perplexity within 3.5% of one worker's; 8 x 5 fell 12% behind (README, Time to perplexity).
     */
    public static final int AUTO_MINIBATCHES_PER_ROUND = 20;

    /**
     * The most minibatches per worker {@code averaging-frequency auto} gives with random sampling. On two workers
     * the default run's 60 epochs ended at validation perplexity 5.11 with 5 and 5.23 with 10 (README, Time to
     * perplexity): a round only sets how far the workers drift apart.
     */
    public static final int AUTO_MAX_AVERAGING_FREQUENCY = 5;

    /**
     * The most with sequential sampling, where a worker's round is also how long its recurrent state runs: on two
     * workers 10 reached the d2l presets' perplexities in as many epochs or fewer than 5 (LSTM 1.3 at epoch 389
     * against 399, GRU 2 at 189 against 207) and, with half the rounds, sooner (1,134 s against 1,315; 453 against 565).
     */
    public static final int AUTO_MAX_AVERAGING_FREQUENCY_SEQUENTIAL = 10;

    /**
     * Minibatches each of {@code workers} workers fits between averages: the setting, or for {@code auto}
     * {@link #AUTO_MINIBATCHES_PER_ROUND} / workers, at least 1 and at most {@link #AUTO_MAX_AVERAGING_FREQUENCY}
     * ({@link #AUTO_MAX_AVERAGING_FREQUENCY_SEQUENTIAL} with sequential sampling).
     */
    public int averagingFrequencyFor(int workers) {
        int most = sampling == Sampling.SEQUENTIAL ? AUTO_MAX_AVERAGING_FREQUENCY_SEQUENTIAL : AUTO_MAX_AVERAGING_FREQUENCY;
        return averagingFrequency.orElse(Math.max(1, Math.min(most, AUTO_MINIBATCHES_PER_ROUND / Math.max(1, workers))));
    }

    /**
     * {@code block-lr auto} with more than one worker. BMUF's zeta = 1 with momentum 1 - 1/w moves the model
     * about as far per round as w workers' steps would, in the steady state; on the d2l setup it left epoch-10
     * training perplexity 2% behind one worker's at 2 workers, 10% at 4 and 12-22% at 8; 1.5, with
     * {@code averaging-frequency auto}, brought 2, 4 and 8 workers within 3.5% (README, Time to perplexity).
     */
    public static final double AUTO_BLOCK_LR = 1.5;

    /**
     * The block learning rate of a run with {@code workers} workers: the setting, or for {@code auto}
     * {@link #AUTO_BLOCK_LR} while block momentum is on and 1 when it is off (one worker: plain SGD, as d2l;
     * {@code block-momentum 0}: plain parameter averaging).
     */
    public double blockLrFor(int workers) {
        return blockLr.orElse(blockMomentumFor(workers) > 0 ? AUTO_BLOCK_LR : 1.0);
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
