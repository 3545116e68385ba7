package dev.lstmspark.training;

import dev.lstmspark.TestSupport;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run that blows up stops at once, naming the epoch, and the last good checkpoint stays as it was. */
class DivergenceTest {

    @Test
    void divergenceAfterGoodEpochsLeavesTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("abc.txt"), "abcd efgh ijkl ".repeat(80) + "\n");
        TrainConfig config = ConfigLoader.load(Path.of("conf/smoke.properties"),
                Map.of("corpus", corpus.toString(), "epochs", "4", "out", dir.resolve("run").toString()));
        try (JavaSparkContext sc = TestSupport.spark("local[2]")) {
            TrainingData data = TrainingData.load(sc, corpus.toUri().toString(), corpus.toString(), config);
            RunDirectory run = RunDirectory.prepare(config.out(), sc.hadoopConfiguration(), RunDirectory.Mode.NEW);
            SparkTrainer trainer = new SparkTrainer(sc, config);
            MultiLayerNetwork net = trainer.newNetwork(data.vocabulary().size());
            EpochListener checkpoint = (m, n) -> {
                run.appendMetrics(m);
                run.writeCheckpoint(m.epoch(), n, data.vocabulary(), config, 2);
            };
            // Blow the weights up after epoch 2, as an exploding gradient would.
            EpochListener explode = (m, n) -> {
                if (m.epoch() == 2) {
                    n.params().muli(1e4);
                }
            };
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                    () -> trainer.fit(data, net, 1, List.of(checkpoint, explode)));
            assertTrue(e.getMessage().startsWith("training diverged in epoch 3"), e.getMessage());
            assertTrue(e.getMessage().contains("lower --lr"), e.getMessage());
            assertEquals(List.of(1, 2), run.checkpointEpochs());
            RunDirectory.Checkpoint good = run.restoreLatestCheckpoint().orElseThrow();
            assertEquals(2, good.epoch());
            assertTrue(Double.isFinite(good.network().params().sumNumber().doubleValue()));
            assertTrue(good.network().params().amaxNumber().doubleValue() < 100, "the checkpoint predates the blow-up");
            data.corpus().unpersist();
        }
    }
}
