package dev.lstmspark.training;

import dev.lstmspark.TestSupport;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.run.TrainingRun;
import dev.lstmspark.store.Checkpoint;
import dev.lstmspark.store.RunDirectory;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run that blows up stops at once, naming the epoch, and the last good checkpoint stays as it was. */
class DivergenceTest {

    @Test
    void divergenceAfterGoodEpochsLeavesTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("abc.txt"), "abcd efgh ijkl ".repeat(80) + "\n");
        TrainConfig config = ConfigLoader.load(Path.of("conf/smoke.properties"),
                Map.of("corpus", corpus.toString(), "epochs", "4", "out", dir.resolve("run").toString()));
        try (JavaSparkContext sc = TestSupport.spark("local[2]");
             RunDirectory run = RunDirectory.prepare(config.out(), sc.hadoopConfiguration(), RunDirectory.Mode.NEW)) {
            TrainingRun training = new TrainingRun(config, corpus.toUri().toString(), run, false, false);
            // Blow the weights up after epoch 2 (and its checkpoint), as an exploding gradient would.
            training.addListener(new TrainingListener() {
                @Override
                public void onEpochEnd(EpochMetrics metrics, MultiLayerNetwork network) {
                    if (metrics.epoch() == 2) {
                        network.params().muli(1e4);
                    }
                }
            });
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                    () -> training.train(sc, new PrintWriter(new StringWriter())));
            assertTrue(e.getMessage().startsWith("training diverged in epoch 3"), e.getMessage());
            assertTrue(e.getMessage().contains("lower --lr"), e.getMessage());
            assertEquals(List.of(1, 2), run.checkpoints().epochs());
            Checkpoint good = run.checkpoints().latest().orElseThrow();
            assertEquals(2, good.epoch());
            MultiLayerNetwork network = good.model().network();
            assertTrue(Double.isFinite(network.params().sumNumber().doubleValue()));
            assertTrue(network.params().amaxNumber().doubleValue() < 100, "the checkpoint predates the blow-up");
            assertTrue(Files.exists(dir.resolve("run").resolve("metrics.jsonl")));
            assertFalse(Files.exists(dir.resolve("run").resolve("model.zip")), "a diverged run saves no model");
        }
    }
}
