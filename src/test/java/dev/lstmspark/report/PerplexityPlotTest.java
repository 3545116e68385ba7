package dev.lstmspark.report;

import dev.lstmspark.training.EpochMetrics;
import org.jfree.chart.ChartRenderingInfo;
import dev.lstmspark.store.RunLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerplexityPlotTest {

    /** The plot of a decoded PNG, with the data area the chart reported while drawing it. */
    private record Rendering(BufferedImage image, Rectangle dataArea) {
    }

    private static Rendering renderDecoded(PerplexityPlot plot, List<EpochMetrics> metrics) throws IOException {
        ChartRenderingInfo info = new ChartRenderingInfo();
        byte[] png = PerplexityPlot.encodePng(plot.render(metrics, info));
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(decoded, "not a PNG that ImageIO can read");
        return new Rendering(decoded, info.getPlotInfo().getDataArea().getBounds());
    }

    private static PerplexityPlot plot(boolean logScale) {
        return PerplexityPlot.forRun(ReportFixtures.with(java.util.Map.of("plot-scale", logScale ? "log" : "linear")), 2);
    }

    /** Pixels within a small distance of a series colour: the curve's core and its markers, not antialiased fringe. */
    private static boolean near(int rgb, Color color) {
        Color c = new Color(rgb);
        return Math.abs(c.getRed() - color.getRed()) + Math.abs(c.getGreen() - color.getGreen())
                + Math.abs(c.getBlue() - color.getBlue()) < 60;
    }

    private static int count(BufferedImage image, Rectangle area, Color color) {
        int n = 0;
        for (int y = area.y; y < area.y + area.height; y++) {
            for (int x = area.x; x < area.x + area.width; x++) {
                if (near(image.getRGB(x, y), color)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static Rectangle whole(BufferedImage image) {
        return new Rectangle(0, 0, image.getWidth(), image.getHeight());
    }

    @Test
    void titleAndSubtitleNameTheKeySettings() {
        assertEquals("char LSTM hidden 256 x 1, 32 x 35, lr 1, clip 1, 2 workers",
                PerplexityPlot.title(ReportFixtures.defaults(), 2));
        assertEquals("word GRU hidden 128 x 2, 16 x 20, lr 0.5, no clipping, 1 worker",
                PerplexityPlot.title(ReportFixtures.with(Map.of("tokens", "word", "hidden", "128", "layers", "2",
                        "cell", "gru", "batch-size", "16", "num-steps", "20", "lr", "0.5", "clip", "0")), 1));
        assertEquals("timemachine.txt, random sampling, averaging every 5 minibatches, block momentum 0.5 (block-lr 1.5)",
                PerplexityPlot.subtitle(ReportFixtures.defaults(), 2));
        assertEquals("timemachine.txt, random sampling, averaging every 5 minibatches",
                PerplexityPlot.subtitle(ReportFixtures.defaults(), 1), "one worker: block momentum auto is 0");
        assertEquals("books, sequential sampling, averaging every 1 minibatch, block momentum 0.75 (block-lr 0.5)",
                PerplexityPlot.subtitle(ReportFixtures.with(Map.of("corpus", "hdfs://namenode/data/books/",
                        "sampling", "sequential", "averaging-frequency", "1", "block-lr", "0.5")), 4));
        assertEquals("books, sequential sampling, averaging every 1 minibatch",
                PerplexityPlot.subtitle(ReportFixtures.with(Map.of("corpus", "hdfs://namenode/data/books/",
                        "sampling", "sequential", "averaging-frequency", "1", "block-momentum", "0")), 4));
        assertEquals("timemachine.txt, sequential sampling (state warm-up 1), averaging every 10 minibatches, block"
                        + " momentum 0.5 (block-lr 1.5)",
                PerplexityPlot.subtitle(ReportFixtures.with(Map.of("sampling", "sequential", "state-warmup", "1")), 2));
    }

    @Test
    void drawsBothCurvesOnAWhitePlotAtTheRequestedSize() throws IOException {
        Rendering r = renderDecoded(plot(false), ReportFixtures.decaying(30, true));
        BufferedImage image = r.image();
        assertEquals(PerplexityPlot.DEFAULT_WIDTH, image.getWidth());
        assertEquals(PerplexityPlot.DEFAULT_HEIGHT, image.getHeight());

        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 100, "antialiased curves and text give many colours, got " + colours.size());

        Rectangle data = r.dataArea();
        assertTrue(data.width > image.getWidth() / 2 && data.height > image.getHeight() / 2,
                "the plot should fill most of the image: " + data);
        assertTrue(count(image, data, PerplexityPlot.TRAINING_COLOR) > 300, "training curve missing from the plot area");
        assertTrue(count(image, data, PerplexityPlot.VALIDATION_COLOR) > 300, "validation curve missing from the plot area");
        int white = count(image, data, Color.WHITE);
        assertTrue(white > 0.7 * data.width * data.height,
                "the plot background should be white, not JFreeChart's grey: " + white + " white pixels of "
                        + data.width * data.height);
    }

    @Test
    void leavesOutAValidationSeriesThatIsAllNaN() throws IOException {
        Rendering r = renderDecoded(plot(false), ReportFixtures.decaying(30, false));
        assertTrue(count(r.image(), r.dataArea(), PerplexityPlot.TRAINING_COLOR) > 300);
        // Not in the plot, and no legend entry either.
        assertEquals(0, count(r.image(), whole(r.image()), PerplexityPlot.VALIDATION_COLOR));
    }

    @Test
    void logScaleSpreadsOutTheLateEpochs() throws IOException {
        List<EpochMetrics> metrics = ReportFixtures.decaying(30, false);
        int linear = lateEpochsHeight(renderDecoded(plot(false), metrics));
        int log = lateEpochsHeight(renderDecoded(plot(true), metrics));
        // Late perplexities 1.5 to 1.2 take a sliver of a linear 1..26 axis but a visible span of a log one.
        assertTrue(log > 2 * linear, "late-epoch curve height: log " + log + " px, linear " + linear + " px");
    }

    /** Vertical extent of the training curve over the right half of the data area (epochs 16 to 30). */
    private static int lateEpochsHeight(Rendering r) {
        Rectangle d = r.dataArea();
        int top = Integer.MAX_VALUE;
        int bottom = Integer.MIN_VALUE;
        for (int y = d.y; y < d.y + d.height; y++) {
            for (int x = d.x + d.width / 2; x < d.x + d.width; x++) {
                if (near(r.image().getRGB(x, y), PerplexityPlot.TRAINING_COLOR)) {
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                }
            }
        }
        assertTrue(bottom >= top, "no training curve in the right half of the plot");
        return bottom - top;
    }

    @Test
    void logAxisLabelsRoundNumbersThroughoutTheRange() {
        assertEquals(List.of(1.5, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0), PerplexityLogAxis.tickValues(1.2, 26));
        assertEquals(List.of(1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0),
                PerplexityLogAxis.tickValues(1, 1000));
        // Within a fraction of a decade: evenly spaced round numbers, as on a linear axis.
        assertEquals(List.of(1.05, 1.1, 1.15, 1.2, 1.25, 1.3), PerplexityLogAxis.tickValues(1.04, 1.31));
        // Less than a decade where the 1-1.5-2-3-5-7 rung is too sparse (a short run from 20 down to 8).
        assertEquals(List.of(8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0), PerplexityLogAxis.tickValues(7.9, 20.3));
        assertEquals(List.of(), PerplexityLogAxis.tickValues(0, 10));
    }

    @Test
    void rendersNoEpochsOneEpochAndDivergedEpochs() throws IOException {
        for (boolean log : new boolean[]{false, true}) {
            PerplexityPlot plot = plot(log);
            assertEquals(PerplexityPlot.DEFAULT_WIDTH, renderDecoded(plot, List.of()).image().getWidth());
            Rendering one = renderDecoded(plot, List.of(new EpochMetrics(1, 20, 22, 1000, 10, 1, 1, Double.NaN, List.of("0"))));
            assertTrue(count(one.image(), one.dataArea(), PerplexityPlot.TRAINING_COLOR) > 10, "single point missing");
            List<EpochMetrics> diverged = new ArrayList<>(ReportFixtures.decaying(10, true));
            diverged.add(new EpochMetrics(11, Double.POSITIVE_INFINITY, Double.NaN, 1000, 10, 1, 1, Double.NaN, List.of("0")));
            diverged.add(new EpochMetrics(12, Double.NaN, Double.POSITIVE_INFINITY, 1000, 10, 1, 1, Double.NaN, List.of("0")));
            Rendering r = renderDecoded(plot, diverged);
            assertTrue(count(r.image(), r.dataArea(), PerplexityPlot.TRAINING_COLOR) > 100,
                    "finite epochs should still be drawn, axis not stretched to infinity");
        }
    }

    @Test
    void rendersWithAStaleDisplayAndNoHeadlessFlag(@TempDir Path dir) throws Exception {
        // A fresh JVM, as a driver started from an ssh session with X forwarding long gone: DISPLAY names a server
        // that does not exist and java.awt.headless is not set. PerplexityPlot must switch to headless itself.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", classpath, HeadlessRendering.class.getName(), dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile());
        pb.environment().put("DISPLAY", ":987");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process child = pb.start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String log = Files.readString(dir.resolve("child.log"));
        assertEquals(0, child.exitValue(), log);
        assertTrue(log.contains("headless=true"), log);
        File png = dir.resolve(RunLayout.PLOT).toFile();
        assertEquals(PerplexityPlot.DEFAULT_WIDTH, ImageIO.read(png).getWidth());
    }
}
