package dev.lstmspark.config;

/** A configuration value or key the user got wrong; its message names the key and the fix. */
public final class ConfigException extends UserInputException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
