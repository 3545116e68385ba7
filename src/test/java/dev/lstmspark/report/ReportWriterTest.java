package dev.lstmspark.report;

import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.training.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWriterTest {
    private static final Pattern METRICS_ROW = Pattern.compile("<tr><td>(\\d+)</td><td>");

    private static List<Integer> epochsInReport(Path dir) throws IOException {
        Matcher m = METRICS_ROW.matcher(Files.readString(dir.resolve(RunReport.FILE_NAME), StandardCharsets.UTF_8));
        List<Integer> epochs = new ArrayList<>();
        while (m.find()) {
            epochs.add(Integer.parseInt(m.group(1)));
        }
        return epochs;
    }

    @Test
    void redrawsPlotAndReportAfterEveryEpoch(@TempDir Path dir) throws IOException {
        List<String> samples = new ArrayList<>();
        ReportWriter writer = new ReportWriter(ReportFixtures.defaults(), dir, 2, () -> List.copyOf(samples),
                ReportFixtures.HARDWARE, true);
        List<EpochMetrics> run = ReportFixtures.decaying(3, true);
        for (EpochMetrics metrics : run) {
            samples.add("epoch " + metrics.epoch() + " | time traveller <" + metrics.epoch() + ">");
            writer.onEpochEnd(metrics, null);

            BufferedImage png = ImageIO.read(dir.resolve(PerplexityPlot.FILE_NAME).toFile());
            assertNotNull(png);
            assertEquals(PerplexityPlot.DEFAULT_WIDTH, png.getWidth());
            List<Integer> expected = new ArrayList<>();
            for (int e = 1; e <= metrics.epoch(); e++) {
                expected.add(e);
            }
            assertEquals(expected, epochsInReport(dir));
            String html = Files.readString(dir.resolve(RunReport.FILE_NAME), StandardCharsets.UTF_8);
            assertTrue(html.contains("time traveller &lt;" + metrics.epoch() + "&gt;"), "this epoch's sample");
            String embedded = "data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve(PerplexityPlot.FILE_NAME)));
            assertTrue(html.contains(embedded), "the page should embed the very image written beside it");
        }
        assertEquals(run, writer.metrics());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "only perplexity.png and report.html, no temporary files");
        }
    }

    @Test
    void aReportThatCannotBeWrittenDoesNotStopTraining(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("not-yet");
        ReportWriter writer = new ReportWriter(ReportFixtures.defaults(), dir, 2, List::of, ReportFixtures.HARDWARE, false);
        List<EpochMetrics> run = ReportFixtures.decaying(2, false);
        writer.onEpochEnd(run.get(0), null); // the folder is missing: logged, not thrown
        assertFalse(Files.exists(dir));

        Files.createDirectories(dir);
        writer.onEpochEnd(run.get(1), null);
        assertEquals(List.of(1, 2), epochsInReport(dir), "the next epoch catches up with everything seen");
        assertNotNull(ImageIO.read(dir.resolve(PerplexityPlot.FILE_NAME).toFile()));
    }

    @Test
    void aFailingSampleSourceStillLeavesThePlot(@TempDir Path dir) {
        ReportWriter writer = new ReportWriter(ReportFixtures.defaults(), dir, 2, () -> {
            throw new IllegalStateException("samples unreadable");
        }, ReportFixtures.HARDWARE, false);
        writer.onEpochEnd(ReportFixtures.decaying(1, true).get(0), null);
        assertTrue(Files.exists(dir.resolve(PerplexityPlot.FILE_NAME)));
        assertFalse(Files.exists(dir.resolve(RunReport.FILE_NAME)));
    }

    /** A resumed run's page and plot carry on from the restored epochs instead of starting over. */
    @Test
    void aResumedRunsReportKeepsTheEpochsBeforeTheInterruption(@TempDir Path dir) throws IOException {
        Path runDir = dir.resolve("run");
        RunDirectory run = RunDirectory.open(runDir.toString(), new org.apache.hadoop.conf.Configuration());
        List<EpochMetrics> epochs = ReportFixtures.decaying(3, true);
        run.appendMetrics(epochs.get(0));
        run.appendMetrics(epochs.get(1));

        ReportWriter.forRun(ReportFixtures.defaults(), run, 2, null).onEpochEnd(epochs.get(2), null);
        assertEquals(List.of(1, 2, 3), epochsInReport(runDir));
        String html = Files.readString(runDir.resolve(RunReport.FILE_NAME), StandardCharsets.UTF_8);
        java.util.regex.Matcher total = java.util.regex.Pattern.compile("total time ([0-9.]+) s").matcher(html);
        assertTrue(total.find(), html);
        double seconds = Double.parseDouble(total.group(1));
        assertTrue(seconds >= 25 && seconds < 60, "the two restored epochs of 12.5 s count: " + seconds);
    }

    @Test
    void readsSamplesFromTheRunDirectory(@TempDir Path dir) {
        RunDirectory run = RunDirectory.open(dir.resolve("run").toString(), new org.apache.hadoop.conf.Configuration());
        var samples = ReportWriter.samplesFrom(run);
        assertEquals(List.of(), samples.get(), "nothing sampled before the first epoch");
        run.appendSamples("epoch 1 | time traveller a\nepoch 1 | traveller b\n");
        run.appendSamples("epoch 2 | time traveller c\n");
        assertEquals(List.of("epoch 1 | time traveller a", "epoch 1 | traveller b", "epoch 2 | time traveller c"),
                samples.get());
    }

    @Test
    void namesTheNd4jBackendOfThisJvm(@TempDir Path dir) throws IOException {
        new ReportWriter(ReportFixtures.defaults(), dir, 1, List::of).onEpochEnd(ReportFixtures.decaying(1, true).get(0), null);
        String html = Files.readString(dir.resolve(RunReport.FILE_NAME), StandardCharsets.UTF_8);
        // The test classpath carries nd4j-native, whose backend is CpuBackend.
        assertTrue(html.contains("<tr><th>ND4J backend</th><td>CpuBackend</td></tr>"), html);
    }
}
