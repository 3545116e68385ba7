/**
 * The last stage: the {@code lstm-spark} command line, which parses flags and hands over to the stage that does the work.
 *
 * <p>{@link dev.lstmspark.cli.Main} is the picocli entry point with {@link dev.lstmspark.cli.TrainCommand},
 * {@link dev.lstmspark.cli.EvaluateCommand} and {@link dev.lstmspark.cli.GenerateCommand}. Each command's work is
 * a method tests call directly ({@link dev.lstmspark.run.TrainingRun#train}, {@code EvaluateCommand.evaluate},
 * {@code GenerateCommand.generate}), as they call
 * {@link dev.lstmspark.cli.Main#run(String[], java.io.PrintStream, java.io.PrintStream)} instead of {@code main}.
 * An error prints as one line; mistakes in the user's input ({@link dev.lstmspark.config.UserInputException}: flags,
 * config, corpus, model files, the out directory, a diverged run) exit with {@code 2}, anything else with {@code 1};
 * {@code --verbose} adds the stack trace, which is suggested only for errors that do not explain themselves. {@code train}
 * gets one {@code --key} option per configuration key, so flags and config files never drift apart.
 *
 * <p>{@code train} only parses: the settings ({@link dev.lstmspark.config.ConfigLoader}), the corpus location, the run
 * directory (prepared and locked before Spark starts, so a refusal costs nothing), then
 * {@link dev.lstmspark.run.TrainingRun} does the run.
 */
package dev.lstmspark.cli;
