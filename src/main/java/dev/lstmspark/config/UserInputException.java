package dev.lstmspark.config;

/**
 * Something the user gave is wrong: a flag, a config value, a corpus, a model file, an out directory, settings
 * that made training diverge. The message is one line naming the input and the fix; the command line prints it
 * without a stack trace and exits with 2. Anything else that is thrown is a failure of the program or its
 * environment, and says so.
 */
public class UserInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
