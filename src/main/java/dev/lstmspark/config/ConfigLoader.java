package dev.lstmspark.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Resolves a {@link TrainConfig}: built-in defaults, then a properties file, then command-line flags.
 *
 * <p>Every key is checked here, before Spark starts: an unknown key or an out-of-range value is a
 * {@link ConfigException} whose message names the key, the value and what would be accepted.
 */
public final class ConfigLoader {

    /** Built-in defaults: the preset the README's main command runs (about ten minutes on two cores). */
    static final String DEFAULTS_RESOURCE = "/dev/lstmspark/config/defaults.properties";

    /** The keys a file or a flag may set, in the order the README documents them. */
    public static final List<String> KEYS = List.of(
            "corpus", "tokens", "min-freq", "batch-size", "num-steps", "sampling", "hidden", "layers", "cell",
            "forget-gate-bias", "init-std", "lr", "clip", "epochs", "seed", "workers", "averaging-frequency",
            "val-fraction", "out", "master", "sample-prefixes", "sample-length", "sample-every", "checkpoint-every", "keep", "plot-scale");

    private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry("corpus", "text file or directory: a local path or any Hadoop URI (file:, hdfs:, s3a:)"),
            Map.entry("tokens", "char (one token per character) or word (whitespace-separated words)"),
            Map.entry("min-freq", "tokens seen fewer times become <unk>"),
            Map.entry("batch-size", "sequences per minibatch, per worker"),
            Map.entry("num-steps", "time steps per sequence"),
            Map.entry("sampling", "random (d2l seq_data_iter_random) or sequential (state carried by truncated BPTT)"),
            Map.entry("hidden", "hidden units per layer"),
            Map.entry("layers", "stacked recurrent layers"),
            Map.entry("cell", "recurrent cell of every layer: lstm or gru"),
            Map.entry("forget-gate-bias", "initial forget-gate bias of LSTM cells (d2l: 0); must be 0 with cell gru"),
            Map.entry("init-std", "standard deviation of the normal weight initialization"),
            Map.entry("lr", "SGD learning rate"),
            Map.entry("clip", "maximum global L2 norm of the gradient; 0 turns clipping off"),
            Map.entry("epochs", "passes over the training tokens"),
            Map.entry("seed", "seed of weights, offsets and shuffles"),
            Map.entry("workers", "parallel workers for parameter averaging; 0 means Spark's default parallelism"),
            Map.entry("averaging-frequency", "minibatches each worker fits between parameter averages"),
            Map.entry("val-fraction", "fraction of the corpus tail held out for validation, in [0, 1)"),
            Map.entry("out", "run directory for metrics, model and samples; empty means runs/<date>-<time>"),
            Map.entry("master", "Spark master when spark-submit has not set one"),
            Map.entry("sample-prefixes", "comma-separated prefixes to generate from"),
            Map.entry("sample-length", "tokens generated after each prefix"),
            Map.entry("sample-every", "print samples every N epochs; 0 only after training"),
            Map.entry("checkpoint-every", "write a checkpoint every N epochs (and after the last)"),
            Map.entry("keep", "checkpoints kept, newest first"),
            Map.entry("plot-scale", "perplexity axis of perplexity.png: log or linear"));

    private ConfigLoader() {
    }

    /** One line of help for a key, for the command line and the README. */
    public static String describe(String key) {
        return DESCRIPTIONS.getOrDefault(key, "");
    }

    /**
     * @param configFile a {@code .properties} file, or {@code null} for defaults only
     * @param flags      values given on the command line, by key; they win over the file
     */
    public static TrainConfig load(Path configFile, Map<String, String> flags) {
        Map<String, String> values = new LinkedHashMap<>(defaults());
        if (configFile != null) {
            values.putAll(readFile(configFile));
        }
        flags.forEach((key, value) -> {
            requireKnown(key, "on the command line");
            values.put(key, value);
        });
        return resolve(values);
    }

    /** Reads back the {@code config.properties} a run directory holds. */
    public static TrainConfig fromProperties(Properties properties, String origin) {
        Map<String, String> values = new LinkedHashMap<>(defaults());
        for (String key : properties.stringPropertyNames()) {
            requireKnown(key, "in " + origin);
            values.put(key, properties.getProperty(key));
        }
        return resolve(values);
    }

    static Map<String, String> defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULTS_RESOURCE);
            }
            Properties p = new Properties();
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            Map<String, String> map = new LinkedHashMap<>();
            for (String key : KEYS) {
                String v = p.getProperty(key);
                if (v == null) {
                    throw new IllegalStateException(DEFAULTS_RESOURCE + " lacks key " + key);
                }
                map.put(key, v);
            }
            return map;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
        }
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " does not exist: pass --config with a path to a .properties file, e.g. conf/d2l-lstm.properties");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            requireKnown(key, "in " + file);
            map.put(key, p.getProperty(key).trim());
        }
        return map;
    }

    private static void requireKnown(String key, String where) {
        if (!KEYS.contains(key)) {
            throw new ConfigException("unknown config key '" + key + "' " + where + "; known keys: " + String.join(", ", KEYS));
        }
    }

    private static TrainConfig resolve(Map<String, String> v) {
        String out = v.get("out").trim();
        if (out.isEmpty()) {
            out = "runs/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        }
        String corpus = v.get("corpus").trim();
        if (corpus.isEmpty()) {
            throw new ConfigException("corpus must not be empty: give a path or URI of a UTF-8 text file");
        }
        String master = v.get("master").trim();
        if (master.isEmpty()) {
            throw new ConfigException("master must not be empty: use local[*], local[N] or a cluster URL");
        }
        CellType cell = enumValue(v, "cell", CellType.class);
        double forgetGateBias = finiteDouble(v, "forget-gate-bias");
        if (cell == CellType.GRU && forgetGateBias != 0) {
            throw new ConfigException("forget-gate-bias " + v.get("forget-gate-bias").trim()
                    + " applies only to cell lstm: a GRU has no forget gate; remove it or set it to 0");
        }
        List<String> prefixes = Arrays.stream(v.get("sample-prefixes").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new TrainConfig(
                corpus,
                enumValue(v, "tokens", TokenKind.class),
                intAtLeast(v, "min-freq", 0),
                intAtLeast(v, "batch-size", 1),
                intAtLeast(v, "num-steps", 1),
                enumValue(v, "sampling", Sampling.class),
                intAtLeast(v, "hidden", 1),
                intAtLeast(v, "layers", 1),
                cell,
                forgetGateBias,
                positiveDouble(v, "init-std"),
                positiveDouble(v, "lr"),
                nonNegativeDouble(v, "clip"),
                intAtLeast(v, "epochs", 1),
                longValue(v, "seed"),
                intAtLeast(v, "workers", 0),
                intAtLeast(v, "averaging-frequency", 1),
                fraction(v, "val-fraction"),
                out,
                master,
                prefixes,
                intAtLeast(v, "sample-length", 0),
                intAtLeast(v, "sample-every", 0),
                intAtLeast(v, "checkpoint-every", 1),
                intAtLeast(v, "keep", 1),
                oneOf(v, "plot-scale", "log", "linear").equals("log"));
    }

    private static int intAtLeast(Map<String, String> v, String key, int min) {
        String raw = v.get(key).trim();
        int value;
        try {
            value = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + raw + "'");
        }
        if (value < min) {
            throw new ConfigException(key + " must be " + (min == 1 ? "positive" : "at least " + min) + ", got " + value);
        }
        return value;
    }

    private static long longValue(Map<String, String> v, String key) {
        String raw = v.get(key).trim();
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + raw + "'");
        }
    }

    private static double finiteDouble(Map<String, String> v, String key) {
        String raw = v.get(key).trim();
        double value;
        try {
            value = Double.parseDouble(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a number, got '" + raw + "'");
        }
        if (!Double.isFinite(value)) {
            throw new ConfigException(key + " must be a finite number, got '" + raw + "'");
        }
        return value;
    }

    private static double positiveDouble(Map<String, String> v, String key) {
        double value = finiteDouble(v, key);
        if (value <= 0) {
            throw new ConfigException(key + " must be greater than 0, got " + v.get(key).trim());
        }
        return value;
    }

    private static double nonNegativeDouble(Map<String, String> v, String key) {
        double value = finiteDouble(v, key);
        if (value < 0) {
            throw new ConfigException(key + " must be 0 (off) or greater, got " + v.get(key).trim());
        }
        return value;
    }

    private static double fraction(Map<String, String> v, String key) {
        double value = finiteDouble(v, key);
        if (value < 0 || value >= 1) {
            throw new ConfigException(key + " must be in [0, 1), got " + v.get(key).trim());
        }
        return value;
    }

    private static String oneOf(Map<String, String> v, String key, String... allowed) {
        String raw = v.get(key).trim().toLowerCase(Locale.ROOT);
        if (!java.util.Arrays.asList(allowed).contains(raw)) {
            throw new ConfigException(key + " must be one of " + java.util.Arrays.toString(allowed) + ", got '" + v.get(key).trim() + "'");
        }
        return raw;
    }

    private static <E extends Enum<E>> E enumValue(Map<String, String> v, String key, Class<E> type) {
        String raw = v.get(key).trim();
        try {
            return Enum.valueOf(type, raw.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            Set<String> allowed = new TreeSet<>();
            for (E constant : type.getEnumConstants()) {
                allowed.add(constant.name().toLowerCase(Locale.ROOT));
            }
            throw new ConfigException(key + " must be one of " + allowed + ", got '" + raw + "'");
        }
    }
}
