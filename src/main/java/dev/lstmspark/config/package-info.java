/**
 * The settings every stage reads: {@link dev.lstmspark.config.TrainConfig}, an immutable record resolved and
 * validated once, before Spark starts.
 *
 * <p>{@link dev.lstmspark.config.ConfigLoader} layers the built-in defaults resource, a {@code .properties} preset
 * and command-line flags, and turns an unknown key or an out-of-range value into a
 * {@link dev.lstmspark.config.ConfigException} that names the key, the value and what is accepted. The same
 * kebab-case keys are used in files, as flags and in the {@code config.properties} a run directory keeps, which
 * {@link dev.lstmspark.config.ConfigLoader#fromProperties} reads back for {@code evaluate}, {@code generate} and
 * {@code --resume}. {@link dev.lstmspark.config.TokenKind}, {@link dev.lstmspark.config.Sampling} and
 * {@link dev.lstmspark.config.CellType} name d2l's tokenization, its two data iterators and its two gated cells.
 */
package dev.lstmspark.config;
