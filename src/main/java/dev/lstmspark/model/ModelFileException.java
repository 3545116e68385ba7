package dev.lstmspark.model;

/** A saved model directory that cannot be used; the message names the file and the fix. */
public final class ModelFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }

    public ModelFileException(String message) {
        super(message);
    }
}
