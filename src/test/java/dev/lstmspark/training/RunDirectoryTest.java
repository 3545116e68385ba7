package dev.lstmspark.training;

import dev.lstmspark.config.CellType;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TokenKind;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.model.RecurrentNetworks;
import dev.lstmspark.model.ModelSpec;
import dev.lstmspark.vocabulary.Vocabulary;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    private final TrainConfig config = ConfigLoader.load(null, Map.of("hidden", "8", "out", "unused"));

    private MultiLayerNetwork net(long seed) {
        return RecurrentNetworks.create(new ModelSpec(vocabulary.size(), 8, 1, CellType.LSTM, 0, 0.1, 1, seed, 0));
    }

    private static EpochMetrics metrics(int epoch) {
        return new EpochMetrics(epoch, 10.0 / epoch, Double.NaN, 100, 3, 1, 1, List.of("driver"));
    }

    @Test
    void keepsTheNewestCheckpointsAndRestoresTheLatestWithItsMetrics(@TempDir Path dir) {
        RunDirectory run = RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.NEW);
        for (int epoch = 1; epoch <= 4; epoch++) {
            run.appendMetrics(metrics(epoch));
            run.appendSamples("epoch " + epoch + " | a b\n");
            run.writeCheckpoint(epoch, net(epoch), vocabulary, config, 2);
        }
        assertEquals(List.of(3, 4), run.checkpointEpochs());
        run.appendMetrics(metrics(5)); // an epoch trained after the last checkpoint, then lost in a crash

        RunDirectory resumed = RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.RESUME);
        RunDirectory.Checkpoint cp = resumed.restoreLatestCheckpoint().orElseThrow();
        assertEquals(4, cp.epoch());
        assertEquals(net(4).params(), cp.network().params());
        assertEquals(vocabulary, cp.vocabulary());
        assertEquals(config, cp.config());
        assertEquals(4, cp.metricsLines().size());
        assertEquals(List.of(1, 2, 3, 4), resumed.metrics().stream().map(EpochMetrics::epoch).toList());
        assertEquals(metrics(4), resumed.metrics().get(3), "read back as written, NaN validation included");
        assertEquals(4, resumed.readText(RunDirectory.METRICS_FILE).lines().count(), "epoch 5 is not counted twice");
        assertTrue(resumed.readText(RunDirectory.SAMPLES_FILE).endsWith("epoch 4 | a b\n"));
    }

    @Test
    void incompleteAndTemporaryCheckpointsAreIgnored(@TempDir Path dir) throws IOException {
        RunDirectory run = RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.NEW);
        run.appendMetrics(metrics(1));
        run.writeCheckpoint(1, net(1), vocabulary, config, 2);
        // What a crash mid-checkpoint leaves: a temporary folder, and a folder without its state file.
        Files.createDirectories(dir.resolve("checkpoints/.epoch-000002.1234.tmp"));
        Files.createDirectories(dir.resolve("checkpoints/epoch-000003"));
        Files.write(dir.resolve("checkpoints/epoch-000003/model.zip"), new byte[] {1, 2, 3});
        assertEquals(List.of(1), run.checkpointEpochs());
        assertEquals(1, run.restoreLatestCheckpoint().orElseThrow().epoch());
    }

    @Test
    void aNewRunRefusesADirectoryWithAModelOrCheckpointsAndOverwriteClearsIt(@TempDir Path dir) throws IOException {
        RunDirectory run = RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.NEW);
        run.appendMetrics(metrics(1));
        run.writeCheckpoint(1, net(1), vocabulary, config, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.NEW));
        assertTrue(e.getMessage().contains("checkpoints of an unfinished run"), e.getMessage());
        run.writeModel(net(1));
        e = assertThrows(IllegalArgumentException.class,
                () -> RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.NEW));
        assertTrue(e.getMessage().contains("already holds a trained model"), e.getMessage());

        Files.writeString(dir.resolve("notes.txt"), "mine");
        RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.OVERWRITE);
        assertFalse(Files.exists(dir.resolve("model.zip")));
        assertFalse(Files.exists(dir.resolve("checkpoints")));
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")), "files that are not the run's are left alone");
    }

    @Test
    void resumeNeedsACheckpoint(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.RESUME));
        assertTrue(e.getMessage().contains("holds no checkpoint to resume from"), e.getMessage());
    }

    @Test
    void noTemporaryFilesOrChecksumsAreLeftBehind(@TempDir Path dir) throws IOException {
        RunDirectory run = RunDirectory.prepare(dir.toString(), new Configuration(), RunDirectory.Mode.NEW);
        run.writeConfig(config);
        run.writeVocabulary(vocabulary);
        run.appendMetrics(metrics(1));
        run.writeModel(net(1));
        run.writeCheckpoint(1, net(1), vocabulary, config, 2);
        try (var files = Files.walk(dir)) {
            List<String> odd = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".tmp") || n.endsWith(".crc")).toList();
            assertEquals(List.of(), odd);
        }
    }

    /** The run directory writes no checksum files, without switching checksums off for the rest of the JVM. */
    @Test
    void leavesTheSharedLocalFileSystemChecksummed(@TempDir Path dir) throws java.io.IOException {
        RunDirectory run = RunDirectory.open(dir.resolve("run").toString(), new Configuration());
        run.writeFile("report.html", new byte[] {1});
        org.apache.hadoop.fs.FileSystem shared = org.apache.hadoop.fs.FileSystem.getLocal(new Configuration());
        try (var out = shared.create(new org.apache.hadoop.fs.Path(dir.resolve("other.txt").toUri()))) {
            out.write(1);
        }
        assertTrue(java.nio.file.Files.exists(dir.resolve(".other.txt.crc")), "other users of file: keep checksums");
        assertFalse(java.nio.file.Files.exists(dir.resolve("run").resolve(".report.html.crc")));
    }
}
