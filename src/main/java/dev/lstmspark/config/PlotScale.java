package dev.lstmspark.config;

/** The perplexity axis of {@code perplexity.png}. */
public enum PlotScale {
    /**
     * Logarithmic, the default: after the first few epochs a linear axis flattens every later improvement into
     * the bottom few pixels, and later epochs are what a long run is about.
     */
    LOG,
    /** Linear. */
    LINEAR
}
