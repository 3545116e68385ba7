/**
 * Text from a trained network: d2l's {@code predict_ch8}, used for the samples printed during and after training
 * and by the {@code generate} command.
 *
 * <p>{@link dev.lstmspark.generation.TextGenerator} runs on the driver with the network in memory and needs no
 * Spark. It preprocesses the prefix like the corpus (tokens the vocabulary lacks become {@code <unk>}), warms the
 * recurrent state up on it, then feeds each emitted token back as the next input: arg-max at temperature 0,
 * otherwise seeded sampling at that temperature. The recurrent state is cleared before and after, so a call leaves
 * none behind in the network it is given.
 */
package dev.lstmspark.generation;
