package dev.lstmspark.report;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

/** Run in a child JVM by {@link PerplexityPlotTest}: renders a plot into the folder given and says how AWT ran. */
public final class HeadlessRendering {

    private HeadlessRendering() {
    }

    public static void main(String[] args) {
        PerplexityPlot.forRun(ReportFixtures.defaults(), 2, true).write(ReportFixtures.decaying(20, true), Path.of(args[0]));
        System.out.println("headless=" + GraphicsEnvironment.isHeadless());
    }
}
