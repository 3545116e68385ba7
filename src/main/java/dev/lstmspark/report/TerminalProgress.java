package dev.lstmspark.report;

import dev.lstmspark.evaluation.Perplexity;
import dev.lstmspark.training.ProgressListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * One progress line per epoch that redraws in place on the driver's terminal: minibatches ("mb") done of the
 * epoch, its elapsed and remaining time, running perplexity, tokens/s, and the time left for the whole run.
 *
 * <p>Only for terminals: in CI logs and cluster driver logs, carriage-return redraws turn into noise, so
 * {@link #forConsole()} returns {@link ProgressListener#NONE} there and the per-epoch lines alone remain.
 */
public final class TerminalProgress implements ProgressListener {

    /** Where to draw, and how wide; {@code null} for the terminal on stderr at its own width. */
    private final PrintStream out;
    private final int width;
    private final long runStart = System.nanoTime();
    private long epochStart;
    private int epochsDone;
    private int firstEpoch = -1;
    private int epochs;
    private ProgressBar bar;

    public TerminalProgress(PrintStream out, int width) {
        this.out = out;
        this.width = width;
    }

    /** A progress bar on stderr, fitted to the terminal's width, when the driver runs in a terminal; else nothing. */
    public static ProgressListener forConsole() {
        return System.console() != null ? new TerminalProgress(null, 0) : ProgressListener.NONE;
    }

    @Override
    public void onEpochStart(int epoch, int epochs, long updates) {
        this.epochs = epochs;
        if (firstEpoch < 0) {
            firstEpoch = epoch;
        }
        epochStart = System.nanoTime();
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs))
                .setInitialMax(updates)
                .setUnit(" mb", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .continuousUpdate();
        if (out != null) {
            builder.setConsumer(new ConsoleProgressBarConsumer(out, width));
        }
        bar = builder.build();
    }

    @Override
    public void onRound(int epoch, long updatesDone, long tokensDone, double crossEntropySum) {
        if (bar == null) {
            return;
        }
        bar.stepTo(updatesDone);
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        bar.setExtraMessage(message(crossEntropySum, tokensDone, seconds, runRemaining(updatesDone)));
    }

    @Override
    public void onEpochFitted(int epoch) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        epochsDone++;
    }

    /** The extra text of the bar: running perplexity, throughput and the run's time left. */
    static String message(double crossEntropySum, long tokens, double seconds, Duration runRemaining) {
        double perplexity = new Perplexity(crossEntropySum, tokens).value();
        return String.format(Locale.ROOT, "ppl %.3f, %,.0f tok/s, run ETA %s", perplexity,
                seconds > 0 ? tokens / seconds : 0, format(runRemaining));
    }

    /** Whole epochs left at the mean epoch time so far, plus what is left of this one. */
    private Duration runRemaining(long updatesDone) {
        double elapsed = (System.nanoTime() - runStart) / 1e9;
        double thisEpoch = (System.nanoTime() - epochStart) / 1e9;
        double perEpoch = epochsDone > 0 ? (elapsed - thisEpoch) / epochsDone
                : updatesDone > 0 ? thisEpoch * bar.getMax() / updatesDone : Double.NaN;
        double leftInEpoch = updatesDone > 0 ? thisEpoch * (bar.getMax() - updatesDone) / updatesDone : perEpoch;
        int epochsAfterThis = epochs - (firstEpoch + epochsDone);
        double seconds = leftInEpoch + Math.max(0, epochsAfterThis) * perEpoch;
        return Double.isFinite(seconds) ? Duration.ofMillis((long) (seconds * 1000)) : null;
    }

    static String format(Duration d) {
        if (d == null) {
            return "?";
        }
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
