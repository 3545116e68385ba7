/**
 * The last stage: the {@code lstm-spark} command line, which wires the other packages together.
 *
 * <p>{@link dev.lstmspark.cli.Main} is the picocli entry point with {@link dev.lstmspark.cli.TrainCommand},
 * {@link dev.lstmspark.cli.EvaluateCommand} and {@link dev.lstmspark.cli.GenerateCommand}. Each command's work is
 * a public static method ({@code train}, {@code evaluate}, {@code generate}) that tests call directly, as they call
 * {@link dev.lstmspark.cli.Main#run(String[], java.io.PrintStream, java.io.PrintStream)} instead of {@code main}.
 * An error prints as one line; mistakes in the user's input (flags, config, corpus, model files) and a diverged
 * run exit with {@code 2}, anything else with {@code 1}, and {@code --verbose} adds the stack trace. {@code train}
 * gets one {@code --key} option per configuration key, so flags and config files never drift apart.
 *
 * <p>{@link dev.lstmspark.cli.NativeBackend} selects the ND4J native build the jar was packaged with before ND4J
 * loads. {@link dev.lstmspark.cli.SparkContexts} keeps what {@code spark-submit} set and fills in the rest (master,
 * Kryo with ND4J's registrator, no console progress bar or UI); {@code generate} runs on the driver without Spark.
 */
package dev.lstmspark.cli;
