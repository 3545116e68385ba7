package dev.lstmspark.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchmarkTest {

    @Test
    void defaultsAreTwoLocalWorkersOneWarmUpAndOneMeasuredEpoch() {
        BenchmarkOptions o = BenchmarkOptions.parse();
        assertEquals(1, o.warmupEpochs());
        assertEquals(1, o.epochs());
        assertEquals(1, o.scale());
        assertNull(o.out());
        assertEquals("local[2]", o.settings().get("master"));
        assertEquals("2", o.settings().get("workers"));
    }

    @Test
    void flagsAndSettingsAreParsed() {
        BenchmarkOptions o = BenchmarkOptions.parse("--epochs", "3", "--scale", "20", "--out", "b.json",
                "--corpus", "c.txt", "--set", "averaging-frequency=10", "--single-iterations", "0");
        assertEquals(3, o.epochs());
        assertEquals(20, o.scale());
        assertEquals("b.json", o.out());
        assertEquals("c.txt", o.settings().get("corpus"));
        assertEquals("10", o.settings().get("averaging-frequency"));
        assertEquals(0, o.singleIterations());
    }

    @Test
    void badFlagsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse("--scale", "0"));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse("--epochs"));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse("--nope", "1"));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse("--set", "novalue"));
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
