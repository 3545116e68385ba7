package dev.lstmspark.cli;

import dev.lstmspark.TestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The path a user takes to a cluster: {@code jobs/cluster-up.sh} starts a standalone master and two workers
 * on loopback, {@code jobs/submit.sh} submits the shaded jar, {@code jobs/cluster-down.sh} leaves no process.
 * The cluster authenticates: an application without its secret, or with another, is refused; one with it trains,
 * encrypted, and the secret shows on no command line and in no log or run file.
 */
class StandaloneClusterIT {

    @Test
    void clusterUpSubmitTrainClusterDown(@TempDir Path dir) throws Exception {
        Path clusterDir = Path.of("target", "it-cluster").toAbsolutePath();
        // Logs and executor folders of earlier runs would be searched for this run's secret and executors.
        deleteRecursively(clusterDir);
        int port = freePort();
        int webUiPort = freePort();
        Map<String, String> env = Map.of(
                "LSTM_SPARK_CLUSTER_DIR", clusterDir.toString(),
                "SPARK_MASTER_PORT", Integer.toString(port),
                "SPARK_MASTER_WEBUI_PORT", Integer.toString(webUiPort),
                "SPARK_WORKER_MEMORY", "2g",
                "LSTM_SPARK_HEAP", "1g",
                // Maven has just built target/; the scripts must not start a nested build.
                "LSTM_SPARK_SKIP_BUILD", "1");
        // Someone else on the machine: the same scripts, but no access to this cluster's directory and secret.
        Map<String, String> stranger = new HashMap<>(env);
        stranger.put("LSTM_SPARK_CLUSTER_DIR", Files.createDirectories(dir.resolve("stranger")).toString());
        Path corpus = TestSupport.pangramCorpus(dir, 15);
        Path out = dir.resolve("run");
        try {
            Result up = run(env, "jobs/cluster-up.sh", "2");
            assertEquals(0, up.code(), up.output());
            String masterUrl = up.output().strip().lines().reduce((a, b) -> b).orElseThrow();
            assertTrue(masterUrl.startsWith("spark://127.0.0.1:"), up.output());
            assertEquals(masterUrl, run(env, "jobs/cluster-up.sh", "2").output().strip(), "cluster-up is idempotent");

            Path secretFile = clusterDir.resolve("secret");
            byte[] secretBytes = Files.readAllBytes(secretFile);
            assertEquals(64, secretBytes.length, "256 random bits as hex");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secretFile)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(clusterDir)));
            // The secret as the file holds it, and as Spark uses it (the file's bytes in base64).
            List<String> secrets = List.of(new String(secretBytes, StandardCharsets.US_ASCII),
                    Base64.getEncoder().encodeToString(secretBytes));
            assertTrue(Files.readString(clusterDir.resolve("daemon.properties")).contains("spark.network.crypto.enabled=true"),
                    "RPC encryption is on by default");

            long masterPid = Long.parseLong(Files.readString(clusterDir.resolve("pids/master.pid")).strip());
            assertEquals(new TreeSet<>(Set.of("127.0.0.1:" + port, "127.0.0.1:" + webUiPort)), listening(masterPid),
                    "the master listens for RPC and its web UI, on loopback only, and runs no REST submission server");
            for (int i = 1; i <= 2; i++) {
                long workerPid = Long.parseLong(Files.readString(clusterDir.resolve("pids/worker-" + i + ".pid")).strip());
                Set<String> worker = listening(workerPid);
                assertTrue(!worker.isEmpty() && worker.stream().allMatch(a -> a.startsWith("127.0.0.1:")), worker.toString());
            }

            // Refused: no secret, and a wrong one (both at once: Spark tries to register for about a minute).
            Path wrong = Files.writeString(dir.resolve("wrong-secret"), "0".repeat(64));
            Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
            Process noSecret = start(stranger, "jobs/submit.sh", "--master", masterUrl, "--executor-memory", "1g", "--",
                    "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                    "--out", dir.resolve("refused").toString());
            Process wrongSecret = start(stranger, "jobs/submit.sh", "--master", masterUrl, "--executor-memory", "1g",
                    "--conf", "spark.authenticate=true", "--conf", "spark.authenticate.secret.file=" + wrong, "--",
                    "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                    "--out", dir.resolve("refused-wrong").toString());
            Result refused = await(noSecret);
            Result refusedWrong = await(wrongSecret);
            assertEquals(Main.USAGE_ERROR, refused.code(), refused.output());
            assertTrue(refused.output().contains("error: the standalone master " + masterUrl
                    + " did not accept the application without a secret: if the master runs, submit with its secret"), refused.output());
            assertEquals(Main.USAGE_ERROR, refusedWrong.code(), refusedWrong.output());
            assertTrue(refusedWrong.output().contains("did not accept the application with the secret given"), refusedWrong.output());
            assertFalse(Files.exists(dir.resolve("refused/metrics.jsonl")) || Files.exists(dir.resolve("refused-wrong/metrics.jsonl")));
            assertEquals(0, applications(webUiPort), "the master registered neither application");

            // Accepted: submit.sh hands this cluster's secret file to the application. No command line may show
            // the secret meanwhile: not the driver's, not the executors' the workers launch.
            CommandLineWatch watch = CommandLineWatch.start(secrets);
            Result submit;
            try {
                submit = run(env, "jobs/submit.sh", "--master", masterUrl, "--executor-memory", "1g", "--",
                        "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                        "--out", out.toString());
            } finally {
                watch.stop();
            }
            assertEquals(0, submit.code(), submit.output());
            List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"), StandardCharsets.UTF_8);
            assertEquals(1, lines.size());
            JsonNode epoch = new ObjectMapper().readTree(lines.get(0));
            assertEquals(2, epoch.get("executors").asInt(), epoch.toString());
            assertTrue(Files.isRegularFile(out.resolve("model.zip")));
            assertEquals(1, applications(webUiPort), "the master registered the application with the secret");
            assertTrue(watch.sawExecutors(), "the watch ran while executors did");
            assertEquals(Set.of(), watch.leaks(), "command lines showing the secret");

            List<Path> executorLogs = new ArrayList<>();
            Map<String, String> haystacks = new HashMap<>();
            haystacks.put("the output of submit.sh", submit.output());
            for (Path root : List.of(clusterDir, out)) {
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        if (f.equals(secretFile) || f.equals(clusterDir.resolve("daemon.properties")) || f.toString().endsWith(".jar")) {
                            continue;
                        }
                        if (f.getFileName().toString().equals("stderr")) {
                            executorLogs.add(f);
                        }
                        haystacks.put(f.toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                    }
                }
            }
            haystacks.forEach((where, text) -> secrets.forEach(s -> assertFalse(text.contains(s), "the secret is in " + where)));
            assertEquals(2, executorLogs.size(), executorLogs.toString());
            for (Path log : executorLogs) {
                String command = Files.readString(log).lines().filter(l -> l.startsWith("Spark Executor Command"))
                        .findFirst().orElseThrow();
                assertTrue(command.contains("-Dspark.authenticate=true") && command.contains("-Dspark.network.crypto.enabled=true"),
                        "executors authenticate and encrypt: " + command);
            }
        } finally {
            Result down = run(env, "jobs/cluster-down.sh");
            assertEquals(0, down.code(), down.output());
        }
        assertFalse(Files.exists(clusterDir.resolve("secret")), "cluster-down deletes the secret");
        List<String> left = new ArrayList<>();
        // This cluster's processes only: other builds on a shared machine may run clusters of their own.
        TestSupport.commandLines().values().stream()
                .filter(cmd -> cmd.contains(clusterDir.toString()) || (cmd.contains("org.apache.spark.deploy.")
                        && (cmd.contains("--port " + port) || cmd.contains("spark://127.0.0.1:" + port))))
                .forEach(left::add);
        assertEquals(List.of(), left, "cluster-down left processes behind");
    }

    record Result(int code, String output) {
    }

    private static Process start(Map<String, String> env, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().remove("SPARK_HOME");
        return pb.start();
    }

    private static Result await(Process p) throws IOException, InterruptedException {
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), output);
    }

    private static Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        return await(start(env, command));
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Applications the master knows, running or finished, from its web UI's JSON. */
    private static int applications(int webUiPort) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webUiPort + "/json/")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode state = new ObjectMapper().readTree(response.body());
        return state.get("activeapps").size() + state.get("completedapps").size();
    }

    /**
     * The TCP addresses {@code pid} listens on, as {@code ip:port}: its socket inodes (from /proc/PID/fd) looked up
     * in the kernel's socket tables, IPv4 and IPv6.
     */
    private static Set<String> listening(long pid) throws IOException {
        Set<String> inodes = new TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor was closed between listing and reading
                }
            }
        }
        Set<String> addresses = new TreeSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> rows = Files.readAllLines(Path.of(table));
            for (String line : rows.subList(1, rows.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) {
                    addresses.add(address(f[1]));
                }
            }
        }
        return addresses;
    }

    /** {@code 0100007F:1F90} (IPv4, or IPv6 as 32 hex digits, each 32-bit word little-endian) as {@code 127.0.0.1:8080}. */
    private static String address(String hex) {
        String[] parts = hex.split(":");
        String ip = parts[0];
        int port = Integer.parseInt(parts[1], 16);
        if (ip.length() == 8) {
            return ipv4(ip) + ":" + port;
        }
        if (ip.startsWith("0000000000000000FFFF0000")) {
            return ipv4(ip.substring(24)) + ":" + port;
        }
        return "[" + ip + "]:" + port;
    }

    private static String ipv4(String littleEndianHex) {
        long v = Long.parseLong(littleEndianHex, 16);
        return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff);
    }

    /** Polls every process's command line while an application runs, for any of the given secrets. */
    private static final class CommandLineWatch {
        private final Set<String> leaks = new ConcurrentSkipListSet<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicBoolean sawExecutors = new AtomicBoolean();
        private final Thread thread;

        private CommandLineWatch(List<String> secrets) {
            thread = new Thread(() -> {
                while (running.get()) {
                    for (String cmd : TestSupport.commandLines().values()) {
                        if (cmd.contains("CoarseGrainedExecutorBackend")) {
                            sawExecutors.set(true);
                        }
                        if (secrets.stream().anyMatch(cmd::contains)) {
                            leaks.add(cmd.length() > 300 ? cmd.substring(0, 300) + "..." : cmd);
                        }
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "command-line-watch");
            thread.setDaemon(true);
        }

        static CommandLineWatch start(List<String> secrets) {
            CommandLineWatch watch = new CommandLineWatch(secrets);
            watch.thread.start();
            return watch;
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        Set<String> leaks() {
            return leaks;
        }

        boolean sawExecutors() {
            return sawExecutors.get();
        }
    }
}
