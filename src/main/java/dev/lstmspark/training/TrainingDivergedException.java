package dev.lstmspark.training;

import dev.lstmspark.config.UserInputException;

/**
 * The loss or the weights stopped being finite numbers: the run cannot go on with these settings. A user error,
 * because the remedy is the user's (a lower learning rate or clipping norm), and the message names it.
 */
public final class TrainingDivergedException extends UserInputException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
