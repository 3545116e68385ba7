package dev.lstmspark.report;

import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.training.EpochListener;
import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.training.RunDirectory;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Keeps the epochs seen so far and, after each, redraws {@code perplexity.png} and rewrites {@code report.html}
 * in the run directory, so both are current however the run ends.
 *
 * <p>The report is a by-product: a failure to draw or write it (a full disk, a driver image without fonts) is
 * logged and training goes on. Construct it when the run starts; its total time counts from construction.
 * Called on the driver's training thread only, like every {@link EpochListener}.
 */
public final class ReportWriter implements EpochListener {
    private static final Logger LOG = LoggerFactory.getLogger(ReportWriter.class);

    /** Where the report's files go: a local folder, or a run directory on any Hadoop file system. */
    @FunctionalInterface
    public interface Sink {
        /** Replaces file {@code name} with {@code content} atomically. */
        void write(String name, byte[] content);
    }

    private final TrainConfig config;
    private final Sink sink;
    private final int workers;
    private final Supplier<List<String>> samples;
    private final Hardware hardware;
    private final PerplexityPlot plot;
    private final long startNanos = System.nanoTime();
    private final List<EpochMetrics> seen = new ArrayList<>();
    /** Wall time of the epochs a resumed run trained before it was interrupted. */
    private final Duration earlierTime;
    private final String trainingStatsFile;
    private boolean failedBefore;

    /**
     * @param dir     the run directory to write into
     * @param workers the workers training uses (resolved, never the "default" 0)
     * @param samples the generated samples so far, read after every epoch, e.g. {@link #samplesFrom(RunDirectory)}
     */
    public ReportWriter(TrainConfig config, Path dir, int workers, Supplier<List<String>> samples) {
        this(config, dir, workers, samples, Hardware.ofThisDriver(), true);
    }

    /**
     * @param logScale perplexity on a log axis: after the first few epochs a linear axis flattens every later
     *                 improvement into the bottom few pixels, and later epochs are what a long run is about
     */
    public ReportWriter(TrainConfig config, Path dir, int workers, Supplier<List<String>> samples,
                        Hardware hardware, boolean logScale) {
        this(config, localFolder(Objects.requireNonNull(dir, "dir")), workers, samples, hardware, logScale);
    }

    /**
     * Writes into a training run's directory, wherever it lives. A resumed run's report starts from the epochs
     * its checkpoint restored, and its total time includes their wall time.
     *
     * @param trainingStatsFile DL4J's training timeline that {@code train --stats} writes beside the report, to
     *                          link from it; {@code null} without {@code --stats}
     */
    public static ReportWriter forRun(TrainConfig config, RunDirectory run, int workers, String trainingStatsFile) {
        return new ReportWriter(config, run::writeFile, workers, samplesFrom(run), Hardware.ofThisDriver(),
                config.plotLogScale(), run.metrics(), trainingStatsFile);
    }

    public ReportWriter(TrainConfig config, Sink sink, int workers, Supplier<List<String>> samples,
                        Hardware hardware, boolean logScale) {
        this(config, sink, workers, samples, hardware, logScale, List.of(), null);
    }

    private ReportWriter(TrainConfig config, Sink sink, int workers, Supplier<List<String>> samples,
                         Hardware hardware, boolean logScale, List<EpochMetrics> earlierEpochs, String trainingStatsFile) {
        this.trainingStatsFile = trainingStatsFile;
        this.seen.addAll(earlierEpochs);
        this.earlierTime = Duration.ofMillis(Math.round(1000 * earlierEpochs.stream().mapToDouble(EpochMetrics::seconds).sum()));
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.workers = workers;
        this.samples = Objects.requireNonNull(samples, "samples");
        this.hardware = Objects.requireNonNull(hardware, "hardware");
        this.plot = PerplexityPlot.forRun(config, workers, logScale);
    }

    /** The lines of the run's {@code samples.txt} so far, one sample each; none before the first is written. */
    public static Supplier<List<String>> samplesFrom(RunDirectory run) {
        return run::sampleLines;
    }

    private static Sink localFolder(Path dir) {
        return (name, content) -> AtomicFile.write(dir.resolve(name), content);
    }

    @Override
    public void onEpochEnd(EpochMetrics metrics, MultiLayerNetwork network) {
        seen.add(metrics);
        byte[] png = null;
        try {
            png = plot.renderPng(seen);
            sink.write(PerplexityPlot.FILE_NAME, png);
        } catch (RuntimeException | Error e) {
            reportFailure("perplexity plot", e);
        }
        try {
            // Drawn bytes go into the page even when perplexity.png itself could not be written.
            Duration total = earlierTime.plusNanos(System.nanoTime() - startNanos);
            RunReport report = new RunReport(config, workers, hardware, seen, samples.get(), total, png, trainingStatsFile);
            sink.write(RunReport.FILE_NAME, report.toHtml().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException | Error e) {
            reportFailure("run report", e);
        }
    }

    /** The epochs seen so far, in order. */
    public List<EpochMetrics> metrics() {
        return List.copyOf(seen);
    }

    private void reportFailure(String what, Throwable e) {
        // Out of memory or stack is the JVM's problem, not the report's. Other errors are let through to the log:
        // AWT reports missing fonts and font libraries as plain Error, InternalError or UnsatisfiedLinkError.
        if (e instanceof VirtualMachineError && !(e instanceof InternalError)) {
            throw (VirtualMachineError) e;
        }
        if (failedBefore) {
            LOG.warn("cannot write the {}: {}", what, e.toString());
        } else {
            LOG.warn("cannot write the {}; training goes on without it", what, e);
            failedBefore = true;
        }
    }
}
