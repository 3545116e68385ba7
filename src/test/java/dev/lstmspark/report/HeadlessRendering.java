package dev.lstmspark.report;

import dev.lstmspark.store.RunLayout;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

/** Run in a child JVM by {@link PerplexityPlotTest}: renders a plot into the folder given and says how AWT ran. */
public final class HeadlessRendering {

    private HeadlessRendering() {
    }

    public static void main(String[] args) throws java.io.IOException {
        byte[] png = PerplexityPlot.forRun(ReportFixtures.defaults(), 2).renderPng(ReportFixtures.decaying(20, true));
        java.nio.file.Files.write(Path.of(args[0]).resolve(RunLayout.PLOT), png);
        System.out.println("headless=" + GraphicsEnvironment.isHeadless());
    }
}
