package dev.lstmspark.store;

import dev.lstmspark.config.CellType;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TokenKind;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.model.ModelSpec;
import dev.lstmspark.model.RecurrentNetworks;
import dev.lstmspark.source.CorpusFingerprint;
import dev.lstmspark.source.CorpusProvenance;
import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.vocabulary.Vocabulary;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunDirectoryTest {
    private final Vocabulary vocabulary = new Vocabulary(TokenKind.CHAR, List.of("<unk>", " ", "a", "b"));
    private final TrainConfig config = ConfigLoader.load(null, Map.of("hidden", "8", "out", "unused", "keep", "2"));
    private final CorpusProvenance corpus = new CorpusProvenance("c.txt", "file:/data/c.txt", "text", null, null, 1, 12,
            "d2l", "char", 0, 0, new CorpusFingerprint(2, 0, 10, "00112233445566778899aabbccddeeff"), 10, 4);

    private MultiLayerNetwork net(long seed) {
        return RecurrentNetworks.create(new ModelSpec(vocabulary.size(), 8, 1, CellType.LSTM, false, 0, 0.1, 1, seed, 0));
    }

    private static EpochMetrics metrics(int epoch) {
        return new EpochMetrics(epoch, 10.0 / epoch, Double.NaN, 100, 3, 1, 1, Double.NaN, List.of("driver"));
    }

    private static RunDirectory prepare(Path dir, RunDirectory.Mode mode) {
        return RunDirectory.prepare(dir.toString(), new Configuration(), mode);
    }

    @Test
    void keepsTheNewestCheckpointsAndRestoresTheLatestWithItsMetricsSamplesAndState(@TempDir Path dir) {
        try (RunDirectory run = prepare(dir, RunDirectory.Mode.NEW)) {
            for (int epoch = 1; epoch <= 4; epoch++) {
                run.appendMetrics(metrics(epoch));
                run.appendSamples("epoch " + epoch + " | a b\n");
                CheckpointState state = new CheckpointState(Map.of("eta", Double.toString(0.1 * epoch)),
                        Map.of("delta", Nd4j.create(new float[] {epoch, -epoch}), "weights", net(epoch).params()));
                run.writeCheckpoint(epoch, net(epoch), vocabulary, corpus, config, state);
            }
            assertEquals(List.of(3, 4), run.checkpoints().epochs());
            run.appendMetrics(metrics(5)); // an epoch trained after the last checkpoint, then lost in a crash
        }
        try (RunDirectory resumed = prepare(dir, RunDirectory.Mode.RESUME)) {
            Checkpoint cp = resumed.restoreLatestCheckpoint().orElseThrow();
            assertEquals(4, cp.epoch());
            assertEquals(java.util.Optional.of(corpus), cp.model().corpus(), "every checkpoint records the corpus's provenance");
            assertEquals(net(4).params(), cp.model().network().params());
            assertEquals(vocabulary, cp.model().vocabulary());
            assertEquals(config, cp.model().config());
            assertEquals(Map.of("eta", Double.toString(0.1 * 4)), cp.state().values());
            assertEquals(Nd4j.create(new float[] {4, -4}), cp.state().arrays().get("delta"));
            assertEquals(net(4).params(), cp.state().arrays().get("weights"));
            assertEquals(List.of(1, 2, 3, 4), resumed.metrics().stream().map(EpochMetrics::epoch).toList());
            assertEquals(metrics(4), resumed.metrics().get(3), "read back as written, NaN validation included");
            assertEquals(4, resumed.readText(RunLayout.METRICS).lines().count(), "epoch 5 is not counted twice");
            assertTrue(resumed.readText(RunLayout.SAMPLES).endsWith("epoch 4 | a b\n"));
            assertEquals(List.of("epoch 1 | a b", "epoch 2 | a b", "epoch 3 | a b", "epoch 4 | a b"), resumed.sampleLines());
        }
    }

    @Test
    void incompleteAndTemporaryCheckpointsAreIgnored(@TempDir Path dir) throws IOException {
        try (RunDirectory run = prepare(dir, RunDirectory.Mode.NEW)) {
            run.appendMetrics(metrics(1));
            run.writeCheckpoint(1, net(1), vocabulary, corpus, config, CheckpointState.NONE);
            // What a crash mid-checkpoint leaves: a temporary folder, and a folder without its state file.
            Files.createDirectories(dir.resolve("checkpoints/.epoch-000002.1234.tmp"));
            Files.createDirectories(dir.resolve("checkpoints/epoch-000003"));
            Files.write(dir.resolve("checkpoints/epoch-000003/model.zip"), new byte[] {1, 2, 3});
            assertEquals(List.of(1), run.checkpoints().epochs());
            assertEquals(1, run.checkpoints().latest().orElseThrow().epoch());
        }
    }

    @Test
    void aNewRunRefusesADirectoryWithAModelOrCheckpointsAndOverwriteClearsIt(@TempDir Path dir) throws IOException {
        try (RunDirectory run = prepare(dir, RunDirectory.Mode.NEW)) {
            run.appendMetrics(metrics(1));
            run.writeCheckpoint(1, net(1), vocabulary, corpus, config, CheckpointState.NONE);
        }
        RunDirectoryException e = assertThrows(RunDirectoryException.class, () -> prepare(dir, RunDirectory.Mode.NEW));
        assertTrue(e.getMessage().contains("checkpoints of an unfinished run"), e.getMessage());
        try (RunDirectory run = prepare(dir, RunDirectory.Mode.RESUME)) {
            run.writeModel(net(1));
            run.writeFile(RunLayout.REPORT, new byte[] {1});
        }
        e = assertThrows(RunDirectoryException.class, () -> prepare(dir, RunDirectory.Mode.NEW));
        assertTrue(e.getMessage().contains("already holds a trained model"), e.getMessage());

        Files.writeString(dir.resolve("notes.txt"), "mine");
        prepare(dir, RunDirectory.Mode.OVERWRITE).close();
        for (String name : List.of("model.zip", "checkpoints", "metrics.jsonl", "report.html")) {
            assertFalse(Files.exists(dir.resolve(name)), name);
        }
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")), "files that are not the run's are left alone");
    }

    @Test
    void resumeNeedsACheckpoint(@TempDir Path dir) {
        RunDirectoryException e = assertThrows(RunDirectoryException.class, () -> prepare(dir, RunDirectory.Mode.RESUME));
        assertTrue(e.getMessage().contains("holds no checkpoint to resume from"), e.getMessage());
    }

    @Test
    void noTemporaryFilesOrChecksumsAreLeftBehind(@TempDir Path dir) throws IOException {
        try (RunDirectory run = prepare(dir, RunDirectory.Mode.NEW)) {
            run.writeConfig(config);
            run.writeVocabulary(vocabulary);
            run.appendMetrics(metrics(1));
            run.writeModel(net(1));
            run.writeCheckpoint(1, net(1), vocabulary, corpus, config, CheckpointState.NONE);
        }
        try (var files = Files.walk(dir)) {
            List<String> odd = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".tmp") || n.endsWith(".crc")).toList();
            assertEquals(List.of(), odd);
        }
    }

    /** The run directory writes no checksum files, without switching checksums off for the rest of the JVM. */
    @Test
    void leavesTheSharedLocalFileSystemChecksummed(@TempDir Path dir) throws IOException {
        try (RunDirectory run = prepare(dir.resolve("run"), RunDirectory.Mode.NEW)) {
            run.writeFile("report.html", new byte[] {1});
        }
        org.apache.hadoop.fs.FileSystem shared = org.apache.hadoop.fs.FileSystem.getLocal(new Configuration());
        try (var out = shared.create(new org.apache.hadoop.fs.Path(dir.resolve("other.txt").toUri()))) {
            out.write(1);
        }
        assertTrue(Files.exists(dir.resolve(".other.txt.crc")), "other users of file: keep checksums");
        assertFalse(Files.exists(dir.resolve("run").resolve(".report.html.crc")));
    }

    /** A checkpoint that cannot be written completely (a full disk) leaves the previous one as the newest. */
    @Test
    void aFailedCheckpointLeavesThePreviousOneIntact(@TempDir Path dir) throws IOException {
        String out = dev.lstmspark.io.FaultyFileSystem.uri(dir);
        try (RunDirectory run = RunDirectory.prepare(out, dev.lstmspark.io.FaultyFileSystem.configuration(), RunDirectory.Mode.NEW)) {
            run.appendMetrics(metrics(1));
            run.writeCheckpoint(1, net(1), vocabulary, corpus, config, CheckpointState.NONE);
            run.appendMetrics(metrics(2));
            dev.lstmspark.io.FaultyFileSystem.failAfter(3_000);
            dev.lstmspark.io.StorageException e = assertThrows(dev.lstmspark.io.StorageException.class,
                    () -> run.writeCheckpoint(2, net(2), vocabulary, corpus, config, CheckpointState.NONE));
            assertTrue(e.getMessage().endsWith(": No space left on device"), e.getMessage());
            dev.lstmspark.io.FaultyFileSystem.failAfter(Long.MAX_VALUE);
            assertEquals(List.of(1), run.checkpoints().epochs());
            assertEquals(net(1).params(), run.checkpoints().latest().orElseThrow().model().network().params());
        } finally {
            dev.lstmspark.io.FaultyFileSystem.failAfter(Long.MAX_VALUE);
        }
        try (var files = Files.list(dir.resolve("checkpoints"))) {
            assertEquals(List.of("epoch-000001"), files.map(p -> p.getFileName().toString()).toList(), "no staged leftovers");
        }
    }
}
