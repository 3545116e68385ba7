package dev.lstmspark.report;

import dev.lstmspark.io.StorageException;
import dev.lstmspark.store.RunDirectory;
import dev.lstmspark.store.RunLayout;
import dev.lstmspark.training.EpochMetrics;
import org.apache.hadoop.conf.Configuration;
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
        Matcher m = METRICS_ROW.matcher(Files.readString(dir.resolve(RunLayout.REPORT), StandardCharsets.UTF_8));
        List<Integer> epochs = new ArrayList<>();
        while (m.find()) {
            epochs.add(Integer.parseInt(m.group(1)));
        }
        return epochs;
    }

    /** A run directory in {@code dir}, the sink {@code train} gives the report. */
    private static RunDirectory runIn(Path dir) {
        return RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.NEW);
    }

    @Test
    void redrawsPlotAndReportAfterEveryEpochAndAtTheEnd(@TempDir Path dir) throws IOException {
        List<String> samples = new ArrayList<>();
        try (RunDirectory run = runIn(dir)) {
            ReportWriter writer = new ReportWriter(ReportFixtures.defaults(), run::writeFile, 2, () -> List.copyOf(samples),
                    ReportFixtures.HARDWARE, null);
            List<EpochMetrics> epochs = ReportFixtures.decaying(3, true);
            writer.onTrainingStart(List.of());
            for (EpochMetrics metrics : epochs) {
                samples.add("epoch " + metrics.epoch() + " | time traveller <" + metrics.epoch() + ">");
                writer.onEpochEnd(metrics, null);

                BufferedImage png = ImageIO.read(dir.resolve(RunLayout.PLOT).toFile());
                assertNotNull(png);
                assertEquals(PerplexityPlot.DEFAULT_WIDTH, png.getWidth());
                List<Integer> expected = new ArrayList<>();
                for (int e = 1; e <= metrics.epoch(); e++) {
                    expected.add(e);
                }
                assertEquals(expected, epochsInReport(dir));
                String html = Files.readString(dir.resolve(RunLayout.REPORT), StandardCharsets.UTF_8);
                assertTrue(html.contains("time traveller &lt;" + metrics.epoch() + "&gt;"), "this epoch's sample");
                String embedded = "data:image/png;base64,"
                        + Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve(RunLayout.PLOT)));
                assertTrue(html.contains(embedded), "the page should embed the very image written beside it");
            }
            samples.add("final | time traveller <end>");
            writer.onTrainingEnd(3, null);
            assertTrue(Files.readString(dir.resolve(RunLayout.REPORT), StandardCharsets.UTF_8).contains("&lt;end&gt;"),
                    "the end redraws the page with the final samples");
            assertEquals(epochs, writer.metrics());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(".lock", RunLayout.PLOT, RunLayout.REPORT),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files");
        }
    }

    @Test
    void aReportThatCannotBeWrittenDoesNotStopTraining(@TempDir Path dir) throws IOException {
        boolean[] full = {true};
        try (RunDirectory run = runIn(dir)) {
            ReportWriter writer = new ReportWriter(ReportFixtures.defaults(), (name, content) -> {
                if (full[0]) {
                    throw new StorageException("cannot write " + name + ": No space left on device", new IOException());
                }
                run.writeFile(name, content);
            }, 2, List::of, ReportFixtures.HARDWARE, null);
            List<EpochMetrics> epochs = ReportFixtures.decaying(2, false);
            writer.onEpochEnd(epochs.get(0), null); // logged, not thrown
            assertFalse(Files.exists(dir.resolve(RunLayout.REPORT)));

            full[0] = false;
            writer.onEpochEnd(epochs.get(1), null);
            assertEquals(List.of(1, 2), epochsInReport(dir), "the next epoch catches up with everything seen");
            assertNotNull(ImageIO.read(dir.resolve(RunLayout.PLOT).toFile()));
        }
    }

    @Test
    void aFailingSampleSourceStillLeavesThePlot(@TempDir Path dir) {
        try (RunDirectory run = runIn(dir)) {
            ReportWriter writer = new ReportWriter(ReportFixtures.defaults(), run::writeFile, 2, () -> {
                throw new IllegalStateException("samples unreadable");
            }, ReportFixtures.HARDWARE, null);
            writer.onEpochEnd(ReportFixtures.decaying(1, true).get(0), null);
            assertTrue(Files.exists(dir.resolve(RunLayout.PLOT)));
            assertFalse(Files.exists(dir.resolve(RunLayout.REPORT)));
        }
    }

    /** A resumed run's page and plot carry on from the restored epochs instead of starting over. */
    @Test
    void aResumedRunsReportKeepsTheEpochsBeforeTheInterruption(@TempDir Path dir) throws IOException {
        List<EpochMetrics> epochs = ReportFixtures.decaying(3, true);
        try (RunDirectory run = runIn(dir)) {
            ReportWriter writer = new ReportWriter(ReportFixtures.defaults(), run::writeFile, 2, List::of,
                    ReportFixtures.HARDWARE, null);
            writer.onTrainingStart(epochs.subList(0, 2));
            writer.onEpochEnd(epochs.get(2), null);
        }
        assertEquals(List.of(1, 2, 3), epochsInReport(dir));
        String html = Files.readString(dir.resolve(RunLayout.REPORT), StandardCharsets.UTF_8);
        Matcher total = Pattern.compile("total time ([0-9.]+) s").matcher(html);
        assertTrue(total.find(), html);
        double seconds = Double.parseDouble(total.group(1));
        assertTrue(seconds >= 25 && seconds < 60, "the two restored epochs of 12.5 s count: " + seconds);
    }

    @Test
    void namesTheNd4jBackendAndCpuOfThisJvm(@TempDir Path dir) throws IOException {
        try (RunDirectory run = runIn(dir)) {
            new ReportWriter(ReportFixtures.defaults(), run::writeFile, 1, List::of, Hardware.ofThisDriver(), null)
                    .onEpochEnd(ReportFixtures.decaying(1, true).get(0), null);
        }
        String html = Files.readString(dir.resolve(RunLayout.REPORT), StandardCharsets.UTF_8);
        // The test classpath carries nd4j-native, whose backend is CpuBackend.
        assertTrue(html.contains("<tr><th>ND4J backend</th><td>CpuBackend</td></tr>"), html);
        assertTrue(html.contains("<tr><th>driver CPU</th><td>" + RunReport.escape(Hardware.ofThisDriver().cpu()) + "</td></tr>"), html);
    }
}
