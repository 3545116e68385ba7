/**
 * What a user keeps from a run besides the model: {@code perplexity.png}, the perplexity curves, and
 * {@code report.html}, one self-contained page with the settings, hardware, per-epoch metrics, the plot and the
 * generated samples.
 *
 * <p>{@link dev.lstmspark.report.ReportWriter} is the {@link dev.lstmspark.training.TrainingListener} that redraws
 * both after every epoch and at the end, so an interrupted or still-running run always has an up-to-date report.
 * It writes through a {@link dev.lstmspark.report.ReportWriter.Sink}, the run directory's atomic writer in a run.
 *
 * <p>Charts are drawn with JFreeChart into an off-screen image; the JVM is switched to headless AWT first, so
 * drivers on machines without an X display (or with a stale {@code DISPLAY}) render the same.
 */
package dev.lstmspark.report;
