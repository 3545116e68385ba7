package dev.lstmspark.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lstmspark.TestSupport;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.store.RunLayout;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Killing an executor JVM mid-epoch does not fail the job: Spark retries its tasks and every epoch completes. */
class LostExecutorIT {

    @Test
    void killingAnExecutorMidEpochDoesNotFailTraining(@TempDir Path dir) throws Exception {
        Path corpus = TestSupport.pangramCorpus(dir, 40);
        Path out = dir.resolve("run");
        TrainConfig config = TestSupport.smokeConfig(corpus, out, "epochs", "4", "workers", "2");
        Set<Long> before = executorPids();
        try (JavaSparkContext sc = new JavaSparkContext(ClusterTrainingIT.clusterConf())) {
            CompletableFuture<Void> training = CompletableFuture.runAsync(() -> TestSupport.train(sc, config));
            Path metrics = out.resolve(RunLayout.METRICS);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while ((!Files.exists(metrics) || Files.readAllLines(metrics).isEmpty()) && !training.isDone()
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(1000); // into epoch 2
            Set<Long> executors = executorPids();
            executors.removeAll(before);
            assertEquals(2, executors.size(), "two executor JVMs: " + executors);
            long victim = executors.iterator().next();
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();

            training.get(10, TimeUnit.MINUTES);
        }
        List<JsonNode> epochs = TestSupport.readMetrics(out);
        assertEquals(4, epochs.size());
        long tokens = epochs.get(0).get("tokens").asLong();
        Set<String> ids = new HashSet<>();
        for (JsonNode e : epochs) {
            assertEquals(tokens, e.get("tokens").asLong(), "every minibatch trained exactly once in " + e);
            e.get("executor_ids").forEach(n -> ids.add(n.asText()));
        }
        assertTrue(ids.size() >= 3, "a replacement executor joined after the kill: " + ids);
        assertTrue(Files.isRegularFile(out.resolve("model.zip")));
    }

    private static Set<Long> executorPids() {
        Set<Long> pids = new HashSet<>();
        TestSupport.commandLines().forEach((pid, cmd) -> {
            if (cmd.contains("CoarseGrainedExecutorBackend")) {
                pids.add(pid);
            }
        });
        return pids;
    }
}
