package dev.lstmspark.config;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The table of every training setting: key, default, description, parser with its validation, and whether
 * {@code --resume} may change it. The order is the README's and {@link TrainConfig}'s component order.
 *
 * <p>The defaults are the preset the README's main command runs (about ten minutes on two cores while visibly
 * learning); {@code conf/d2l-lstm.properties} reproduces the d2l chapter instead.
 */
public final class Settings {

    public static final Setting<String> CORPUS = text("corpus", "data/timemachine.txt",
            "what to train on: a file, folder or glob, a local path or any Hadoop URI (file:, hdfs:, s3a: where the"
                    + " cluster has hadoop-aws), or table:NAME, a table or view of the Spark session's catalog",
            "give a path or URI of the corpus, or table:NAME");
    public static final Setting<CorpusFormat> CORPUS_FORMAT = choice("corpus-format", CorpusFormat.TEXT, CorpusFormat.class,
            "how corpus files are read: text (lines of plain or gzip text), or parquet, orc, json (JSON Lines) or csv"
                    + " (header row) with the text in text-column");
    public static final Setting<String> TEXT_COLUMN = text("text-column", "text",
            "column holding the text of parquet, orc, json and csv corpora and of table: corpora; null rows are skipped",
            "name the string column that holds the text");
    public static final Setting<String> ORDER_COLUMN = new Setting<>("order-column", "",
            "column whose order is the corpus's order (ties broken by the text) for tables; empty: the files' order"
                    + " (by path, rows as stored), or the row order Spark gives a table: view",
            (key, text) -> text, Function.identity(), false);
    public static final Setting<Preprocessing> PREPROCESS = choice("preprocess", Preprocessing.D2L, Preprocessing.class,
            "d2l (ASCII letters lower-cased, the rest one space), lower (Unicode letters, digits, punctuation and"
                    + " symbols lower-cased, whitespace one space) or raw (the text as it is, new lines included, NFC)");
    public static final Setting<TokenKind> TOKENS = choice("tokens", TokenKind.CHAR, TokenKind.class,
            "char (one token per Unicode code point) or word (whitespace-separated words)");
    public static final Setting<Integer> MIN_FREQ = integer("min-freq", 0, 0, "tokens seen fewer times become <unk>");
    public static final Setting<Integer> MAX_VOCAB = new Setting<>("max-vocab", "0",
            "largest vocabulary, <unk> included: the max-vocab - 1 most frequent tokens are kept, the rest become"
                    + " <unk>; 0: no limit",
            Settings::maxVocab, v -> Integer.toString(v), false);
    public static final Setting<Integer> BATCH_SIZE = integer("batch-size", 32, 1, "sequences per minibatch, per worker");
    public static final Setting<Integer> NUM_STEPS = integer("num-steps", 35, 1, "time steps per sequence");
    public static final Setting<Sampling> SAMPLING = choice("sampling", Sampling.RANDOM, Sampling.class,
            "random (d2l seq_data_iter_random) or sequential (state carried by truncated BPTT)");
    public static final Setting<Integer> HIDDEN = integer("hidden", 256, 1, "hidden units per layer");
    public static final Setting<Integer> LAYERS = integer("layers", 1, 1, "stacked recurrent layers");
    public static final Setting<CellType> CELL = choice("cell", CellType.LSTM, CellType.class,
            "recurrent cell of every layer: lstm or gru");
    public static final Setting<Kernels> KERNELS = choice("kernels", Kernels.AUTO, Kernels.class,
            "implementation of the recurrent layers: auto (fused on ND4J's CPU backend, stock elsewhere), fused (this"
                    + " project's fused LSTM and GRU, CPU only) or stock (DL4J's LSTM, the GRU built from ND4J operations)");
    public static final Setting<Double> FORGET_GATE_BIAS = real("forget-gate-bias", "0", Settings::finite,
            "initial forget-gate bias of LSTM cells (d2l: 0); must be 0 with cell gru");
    public static final Setting<Double> INIT_STD = real("init-std", "0.01", Settings::positive,
            "standard deviation of the normal weight initialization (d2l: 0.01)");
    public static final Setting<Double> LR = real("lr", "1", Settings::positive, "SGD learning rate");
    public static final Setting<Double> CLIP = real("clip", "1", Settings::nonNegative,
            "maximum global L2 norm of the gradient; 0 turns clipping off");
    public static final Setting<Integer> EPOCHS = integer("epochs", 60, 1, "passes over the training tokens")
            .mayChangeOnResume();
    public static final Setting<OptionalDouble> TARGET_PERPLEXITY = new Setting<>("target-perplexity", "",
            "stop (and save) after the first epoch whose perplexity (validation when held out, else training) is at"
                    + " most this; empty: train all epochs",
            Settings::targetPerplexity, v -> v.isPresent() ? Double.toString(v.getAsDouble()) : "", true);
    public static final Setting<Long> SEED = new Setting<>("seed", "42", "seed of weights, window offsets and shuffles",
            Settings::wholeLong, v -> Long.toString(v), false);
    public static final Setting<Integer> WORKERS = integer("workers", 0, 0,
            "parallel workers for parameter averaging; 0 means Spark's default parallelism");
    public static final Setting<OptionalInt> AVERAGING_FREQUENCY = autoOrPositive("averaging-frequency",
            "minibatches each worker fits between parameter averages; auto = " + TrainConfig.AUTO_MINIBATCHES_PER_ROUND
                    + " / workers, at least 1 and at most " + TrainConfig.AUTO_MAX_AVERAGING_FREQUENCY + " ("
                    + TrainConfig.AUTO_MAX_AVERAGING_FREQUENCY_SEQUENTIAL + " with sequential sampling, where a round"
                    + " is also a state's run)");
    public static final Setting<OptionalInt> STATE_MINIBATCHES = autoOrPositive("state-minibatches",
            "with sequential sampling: consecutive minibatches one recurrent state runs through before it is reset;"
                    + " auto = a worker's whole averaging round, the most it can be (workers' states are not averaged);"
                    + " must divide averaging-frequency");
    public static final Setting<Integer> STATE_WARMUP = integer("state-warmup", 0, 0,
            "with sequential sampling: minibatches of the preceding text each packed sequence first runs its state"
                    + " through, unpredicted (a stand-in for carrying the state over from the sequence before); 0 = start"
                    + " from a zero state");
    public static final Setting<OptionalDouble> BLOCK_MOMENTUM = new Setting<>("block-momentum", "auto",
            "block momentum between averaging rounds (BMUF): auto = 1 - 1/workers, or a number in [0, 1); 0 (with"
                    + " block-lr auto or 1) is plain parameter averaging",
            Settings::blockMomentum, v -> v.isPresent() ? Double.toString(v.getAsDouble()) : "auto", false);
    public static final Setting<OptionalDouble> BLOCK_LR = new Setting<>("block-lr", "auto",
            "block learning rate: the weight of each round's averaged update in block momentum (BMUF's zeta); auto ="
                    + " " + TrainConfig.AUTO_BLOCK_LR + " while block momentum is on, 1 when it is 0 (one worker, or"
                    + " plain averaging)",
            Settings::blockLr, v -> v.isPresent() ? Double.toString(v.getAsDouble()) : "auto", false);
    public static final Setting<Boolean> BLOCK_NESTEROV = new Setting<>("block-nesterov", "true",
            "block momentum broadcasts the Nesterov look-ahead W + momentum * delta (true) or W (false)",
            Settings::bool, b -> Boolean.toString(b), false);
    public static final Setting<Double> VAL_FRACTION = real("val-fraction", "0.1", Settings::fraction,
            "fraction of the corpus tail held out for validation, in [0, 1)");
    public static final Setting<String> OUT = new Setting<>("out", "",
            "run directory for metrics, model and samples; empty means runs/<date>-<time>",
            (key, text) -> text.isEmpty()
                    ? "runs/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) : text,
            Function.identity(), true);
    public static final Setting<String> MASTER = text("master", "local[*]", "Spark master when spark-submit has not set one",
            "use local[*], local[N] or a cluster URL").mayChangeOnResume();
    public static final Setting<List<String>> SAMPLE_PREFIXES = new Setting<>("sample-prefixes", "time traveller,traveller",
            "comma-separated prefixes to generate from",
            (key, text) -> Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
            prefixes -> String.join(",", prefixes), true);
    public static final Setting<Integer> SAMPLE_LENGTH = integer("sample-length", 50, 0, "tokens generated after each prefix")
            .mayChangeOnResume();
    public static final Setting<Integer> SAMPLE_EVERY = integer("sample-every", 1, 0,
            "print samples every N epochs; 0 only after training").mayChangeOnResume();
    public static final Setting<Integer> CHECKPOINT_EVERY = integer("checkpoint-every", 1, 1,
            "write a checkpoint every N epochs (and after the last)").mayChangeOnResume();
    public static final Setting<Integer> KEEP = integer("keep", 2, 1, "checkpoints kept, newest first").mayChangeOnResume();
    public static final Setting<PlotScale> PLOT_SCALE = choice("plot-scale", PlotScale.LOG, PlotScale.class,
            "perplexity axis of perplexity.png: log or linear").mayChangeOnResume();

    /** Every setting, in {@link TrainConfig}'s component order, which is also the README's. */
    public static final List<Setting<?>> ALL = List.of(CORPUS, CORPUS_FORMAT, TEXT_COLUMN, ORDER_COLUMN, PREPROCESS,
            TOKENS, MIN_FREQ, MAX_VOCAB, BATCH_SIZE, NUM_STEPS, SAMPLING, HIDDEN, LAYERS, CELL, KERNELS, FORGET_GATE_BIAS,
            INIT_STD, LR, CLIP, EPOCHS, TARGET_PERPLEXITY, SEED, WORKERS, AVERAGING_FREQUENCY, STATE_MINIBATCHES, STATE_WARMUP,
            BLOCK_MOMENTUM, BLOCK_LR, BLOCK_NESTEROV,
            VAL_FRACTION,
            OUT, MASTER, SAMPLE_PREFIXES, SAMPLE_LENGTH, SAMPLE_EVERY, CHECKPOINT_EVERY, KEEP, PLOT_SCALE);

    private static final Map<String, Setting<?>> BY_KEY = byKey();

    private Settings() {
    }

    /** The setting named {@code key}, or {@code null}. */
    public static Setting<?> named(String key) {
        return BY_KEY.get(key);
    }

    /** Every key, in order. */
    public static List<String> keys() {
        return ALL.stream().map(Setting::key).toList();
    }

    /**
     * Rules that involve more than one setting, checked once every value is parsed.
     *
     * @throws ConfigException naming the keys and the fix
     */
    static void checkCombination(TrainConfig config) {
        if (CorpusFormat.isTable(config.corpus()) && config.corpusFormat() != CorpusFormat.TEXT) {
            throw new ConfigException("corpus-format " + config.corpusFormat().key() + " applies to files, but corpus "
                    + config.corpus() + " is read from the Spark catalog: drop corpus-format");
        }
        if (!config.orderColumn().isEmpty() && !config.corpusFormat().isTabular() && !CorpusFormat.isTable(config.corpus())) {
            throw new ConfigException("order-column " + config.orderColumn() + " applies to tables, but corpus-format text"
                    + " is read in the order of its files and lines: drop order-column, or set corpus-format");
        }
        if (config.stateMinibatches().isPresent() && config.sampling() != Sampling.SEQUENTIAL) {
            throw new ConfigException("state-minibatches " + config.stateMinibatches().getAsInt() + " applies to sampling"
                    + " sequential; with random sampling every minibatch starts from a zero state: drop it, or set"
                    + " sampling sequential");
        }
        if (config.stateWarmup() > 0 && config.sampling() != Sampling.SEQUENTIAL) {
            throw new ConfigException("state-warmup " + config.stateWarmup() + " applies to sampling sequential; with"
                    + " random sampling no minibatch continues the text of another: drop it, or set sampling sequential");
        }
        if (config.stateMinibatches().isPresent() && config.averagingFrequency().isPresent()
                && config.averagingFrequency().getAsInt() % config.stateMinibatches().getAsInt() != 0) {
            throw new ConfigException(stateDoesNotDivide(config.stateMinibatches().getAsInt(),
                    config.averagingFrequency().getAsInt(), false));
        }
        if (config.cell() == CellType.GRU && config.forgetGateBias() != 0) {
            throw new ConfigException("forget-gate-bias " + java.math.BigDecimal.valueOf(config.forgetGateBias()).stripTrailingZeros().toPlainString()
                    + " applies only to cell lstm: a GRU has no forget gate; remove it or set it to 0");
        }
    }

    /** The one line for a state-minibatches that does not divide the (set or auto) averaging frequency. */
    public static String stateDoesNotDivide(int state, int averagingFrequency, boolean auto) {
        return "state-minibatches " + state + " must divide averaging-frequency " + averagingFrequency
                + (auto ? " (auto for these workers)" : "") + ": a recurrent state cannot outlive an averaging round;"
                + " choose a divisor of " + averagingFrequency + (auto ? ", or set averaging-frequency" : "");
    }

    private static Map<String, Setting<?>> byKey() {
        Map<String, Setting<?>> map = new LinkedHashMap<>();
        for (Setting<?> s : ALL) {
            if (map.put(s.key(), s) != null) {
                throw new IllegalStateException("setting " + s.key() + " is listed twice");
            }
        }
        return map;
    }

    private static Setting<String> text(String key, String defaultValue, String description, String fix) {
        return new Setting<>(key, defaultValue, description, (k, text) -> {
            if (text.isEmpty()) {
                throw new ConfigException(k + " must not be empty: " + fix);
            }
            return text;
        }, Function.identity(), false);
    }

    private static Setting<Integer> integer(String key, int defaultValue, int min, String description) {
        return new Setting<>(key, Integer.toString(defaultValue), description, (k, text) -> {
            int value;
            try {
                value = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new ConfigException(k + " must be a whole number, got '" + text + "'");
            }
            if (value < min) {
                throw new ConfigException(k + " must be " + (min == 1 ? "positive" : "at least " + min) + ", got " + value);
            }
            return value;
        }, v -> Integer.toString(v), false);
    }

    private static Setting<Double> real(String key, String defaultValue, Setting.Parser<Double> check, String description) {
        return new Setting<>(key, defaultValue, description, (k, text) -> check.parse(k, text), v -> Double.toString(v), false);
    }

    private static <E extends Enum<E>> Setting<E> choice(String key, E defaultValue, Class<E> type, String description) {
        return new Setting<>(key, defaultValue.name().toLowerCase(Locale.ROOT), description, (k, text) -> {
            try {
                return Enum.valueOf(type, text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                Set<String> allowed = new TreeSet<>();
                for (E constant : type.getEnumConstants()) {
                    allowed.add(constant.name().toLowerCase(Locale.ROOT));
                }
                throw new ConfigException(k + " must be one of " + allowed + ", got '" + text + "'");
            }
        }, v -> v.name().toLowerCase(Locale.ROOT), false);
    }

    private static int maxVocab(String key, String text) {
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + text + "'");
        }
        if (value != 0 && value < 2) {
            throw new ConfigException(key + " must be 0 (no limit) or at least 2 (<unk> and one token), got " + value);
        }
        return value;
    }

    private static OptionalDouble blockMomentum(String key, String text) {
        if (text.equalsIgnoreCase("auto")) {
            return OptionalDouble.empty();
        }
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be auto or a number in [0, 1), got '" + text + "'");
        }
        if (!(value >= 0 && value < 1)) {
            throw new ConfigException(key + " must be auto or a number in [0, 1), got " + text
                    + ": at 1 or more the updates never decay and training diverges");
        }
        return OptionalDouble.of(value);
    }

    /** A whole-number setting, default {@code auto} (empty: the run derives it), that must otherwise be positive. */
    private static Setting<OptionalInt> autoOrPositive(String key, String description) {
        return new Setting<>(key, "auto", description, (k, text) -> {
            if (text.equalsIgnoreCase("auto")) {
                return OptionalInt.empty();
            }
            int value;
            try {
                value = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new ConfigException(k + " must be auto or a whole number, got '" + text + "'");
            }
            if (value < 1) {
                throw new ConfigException(k + " must be auto or positive, got " + value);
            }
            return OptionalInt.of(value);
        }, v -> v.isPresent() ? Integer.toString(v.getAsInt()) : "auto", false);
    }

    private static OptionalDouble blockLr(String key, String text) {
        if (text.equalsIgnoreCase("auto")) {
            return OptionalDouble.empty();
        }
        try {
            Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be auto or a positive number, got '" + text + "'");
        }
        return OptionalDouble.of(positive(key, text));
    }

    private static OptionalDouble targetPerplexity(String key, String text) {
        if (text.isEmpty()) {
            return OptionalDouble.empty();
        }
        double value = finite(key, text);
        if (value <= 1) {
            throw new ConfigException(key + " must be greater than 1 (a perplexity is never below 1), got " + text
                    + "; leave it empty to train all epochs");
        }
        return OptionalDouble.of(value);
    }

    private static boolean bool(String key, String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(key + " must be true or false, got '" + text + "'");
        };
    }

    private static long wholeLong(String key, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + text + "'");
        }
    }

    static double finite(String key, String text) {
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a number, got '" + text + "'");
        }
        if (!Double.isFinite(value)) {
            throw new ConfigException(key + " must be a finite number, got '" + text + "'");
        }
        return value;
    }

    private static double positive(String key, String text) {
        double value = finite(key, text);
        if (value <= 0) {
            throw new ConfigException(key + " must be greater than 0, got " + text);
        }
        return value;
    }

    private static double nonNegative(String key, String text) {
        double value = finite(key, text);
        if (value < 0) {
            throw new ConfigException(key + " must be 0 (off) or greater, got " + text);
        }
        return value;
    }

    private static double fraction(String key, String text) {
        double value = finite(key, text);
        if (value < 0 || value >= 1) {
            throw new ConfigException(key + " must be in [0, 1), got " + text);
        }
        return value;
    }
}
