package dev.lstmspark.training;

import dev.lstmspark.TestSupport;
import dev.lstmspark.config.TrainConfig;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading a corpus: checked, counted and encoded from one read of the file, and nothing left cached. */
class TrainingDataTest {

    @Test
    void theCorpusFileIsReadOnceAndTheRawLinesAreReleased(@TempDir Path dir) throws IOException {
        Path corpus = TestSupport.pangramCorpus(dir, 2000);
        long size = Files.size(corpus);
        TrainConfig config = TestSupport.smokeConfig(corpus, dir.resolve("run"));
        try (JavaSparkContext sc = TestSupport.spark("local[2]")) {
            long before = localBytesRead();
            TrainingData data = TrainingData.load(sc, corpus.toUri().toString(), corpus.toString(), config);
            long read = localBytesRead() - before;
            // Hadoop reads a split in 64 KB buffers, so a little past its end; checking, counting and encoding each
            // reading the file would make three times its size.
            assertTrue(read >= size && read < 1.2 * size, "read " + read + " bytes of a " + size + "-byte corpus");
            assertEquals(28, data.vocabulary().size(), "<unk>, space and 26 letters");
            assertEquals(1, sc.sc().getPersistentRDDs().size(), "only the encoded corpus stays cached");
            data.corpus().unpersist();
        }
    }

    @SuppressWarnings("deprecation")
    private static long localBytesRead() {
        return FileSystem.getAllStatistics().stream()
                .filter(s -> "file".equals(s.getScheme()))
                .mapToLong(FileSystem.Statistics::getBytesRead)
                .sum();
    }
}
