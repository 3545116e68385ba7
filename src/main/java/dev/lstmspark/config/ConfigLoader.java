package dev.lstmspark.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Resolves a {@link TrainConfig}: the defaults of {@link Settings#ALL}, then a properties file, then command-line
 * flags.
 *
 * <p>Every key is checked here, before Spark starts: an unknown key or an out-of-range value is a
 * {@link ConfigException} whose message names the key, the value and what would be accepted.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /**
     * @param configFile a {@code .properties} file, or {@code null} for defaults only
     * @param flags      values given on the command line, by key; they win over the file
     */
    public static TrainConfig load(Path configFile, Map<String, String> flags) {
        Map<String, String> values = defaults();
        if (configFile != null) {
            values.putAll(readFile(configFile));
        }
        putFlags(values, flags);
        return resolve(values);
    }

    /**
     * The settings of {@code train --resume} without {@code --config}: the interrupted run's own (its stored
     * {@code config.properties}), then the flags given now, which win. Whether a changed value may change on resume
     * is the training's check, not this one's.
     *
     * @param stored the run directory's {@code config.properties}
     * @param origin where it was read, for messages
     */
    public static TrainConfig resumed(Properties stored, String origin, Map<String, String> flags) {
        Map<String, String> values = defaults();
        for (String key : stored.stringPropertyNames()) {
            requireKnown(key, "in " + origin);
            values.put(key, stored.getProperty(key));
        }
        putFlags(values, flags);
        return resolve(values);
    }

    /** Reads back the {@code config.properties} a run directory holds. */
    public static TrainConfig fromProperties(Properties properties, String origin) {
        return resumed(properties, origin, Map.of());
    }

    /** Command-line values over {@code values}, each key checked. */
    private static void putFlags(Map<String, String> values, Map<String, String> flags) {
        flags.forEach((key, value) -> {
            requireKnown(key, "on the command line");
            values.put(key, value);
        });
    }

    /** The built-in default of every setting, as text, in order. */
    static Map<String, String> defaults() {
        Map<String, String> map = new LinkedHashMap<>();
        Settings.ALL.forEach(s -> map.put(s.key(), s.defaultValue()));
        return map;
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
            map.put(key, p.getProperty(key));
        }
        return map;
    }

    private static void requireKnown(String key, String where) {
        if (Settings.named(key) == null) {
            throw new ConfigException("unknown config key '" + key + "' " + where + "; known keys: "
                    + String.join(", ", Settings.keys()));
        }
    }

    private static TrainConfig resolve(Map<String, String> text) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Setting<?> setting : Settings.ALL) {
            values.put(setting.key(), setting.parse(text.get(setting.key())));
        }
        TrainConfig config = TrainConfig.of(values);
        Settings.checkCombination(config);
        return config;
    }
}
