package dev.lstmspark.report;

import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.source.CorpusProvenance;
import dev.lstmspark.store.RunLayout;
import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.training.TrainingListener;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Keeps the epochs seen so far and, after each and once more at the end (with the final samples), redraws
 * {@code perplexity.png} and rewrites {@code report.html} in the run directory, so both are current however the
 * run ends.
 *
 * <p>The report is a by-product: a failure to draw or write it (a full disk, a driver image without fonts) is
 * logged and training goes on. Construct it when the run starts; its total time counts from construction, plus
 * the wall time of the epochs a resumed run had trained before. Called on the driver's training thread only.
 */
public final class ReportWriter implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(ReportWriter.class);

    /** Where the report's files go, e.g. a run directory: replaces file {@code name} with {@code content} whole. */
    @FunctionalInterface
    public interface Sink {
        void write(String name, byte[] content);
    }

    private final TrainConfig config;
    private final Sink sink;
    private final int workers;
    private final Supplier<List<String>> samples;
    private final Hardware hardware;
    private final PerplexityPlot plot;
    private final String trainingStatsFile;
    private final long startNanos = System.nanoTime();
    private final List<EpochMetrics> seen = new ArrayList<>();
    /** Wall time of the epochs a resumed run trained before it was interrupted. */
    private Duration earlierTime = Duration.ZERO;
    private boolean failedBefore;
    /** What the run trains on, for the page; {@code null} until {@link #describeCorpus}. */
    private CorpusProvenance corpus;

    /**
     * @param workers           the workers training uses (resolved, never the "default" 0)
     * @param samples           the generated samples so far, read at every redraw
     * @param trainingStatsFile DL4J's training timeline that {@code train --stats} writes beside the report, to
     *                          link from it; {@code null} without {@code --stats}
     */
    public ReportWriter(TrainConfig config, Sink sink, int workers, Supplier<List<String>> samples, Hardware hardware,
                        String trainingStatsFile) {
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.workers = workers;
        this.samples = Objects.requireNonNull(samples, "samples");
        this.hardware = Objects.requireNonNull(hardware, "hardware");
        this.trainingStatsFile = trainingStatsFile;
        this.plot = PerplexityPlot.forRun(config, workers);
    }

    /** Shows what the run trains on: the corpus's source, preprocessing and fingerprint. */
    public void describeCorpus(CorpusProvenance corpus) {
        this.corpus = corpus;
    }

    /** A resumed run's report starts from the epochs its checkpoint restored, and its total time includes them. */
    @Override
    public void onTrainingStart(List<EpochMetrics> earlier) {
        seen.clear();
        seen.addAll(earlier);
        earlierTime = Duration.ofMillis(Math.round(1000 * earlier.stream().mapToDouble(EpochMetrics::seconds).sum()));
    }

    @Override
    public void onEpochEnd(EpochMetrics metrics, MultiLayerNetwork network) {
        seen.add(metrics);
        redraw();
    }

    /** Once more, so that the page shows the samples of the final model. */
    @Override
    public void onTrainingEnd(int lastEpoch, MultiLayerNetwork network) {
        redraw();
    }

    /** The epochs seen so far, in order. */
    public List<EpochMetrics> metrics() {
        return List.copyOf(seen);
    }

    private void redraw() {
        byte[] png = null;
        try {
            png = plot.renderPng(seen);
            sink.write(RunLayout.PLOT, png);
        } catch (RuntimeException | Error e) {
            reportFailure("perplexity plot", e);
        }
        try {
            // Drawn bytes go into the page even when perplexity.png itself could not be written.
            Duration total = earlierTime.plusNanos(System.nanoTime() - startNanos);
            RunReport report = new RunReport(config, workers, hardware, seen, samples.get(), total, png, trainingStatsFile,
                    corpus);
            sink.write(RunLayout.REPORT, report.toHtml().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException | Error e) {
            reportFailure("run report", e);
        }
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
