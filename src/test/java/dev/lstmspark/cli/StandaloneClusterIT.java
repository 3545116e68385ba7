package dev.lstmspark.cli;

import dev.lstmspark.TestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The path a user takes to a cluster: {@code jobs/cluster-up.sh} starts a standalone master and two workers
 * on loopback, {@code jobs/submit.sh} submits the shaded jar, {@code jobs/cluster-down.sh} leaves no process.
 */
class StandaloneClusterIT {

    @Test
    void clusterUpSubmitTrainClusterDown(@TempDir Path dir) throws Exception {
        Path clusterDir = Path.of("target", "it-cluster").toAbsolutePath();
        Map<String, String> env = Map.of(
                "LSTM_SPARK_CLUSTER_DIR", clusterDir.toString(),
                "SPARK_MASTER_PORT", Integer.toString(freePort()),
                "SPARK_MASTER_WEBUI_PORT", Integer.toString(freePort()),
                "SPARK_WORKER_MEMORY", "2g",
                "LSTM_SPARK_HEAP", "1g",
                // Maven has just built target/; the scripts must not start a nested build.
                "LSTM_SPARK_SKIP_BUILD", "1");
        Path corpus = TestSupport.pangramCorpus(dir, 15);
        Path out = dir.resolve("run");
        try {
            Result up = run(env, "jobs/cluster-up.sh", "2");
            assertEquals(0, up.code(), up.output());
            String masterUrl = up.output().strip().lines().reduce((a, b) -> b).orElseThrow();
            assertTrue(masterUrl.startsWith("spark://127.0.0.1:"), up.output());
            assertEquals(masterUrl, run(env, "jobs/cluster-up.sh", "2").output().strip(), "cluster-up is idempotent");

            Result submit = run(env, "jobs/submit.sh", "--master", masterUrl, "--executor-memory", "1g", "--",
                    "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                    "--out", out.toString());
            assertEquals(0, submit.code(), submit.output());
            List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"), StandardCharsets.UTF_8);
            assertEquals(1, lines.size());
            JsonNode epoch = new ObjectMapper().readTree(lines.get(0));
            assertEquals(2, epoch.get("executors").asInt(), epoch.toString());
            assertTrue(Files.isRegularFile(out.resolve("model.zip")));
        } finally {
            Result down = run(env, "jobs/cluster-down.sh");
            assertEquals(0, down.code(), down.output());
        }
        List<String> left = new ArrayList<>();
        dev.lstmspark.TestSupport.commandLines().values().stream()
                .filter(cmd -> cmd.contains(clusterDir.toString()) || cmd.contains("deploy.worker.Worker")
                        || cmd.contains("deploy.master.Master"))
                .forEach(left::add);
        assertEquals(List.of(), left, "cluster-down left processes behind");
    }

    record Result(int code, String output) {
    }

    private static Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().remove("SPARK_HOME");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), output);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
