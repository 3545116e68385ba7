package dev.lstmspark.corpus;

import dev.lstmspark.config.UserInputException;

/** A corpus the user pointed at that cannot be used; the message names the input and the fix. */
public final class CorpusException extends UserInputException {
    private static final long serialVersionUID = 1L;

    public CorpusException(String message) {
        super(message);
    }

    public CorpusException(String message, Throwable cause) {
        super(message, cause);
    }
}
