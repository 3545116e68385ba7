package dev.lstmspark.store;

import dev.lstmspark.config.UserInputException;

/** An out directory that cannot be used as asked (it holds a run, has no checkpoint, is being written). */
public final class RunDirectoryException extends UserInputException {
    private static final long serialVersionUID = 1L;

    public RunDirectoryException(String message) {
        super(message);
    }
}
