package dev.lstmspark.report;

import dev.lstmspark.training.ProgressListener;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TerminalProgressTest {

    @Test
    void barShowsMinibatchesRunningPerplexityAndEta() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TerminalProgress progress = new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 140);
        progress.onEpochStart(3, 10, 40);
        progress.onRound(3, 20, 1000, 1000 * Math.log(4));
        progress.onEpochFitted(3);
        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(shown.contains("epoch 3/10"), shown);
        assertTrue(shown.contains("20/40"), shown);
        assertTrue(shown.contains("ppl 4.000"), shown);
        assertTrue(shown.contains("run ETA"), shown);
    }

    @Test
    void messageAndDurations() {
        assertEquals("ppl 8.000, 500 tok/s, run ETA 1h01m", TerminalProgress.message(10 * Math.log(8), 10, 0.02,
                Duration.ofSeconds(3660)));
        assertEquals("2m05s", TerminalProgress.format(Duration.ofSeconds(125)));
        assertEquals("?", TerminalProgress.format(null));
    }

    @Test
    void noBarWithoutATerminal() {
        // Surefire's forked JVM has no console, like CI and cluster drivers.
        assertSame(ProgressListener.NONE, TerminalProgress.forConsole());
    }
}
