package dev.lstmspark.model;

import dev.lstmspark.config.UserInputException;

/** A saved model directory that cannot be used; the message names the file and the fix. */
public final class ModelFileException extends UserInputException {
    private static final long serialVersionUID = 1L;

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }

    public ModelFileException(String message) {
        super(message);
    }
}
