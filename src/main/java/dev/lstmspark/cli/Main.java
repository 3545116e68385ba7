package dev.lstmspark.cli;

import dev.lstmspark.config.UserInputException;
import dev.lstmspark.io.StorageException;
import dev.lstmspark.run.NativeBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;

/** {@code lstm-spark train | evaluate | generate}: parses flags and hands over to the command's method. */
@Command(name = "lstm-spark", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Train, evaluate and sample LSTM and GRU language models on Apache Spark with Deeplearning4j.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, GenerateCommand.class})
public final class Main implements Runnable {

    /** Exit code for mistakes in the user's input: flags, config, corpus, model files. */
    public static final int USAGE_ERROR = 2;
    /** Exit code for anything else that went wrong. */
    public static final int FAILURE = 1;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "print stack traces of errors")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line and returns its exit code; tests call this instead of {@link #main}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        NativeBackend.selectPackagedBuild();
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        TrainCommand.addConfigOptions(cl.getSubcommands().get("train"));
        PrintWriter errWriter = new PrintWriter(err, true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(errWriter);
        cl.setParameterExceptionHandler((ex, arguments) -> {
            errWriter.println("error: " + ex.getMessage() + " (see " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return USAGE_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            errWriter.println("error: " + oneLine(ex));
            if (main.verbose) {
                ex.printStackTrace(errWriter);
            } else if (!explainsItself(ex)) {
                errWriter.println("(run with --verbose for the stack trace)");
            }
            return isUserError(ex) ? USAGE_ERROR : FAILURE;
        });
        return cl.execute(args);
    }

    /** Input the user can fix: flags, config, corpus, model files, the out directory, settings that diverged. */
    static boolean isUserError(Throwable ex) {
        return ex instanceof UserInputException;
    }

    /**
     * Errors whose one line is the whole story: the user's input, or a file that could not be read or written
     * (the path and the cause, a full disk say), where a stack trace would only bury it.
     */
    static boolean explainsItself(Throwable ex) {
        return isUserError(ex) || ex instanceof StorageException;
    }

    /** The message of the first exception in the cause chain that has one, on one line. */
    static String oneLine(Throwable ex) {
        Throwable t = ex;
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                // Spark puts the remote stack trace into the message after the first line.
                return t.getMessage().strip().lines().findFirst().orElse("").strip();
            }
            t = t.getCause();
        }
        return ex.getClass().getName();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"lstm-spark " + (v == null ? "(development build)" : v)};
        }
    }
}
