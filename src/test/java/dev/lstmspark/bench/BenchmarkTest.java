package dev.lstmspark.bench;

import dev.lstmspark.config.CellType;
import dev.lstmspark.config.ConfigException;
import dev.lstmspark.config.TrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchmarkTest {

    private static Benchmark parse(String... args) {
        Benchmark bench = new Benchmark();
        new CommandLine(bench).parseArgs(args);
        return bench;
    }

    @Test
    void defaultsAreTwoLocalWorkersOneWarmUpAndOneMeasuredEpoch() {
        Benchmark b = parse();
        assertEquals(1, b.warmupEpochs);
        assertEquals(1, b.epochs);
        assertEquals(1, b.scale);
        assertNull(b.out);
        TrainConfig config = b.config();
        assertEquals("local[2]", config.master());
        assertEquals(2, config.workers());
        assertEquals(2, config.epochs(), "warm-up plus measured");
    }

    @Test
    void flagsAndSettingsAreParsed() {
        Benchmark b = parse("--epochs", "3", "--scale", "20", "--out", "b.json",
                "--corpus", "c.txt", "--set", "averaging-frequency=10", "--set", "cell=gru", "--single-iterations", "0");
        assertEquals(3, b.epochs);
        assertEquals(20, b.scale);
        assertEquals(Path.of("b.json"), b.out);
        assertEquals(0, b.singleIterations);
        TrainConfig config = b.config();
        assertEquals("c.txt", config.corpus());
        assertEquals(10, config.averagingFrequencyFor(2));
        assertEquals(CellType.GRU, config.cell());
    }

    @Test
    void badFlagsAreRefused() {
        assertThrows(CommandLine.ParameterException.class, () -> parse("--epochs"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("--nope", "1"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("--set", "novalue"));
        assertThrows(ConfigException.class, () -> parse("--set", "colour=red").config());
        CommandLine cl = new CommandLine(new Benchmark());
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(2, cl.execute("--scale", "0"));
        assertTrue(err.toString().contains("--scale must be at least 1, got 0"), err.toString());
    }

    @Test
    void scaledCorpusRepeatsTheTextWithLineBreaksBetweenCopies(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("a.txt");
        Files.writeString(src, "ab\ncd");
        Path out = dir.resolve("b.txt");
        Benchmark.writeScaled(src, 3, out);
        assertEquals("ab\ncd\nab\ncd\nab\ncd\n", Files.readString(out));
        Files.writeString(src, "x\n");
        Benchmark.writeScaled(src, 2, out);
        assertEquals("x\nx\n", Files.readString(out));
    }

    /** CorpusLocator resolves local files to file: URIs, percent-encoded: --scale must read them back. */
    @Test
    void corpusUrisResolveToLocalPaths(@TempDir Path dir) {
        Path file = dir.resolve("the time machine.txt");
        assertEquals(file.toAbsolutePath(), Benchmark.localPath(file.toAbsolutePath().toUri().toString()));
        assertEquals(Path.of("data/timemachine.txt"), Benchmark.localPath("data/timemachine.txt"));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Benchmark.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Benchmark.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertTrue(Double.isNaN(Benchmark.median(List.of())));
    }

    @Test
    void secondsByKeyOfNoStatisticsIsEmpty() {
        assertTrue(Benchmark.secondsByKey(null).isEmpty());
    }
}
