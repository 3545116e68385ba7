package dev.lstmspark.report;

import dev.lstmspark.config.PlotScale;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.training.EpochMetrics;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Training and validation perplexity against epoch, as a PNG: the d2l chapter's figure for a distributed run.
 * Redrawn after every epoch, so it renders off-screen in a few tens of milliseconds even for hundreds of epochs.
 *
 * <p>Instances are immutable and may be reused for every epoch of a run.
 */
public final class PerplexityPlot {
    static {
        Headless.ensure(); // first: the Color constants below already fix AWT's headless decision
    }

    public static final int DEFAULT_WIDTH = 800;
    public static final int DEFAULT_HEIGHT = 500;

    static final String TRAINING_SERIES = "training";
    static final String VALIDATION_SERIES = "validation";
    /** The matplotlib blue and orange the d2l figures use, so the curves look familiar to readers of the book. */
    static final Color TRAINING_COLOR = new Color(0x1f77b4);
    static final Color VALIDATION_COLOR = new Color(0xff7f0e);
    /** Above this many epochs the point markers would merge into a thick smear; the lines alone read better. */
    static final int MAX_EPOCHS_WITH_MARKERS = 60;

    private static final Color GRID_COLOR = new Color(0xdddddd);
    private static final Color AXIS_COLOR = new Color(0x555555);
    private static final Color TEXT_COLOR = new Color(0x222222);
    private static final Color SUBTITLE_COLOR = new Color(0x666666);

    private final String title;
    private final String subtitle;
    private final int width;
    private final int height;
    private final boolean logScale;

    /**
     * @param title    the first line above the plot, e.g. from {@link #title(TrainConfig, int)}
     * @param subtitle a smaller second line, or {@code null} for none
     * @param logScale perplexity on a logarithmic axis, which keeps the slow late-training gains visible
     */
    public PerplexityPlot(String title, String subtitle, int width, int height, boolean logScale) {
        if (width < 200 || height < 150) {
            throw new IllegalArgumentException("plot size must be at least 200 x 150, got " + width + " x " + height);
        }
        this.title = Objects.requireNonNull(title, "title");
        this.subtitle = subtitle;
        this.width = width;
        this.height = height;
        this.logScale = logScale;
    }

    /** The plot of one run: its settings in the title, {@value #DEFAULT_WIDTH} x {@value #DEFAULT_HEIGHT} pixels. */
    public static PerplexityPlot forRun(TrainConfig config, int workers) {
        return new PerplexityPlot(title(config, workers), subtitle(config, workers), DEFAULT_WIDTH, DEFAULT_HEIGHT,
                config.plotScale() == PlotScale.LOG);
    }

    /** The run's key settings, e.g. {@code char LSTM hidden 256 x 1, 32 x 35, lr 1, clip 1, 2 workers}. */
    public static String title(TrainConfig config, int workers) {
        return String.format(Locale.ROOT, "%s %s hidden %d x %d, %d x %d, lr %s, %s, %d worker%s",
                config.tokens().name().toLowerCase(Locale.ROOT), config.cell().name(), config.hidden(), config.layers(),
                config.batchSize(), config.numSteps(), plain(config.lr()),
                config.clip() > 0 ? "clip " + plain(config.clip()) : "no clipping",
                workers, workers == 1 ? "" : "s");
    }

    /**
     * The settings that say where the numbers come from: corpus, sampling (and its state warm-up), how often
     * workers average and the block momentum between averages, when it is on.
     */
    static String subtitle(TrainConfig config, int workers) {
        String corpus = config.corpus().replaceAll("/+$", "");
        corpus = corpus.substring(corpus.lastIndexOf('/') + 1);
        int every = config.averagingFrequencyFor(workers);
        double momentum = config.blockMomentumFor(workers);
        double blockLr = config.blockLrFor(workers);
        String block = momentum == 0 && blockLr == 1 ? ""
                : ", block momentum " + plain(momentum) + (blockLr == 1 ? "" : " (block-lr " + plain(blockLr) + ")");
        String warmup = config.stateWarmup() > 0 ? " (state warm-up " + config.stateWarmup() + ")" : "";
        return corpus + ", " + config.sampling().name().toLowerCase(Locale.ROOT) + " sampling" + warmup
                + ", averaging every " + every + " minibatch" + (every == 1 ? "" : "es") + block;
    }

    /** 1.0 as "1", 0.25 as "0.25": settings read as the user wrote them. */
    static String plain(double value) {
        return Double.isFinite(value) ? BigDecimal.valueOf(value).stripTrailingZeros().toPlainString() : Double.toString(value);
    }

    public PerplexityPlot withSize(int newWidth, int newHeight) {
        return new PerplexityPlot(title, subtitle, newWidth, newHeight, logScale);
    }

    /** Draws the metrics seen so far; an empty list gives the axes with a "no epochs yet" note. */
    public BufferedImage render(List<EpochMetrics> metrics) {
        return render(metrics, null);
    }

    /** As {@link #render(List)}, recording where the chart put its data area (for tests) when {@code info} is given. */
    BufferedImage render(List<EpochMetrics> metrics, ChartRenderingInfo info) {
        JFreeChart chart = chart(metrics);
        // RGB without alpha: the page behind the image is white anyway, and the PNG comes out smaller.
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            chart.draw(g, new Rectangle2D.Double(0, 0, width, height), info);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** The rendering encoded as PNG, for {@code perplexity.png} and for embedding in the HTML report. */
    public byte[] renderPng(List<EpochMetrics> metrics) {
        return encodePng(render(metrics));
    }

    static byte[] encodePng(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IllegalStateException("this JVM has no PNG image writer");
        }
        ImageWriter writer = writers.next();
        // ImageIO.write(image, "png", stream) would buffer through a cache file in java.io.tmpdir by default:
        // slower, and failing outright where the driver's temp folder is not writable. The image is small.
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(new IIOImage(image, null, null));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the perplexity plot as PNG: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private JFreeChart chart(List<EpochMetrics> metrics) {
        XYSeries training = new XYSeries(TRAINING_SERIES, true, true);
        XYSeries validation = new XYSeries(VALIDATION_SERIES, true, true);
        boolean anyValidation = false;
        for (EpochMetrics m : metrics) {
            // notify=false: a change event per point would make building the series quadratic in the epochs.
            training.add(m.epoch(), plottable(m.trainPerplexity()), false);
            if (!Double.isNaN(m.valPerplexity())) {
                anyValidation = true;
            }
            validation.add(m.epoch(), plottable(m.valPerplexity()), false);
        }
        XYSeriesCollection dataset = new XYSeriesCollection(training);
        if (anyValidation) {
            dataset.addSeries(validation);
        }

        NumberAxis epochAxis = new NumberAxis("epoch");
        epochAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        if (!metrics.isEmpty()) {
            // An explicit range: JFreeChart's automatic one collapses for a single epoch and pads asymmetrically.
            int firstEpoch = metrics.get(0).epoch();
            int lastEpoch = metrics.get(metrics.size() - 1).epoch();
            double pad = Math.max(0.5, (lastEpoch - firstEpoch) * 0.02);
            epochAxis.setRange(firstEpoch - pad, lastEpoch + pad);
        }
        ValueAxis perplexityAxis = logScale ? logAxis() : linearAxis();
        for (ValueAxis axis : List.of(epochAxis, perplexityAxis)) {
            styleAxis(axis);
        }

        boolean markers = metrics.size() <= MAX_EPOCHS_WITH_MARKERS;
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, markers);
        BasicStroke line = new BasicStroke(2.0f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
        Ellipse2D marker = new Ellipse2D.Double(-3, -3, 6, 6);
        Color[] colors = {TRAINING_COLOR, VALIDATION_COLOR};
        for (int series = 0; series < colors.length; series++) {
            renderer.setSeriesPaint(series, colors[series]);
            renderer.setSeriesStroke(series, line);
            renderer.setSeriesShape(series, marker);
        }
        renderer.setDrawSeriesLineAsPath(true);

        XYPlot plot = new XYPlot(dataset, epochAxis, perplexityAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(AXIS_COLOR);
        plot.setDomainGridlinePaint(GRID_COLOR);
        plot.setRangeGridlinePaint(GRID_COLOR);
        plot.setDomainGridlineStroke(new BasicStroke(1.0f));
        plot.setRangeGridlineStroke(new BasicStroke(1.0f));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        plot.setNoDataMessage("no epochs yet");
        plot.setNoDataMessageFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        plot.setNoDataMessagePaint(SUBTITLE_COLOR);

        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(8, 8, 8, 20));
        chart.getTitle().setPaint(TEXT_COLOR);
        LegendTitle legend = chart.getLegend();
        legend.setFrame(BlockBorder.NONE);
        legend.setBackgroundPaint(Color.WHITE);
        legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        legend.setItemPaint(TEXT_COLOR);
        legend.setPosition(RectangleEdge.BOTTOM);
        if (subtitle != null) {
            TextTitle second = new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            second.setPaint(SUBTITLE_COLOR);
            second.setPadding(new RectangleInsets(2, 0, 6, 0));
            chart.addSubtitle(0, second);
        }
        return chart;
    }

    /** A gap in the curve rather than an axis stretched to infinity when an epoch diverged. */
    private double plottable(double perplexity) {
        if (!Double.isFinite(perplexity) || (logScale && perplexity <= 0)) {
            return Double.NaN;
        }
        return perplexity;
    }

    private static NumberAxis linearAxis() {
        NumberAxis axis = new NumberAxis("perplexity");
        // Perplexity is at least 1; starting the axis at 0 would only squash the curves.
        axis.setAutoRangeIncludesZero(false);
        return axis;
    }

    private static PerplexityLogAxis logAxis() {
        return new PerplexityLogAxis("perplexity (log scale)");
    }

    private static void styleAxis(ValueAxis axis) {
        axis.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        axis.setLabelPaint(TEXT_COLOR);
        axis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        axis.setTickLabelPaint(TEXT_COLOR);
        axis.setAxisLinePaint(AXIS_COLOR);
        axis.setTickMarkPaint(AXIS_COLOR);
    }
}
