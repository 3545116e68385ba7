package dev.lstmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lstmspark.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training JVM killed with SIGKILL mid-epoch resumes and ends with exactly the uninterrupted run's metrics, block
 * momentum (the driver's own state) included.
 */
class ResumeIT {
    private static final int EPOCHS = 4;

    @Test
    void killedMidEpochThenResumedMatchesAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path corpus = TestSupport.pangramCorpus(dir, 40);
        Path reference = dir.resolve("reference");
        Path interrupted = dir.resolve("interrupted");

        Process full = train(corpus, reference, false, dir.resolve("reference.log"));
        assertEquals(0, full.waitFor(), Files.readString(dir.resolve("reference.log")));

        Process victim = train(corpus, interrupted, false, dir.resolve("victim.log"));
        Path metrics = interrupted.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (lines(metrics) < 2 && victim.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(victim.isAlive(), "the run ended before it could be killed: " + Files.readString(dir.resolve("victim.log")));
        Thread.sleep(1500); // into epoch 3
        victim.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
        victim.waitFor();
        int trainedBeforeKill = lines(metrics);
        assertTrue(trainedBeforeKill >= 2 && trainedBeforeKill < EPOCHS, "killed after " + trainedBeforeKill + " epochs");

        Process resumed = train(corpus, interrupted, true, dir.resolve("resumed.log"));
        assertEquals(0, resumed.waitFor(), Files.readString(dir.resolve("resumed.log")));
        assertTrue(Files.readString(dir.resolve("resumed.log")).contains("resuming"));
        // Two local workers: block momentum auto is 0.5, whose state (W and delta) lives on the driver; the resumed
        // run's metrics can only equal the uninterrupted run's if the checkpoint carried it.
        assertTrue(Files.readString(dir.resolve("resumed.log")).contains("block momentum 0.5"),
                Files.readString(dir.resolve("resumed.log")));
        try (var checkpoints = Files.list(interrupted.resolve("checkpoints"))) {
            for (Path checkpoint : checkpoints.toList()) {
                assertTrue(Files.isRegularFile(checkpoint.resolve("state-block-momentum-weights.bin")), checkpoint.toString());
                assertTrue(Files.isRegularFile(checkpoint.resolve("state-block-momentum-delta.bin")), checkpoint.toString());
            }
        }

        List<JsonNode> expected = read(reference.resolve("metrics.jsonl"));
        List<JsonNode> actual = read(metrics);
        assertEquals(EPOCHS, actual.size(), "every epoch once: " + actual);
        for (int e = 0; e < EPOCHS; e++) {
            assertEquals(e + 1, actual.get(e).get("epoch").asInt());
            assertEquals(expected.get(e).get("tokens").asLong(), actual.get(e).get("tokens").asLong());
            for (String key : List.of("train_perplexity", "val_perplexity")) {
                double want = expected.get(e).get(key).asDouble();
                assertEquals(want, actual.get(e).get(key).asDouble(), 1e-6 * want, key + " of epoch " + (e + 1));
            }
        }
        assertTrue(Files.isRegularFile(interrupted.resolve("model.zip")));
    }

    private static Process train(Path corpus, Path out, boolean resume, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dorg.bytedeco.javacpp.platform.extension=" + System.getProperty("nd4j.platform.extension", ""),
                "-Dlog4j2.configurationFile=conf/log4j2.properties"));
        command.addAll(List.of(TestSupport.addOpens().split(" ")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "train",
                "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", Integer.toString(EPOCHS),
                "--out", out.toString(), "--master", "local[2]"));
        if (resume) {
            command.add("--resume");
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int lines(Path file) throws IOException {
        return Files.exists(file) ? (int) Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).count() : 0;
    }

    private static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            nodes.add(json.readTree(line));
        }
        return nodes;
    }
}
