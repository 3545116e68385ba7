package dev.lstmspark.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * One training setting, described in one place, as Spark's {@code Param}s are: its key (the {@code --key} flag and
 * the key of {@code conf/*.properties} and {@code config.properties}), its default, one line of documentation, how
 * its text is parsed and validated, how a value is written back, and whether a {@code --resume} may change it.
 *
 * <p>{@link Settings#ALL} lists every setting; {@link ConfigLoader}, the command line, {@link TrainConfig#toProperties},
 * the resume check and the README's configuration reference are all derived from that list.
 *
 * @param key                 kebab-case name; also the name of the {@link TrainConfig} component, in camel case
 * @param defaultValue        the built-in default, as text a user would write
 * @param description         one line for {@code --help}, the report and the README
 * @param parser              turns trimmed text into a value, or throws a {@link ConfigException} naming the key
 * @param formatter           writes a value back as text that {@code parser} reads as the same value
 * @param changeableOnResume  whether {@code train --resume} may give another value (it does not change what is trained)
 */
public record Setting<T>(String key, String defaultValue, String description, Parser<T> parser,
                         Function<T, String> formatter, boolean changeableOnResume) {

    /** Parses the text of one setting; {@code key} is for the error message. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String key, String text);
    }

    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parser, "parser");
        Objects.requireNonNull(formatter, "formatter");
    }

    /** The value {@code text} stands for (surrounding whitespace ignored). */
    public T parse(String text) {
        return parser.parse(key, text.trim());
    }

    /** The text that {@link #parse} reads back as {@code value}. */
    @SuppressWarnings("unchecked")
    public String format(Object value) {
        return formatter.apply((T) value);
    }

    /** The same setting, but one that {@code --resume} may change. */
    Setting<T> mayChangeOnResume() {
        return new Setting<>(key, defaultValue, description, parser, formatter, true);
    }

    /** The record component of {@link TrainConfig} this setting fills: {@code min-freq} is {@code minFreq}. */
    String componentName() {
        StringBuilder name = new StringBuilder();
        boolean upper = false;
        for (char c : key.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                name.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return name.toString();
    }
}
