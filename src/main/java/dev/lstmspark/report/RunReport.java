package dev.lstmspark.report;

import dev.lstmspark.config.Setting;
import dev.lstmspark.config.Settings;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.source.CorpusProvenance;
import dev.lstmspark.training.EpochMetrics;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code report.html}: one self-contained page that says what a run was and how it went: the perplexity plot,
 * the resolved settings, the corpus it trained on, the hardware, every epoch's metrics, the generated samples and
 * the total time.
 *
 * <p>The plot is embedded as a {@code data:} URI rather than linked as {@code perplexity.png}: the page is the file
 * people mail, attach to an issue or copy off a cluster on its own, and a link would break there. The PNG costs
 * about a third more as base64, some tens of kilobytes.
 *
 * <p>The markup is also well-formed XML (every element closed, only XML's own character references), so tests can
 * parse it, and every piece of text from outside (settings, samples) is escaped. The same inputs always give the
 * same bytes.
 */
public final class RunReport {
    /** Shown for a missing value: no validation perplexity when nothing is held out. */
    static final String MISSING = "\u2013";

    private static final String STYLE = String.join("\n",
            "body { font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif; color: #222;"
                    + " max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }",
            "h1 { font-size: 1.4rem; margin-bottom: 0.2rem; }",
            "h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }",
            ".status { color: #555; margin-top: 0; }",
            "img { max-width: 100%; height: auto; border: 1px solid #eee; }",
            "table { border-collapse: collapse; font-size: 0.9rem; }",
            "th, td { padding: 0.15rem 0.6rem; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }",
            "table.metrics td { text-align: right; font-variant-numeric: tabular-nums; }",
            "table.metrics th { text-align: right; }",
            "table.settings th, table.hardware th, table.corpus th { white-space: nowrap; }",
            "td.meaning { color: #666; }",
            "pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.2rem 0; font-size: 0.85rem; }",
            ".samples { background: #f7f7f7; padding: 0.5rem 0.8rem; }");

    private final TrainConfig config;
    private final int workers;
    private final Hardware hardware;
    private final List<EpochMetrics> metrics;
    private final List<String> samples;
    private final Duration totalTime;
    private final byte[] perplexityPng;
    private final String trainingStatsFile;
    private final CorpusProvenance corpus;

    /**
     * @param workers       the workers training actually used (the {@code workers} setting may be 0, "Spark's default")
     * @param metrics       the epochs so far, in order
     * @param samples       generated text so far, one entry per sample, shown verbatim
     * @param totalTime     wall time of the run so far
     * @param perplexityPng the plot as PNG bytes, or {@code null} when it could not be drawn
     * @param trainingStatsFile DL4J's Spark training timeline beside the report ({@code train --stats} writes it
     *                      at the end) to link, or {@code null}
     * @param corpus        what the run trains on, or {@code null} when not known
     */
    public RunReport(TrainConfig config, int workers, Hardware hardware, List<EpochMetrics> metrics,
                     List<String> samples, Duration totalTime, byte[] perplexityPng, String trainingStatsFile,
                     CorpusProvenance corpus) {
        this.config = Objects.requireNonNull(config, "config");
        this.workers = workers;
        this.hardware = Objects.requireNonNull(hardware, "hardware");
        this.metrics = List.copyOf(metrics);
        this.samples = List.copyOf(samples);
        this.totalTime = Objects.requireNonNull(totalTime, "totalTime");
        this.perplexityPng = perplexityPng == null ? null : perplexityPng.clone();
        this.trainingStatsFile = trainingStatsFile;
        this.corpus = corpus;
    }

    public String toHtml() {
        String title = PerplexityPlot.title(config, workers);
        StringBuilder html = new StringBuilder(16 * 1024 + (perplexityPng == null ? 0 : perplexityPng.length * 4 / 3));
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>lstm-spark: ").append(escape(title)).append("</title>\n")
                .append("<style>\n").append(STYLE).append("\n</style>\n</head>\n<body>\n");
        html.append("<h1>").append(escape(title)).append("</h1>\n");
        html.append("<p class=\"status\">").append(escape(PerplexityPlot.subtitle(config, workers))).append("<br/>")
                .append(escape(status())).append("</p>\n");
        html.append("<p class=\"summary\">").append(escape(summary())).append("</p>\n");

        html.append("<h2>Perplexity</h2>\n");
        if (perplexityPng != null) {
            html.append("<img src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(perplexityPng))
                    .append("\" alt=\"training and validation perplexity against epoch\"/>\n");
        } else {
            html.append("<p>The plot could not be drawn; see the driver log.</p>\n");
        }

        appendSettings(html);
        appendCorpus(html);
        appendHardware(html);
        appendMetrics(html);
        appendSamples(html);
        if (trainingStatsFile != null) {
            html.append("<h2>Spark training timeline</h2>\n<p><a href=\"").append(escape(trainingStatsFile)).append("\">")
                    .append(escape(trainingStatsFile))
                    .append("</a>: DL4J's timeline of every worker's fitting, averaging and broadcasts, written when training ends.</p>\n");
        }
        html.append("</body>\n</html>\n");
        return html.toString();
    }

    private String status() {
        if (metrics.isEmpty()) {
            return "no epochs finished yet";
        }
        int last = metrics.get(metrics.size() - 1).epoch();
        String state = last >= config.epochs() ? "finished" : "in progress";
        return "epoch " + last + " of " + config.epochs() + ", " + state + ", total time " + duration(totalTime);
    }

    /** The numbers a reader looks for first: where training ended and the best held-out perplexity. */
    private String summary() {
        if (metrics.isEmpty()) {
            return "";
        }
        EpochMetrics last = metrics.get(metrics.size() - 1);
        StringBuilder s = new StringBuilder("Training perplexity " + perplexity(last.trainPerplexity())
                + " after epoch " + last.epoch());
        EpochMetrics best = null;
        for (EpochMetrics m : metrics) {
            if (Double.isFinite(m.valPerplexity()) && (best == null || m.valPerplexity() < best.valPerplexity())) {
                best = m;
            }
        }
        if (best != null) {
            s.append("; best validation perplexity ").append(perplexity(best.valPerplexity()))
                    .append(" at epoch ").append(best.epoch());
        } else {
            s.append("; nothing held out for validation");
        }
        return s.append('.').toString();
    }

    private void appendSettings(StringBuilder html) {
        html.append("<h2>Settings</h2>\n<table class=\"settings\">\n<tbody>\n");
        // The table's order (the README's), not the hash order of Properties.
        for (Setting<?> setting : Settings.ALL) {
            html.append("<tr><th>").append(escape(setting.key())).append("</th><td>")
                    .append(escape(setting.format(config.value(setting))))
                    .append("</td><td class=\"meaning\">").append(escape(setting.description()))
                    .append("</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n");
    }

    private void appendCorpus(StringBuilder html) {
        if (corpus == null) {
            return;
        }
        html.append("<h2>Corpus</h2>\n<table class=\"corpus\">\n<tbody>\n");
        row(html, "corpus", corpus.corpus());
        row(html, "read from", corpus.uri());
        row(html, "format", corpus.kind() + (corpus.textColumn() == null ? "" : ", column " + corpus.textColumn())
                + (corpus.orderColumn() == null ? "" : ", ordered by " + corpus.orderColumn()));
        if (corpus.files() >= 0) {
            row(html, "files", String.format(Locale.ROOT, "%,d (%,d bytes)", corpus.files(), corpus.bytes()));
        }
        row(html, "records", String.format(Locale.ROOT, "%,d", corpus.fingerprint().records())
                + (corpus.fingerprint().nullRecords() > 0
                ? String.format(Locale.ROOT, " (%,d null rows skipped)", corpus.fingerprint().nullRecords()) : ""));
        row(html, "characters", String.format(Locale.ROOT, "%,d", corpus.fingerprint().characters()));
        row(html, "content hash", corpus.fingerprint().contentHash());
        row(html, "preprocessing", "preprocess " + corpus.preprocess() + ", " + corpus.tokenKind() + " tokens"
                + (corpus.minFreq() > 0 ? ", min-freq " + corpus.minFreq() : "")
                + (corpus.maxVocab() > 0 ? ", max-vocab " + corpus.maxVocab() : ""));
        row(html, "tokens", String.format(Locale.ROOT, "%,d, vocabulary %,d", corpus.tokens(), corpus.vocabulary()));
        html.append("</tbody>\n</table>\n");
    }

    private void appendHardware(StringBuilder html) {
        int executorsSeen = 0;
        for (EpochMetrics m : metrics) {
            executorsSeen = Math.max(executorsSeen, m.executors());
        }
        html.append("<h2>Hardware</h2>\n<table class=\"hardware\">\n<tbody>\n");
        row(html, "training workers", Integer.toString(workers));
        row(html, "executors seen", metrics.isEmpty() ? MISSING : executorsSeen + " (most in one epoch)");
        row(html, "driver CPU", hardware.cpu());
        row(html, "driver cores", Integer.toString(hardware.driverCores()));
        row(html, "driver max heap", String.format(Locale.ROOT, "%.1f GiB", hardware.driverMaxHeapBytes() / (double) (1L << 30)));
        row(html, "JVM", hardware.jvm());
        row(html, "OS", hardware.os());
        row(html, "ND4J backend", hardware.nd4jBackend());
        row(html, "OpenBLAS core", hardware.blasCore());
        row(html, "fused layers' time steps", hardware.stepKernels());
        html.append("</tbody>\n</table>\n");
    }

    private static void row(StringBuilder html, String name, String value) {
        html.append("<tr><th>").append(escape(name)).append("</th><td>").append(escape(value)).append("</td></tr>\n");
    }

    private void appendMetrics(StringBuilder html) {
        html.append("<h2>Metrics</h2>\n");
        if (metrics.isEmpty()) {
            html.append("<p>No epoch has finished yet.</p>\n");
            return;
        }
        html.append("<table class=\"metrics\">\n<thead><tr><th>epoch</th><th>train ppl</th><th>val ppl</th>")
                .append("<th>tokens</th><th>tokens/s</th><th>seconds</th><th>executors</th></tr></thead>\n<tbody>\n");
        double epochSeconds = 0;
        for (EpochMetrics m : metrics) {
            epochSeconds += m.seconds();
            html.append("<tr><td>").append(m.epoch())
                    .append("</td><td>").append(perplexity(m.trainPerplexity()))
                    .append("</td><td>").append(perplexity(m.valPerplexity()))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%,d", m.tokens()))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%,.0f", m.tokensPerSecond()))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.1f", m.seconds()))
                    .append("</td><td>").append(m.executors())
                    .append("</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n");
        html.append("<p>Time in epochs ").append(escape(duration(Duration.ofMillis(Math.round(epochSeconds * 1000)))))
                .append(" of ").append(escape(duration(totalTime))).append(" in total.</p>\n");
    }

    private void appendSamples(StringBuilder html) {
        html.append("<h2>Samples</h2>\n");
        if (samples.isEmpty()) {
            html.append("<p>No samples generated yet.</p>\n");
            return;
        }
        html.append("<div class=\"samples\">\n");
        for (String sample : samples) {
            html.append("<pre>").append(escape(sample)).append("</pre>\n");
        }
        html.append("</div>\n");
    }

    static String perplexity(double value) {
        return Double.isNaN(value) ? MISSING : String.format(Locale.ROOT, "%.3f", value);
    }

    /** {@code 2 h 05 min 09 s}, {@code 3 min 04 s} or {@code 12.3 s}. */
    static String duration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min %02d s", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    /**
     * Text as HTML character data or a quoted attribute value. Control characters other than tab and line breaks
     * are not allowed in HTML or XML at all, so they become U+FFFD instead of breaking the page.
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    boolean forbiddenControl = (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                            || (c >= 0x7f && c <= 0x9f) || c == '\uFFFE' || c == '\uFFFF';
                    out.append(forbiddenControl ? '\uFFFD' : c);
                }
            }
        }
        return out.toString();
    }
}
