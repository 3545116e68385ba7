package dev.lstmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lstmspark.TestSupport;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Any Hadoop URI" on a real HDFS: a NameNode and a DataNode (Hadoop's MiniDFSCluster, started here, in this JVM:
 * the shaded minicluster shares Spark's shaded Hadoop client), the corpus read from {@code hdfs://} as a folder of
 * part files (one gzip), the run directory and its checkpoints written to {@code hdfs://}, the training JVM killed
 * with SIGKILL mid-epoch, resumed from HDFS, and every epoch's metrics equal to an uninterrupted run's.
 *
 * <p>HDFS has no advisory locks, so the killed run's heartbeat lock refuses a resume until it has been silent for
 * 60 s; the uninterrupted run trains meanwhile.
 */
class HdfsIT {
    private static final int EPOCHS = 4;
    private static final long LOCK_STALE_MILLIS = 60_000;

    @Test
    void trainsFromAndIntoHdfsSurvivesSigkillAndResumesToTheUninterruptedMetrics(@TempDir Path dir) throws Exception {
        long start = System.nanoTime();
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("dfs").toString());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try {
            cluster.waitActive();
            FileSystem fs = cluster.getFileSystem();
            String hdfs = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
            log(start, "HDFS up at " + hdfs);
            String corpus = upload(fs, hdfs);
            String interrupted = hdfs + "/runs/interrupted";
            String reference = hdfs + "/runs/reference";
            org.apache.hadoop.fs.Path metrics = new org.apache.hadoop.fs.Path(interrupted + "/metrics.jsonl");

            Process victim = train(corpus, interrupted, false, dir.resolve("victim.log"));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (lines(fs, metrics) < 2 && victim.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(victim.isAlive(), "the run ended before it could be killed: " + Files.readString(dir.resolve("victim.log")));
            Thread.sleep(1500); // into epoch 3
            victim.destroyForcibly(); // SIGKILL: no shutdown hook, no lock released, open HDFS streams abandoned
            victim.waitFor();
            int trainedBeforeKill = lines(fs, metrics);
            log(start, "killed the training JVM after " + trainedBeforeKill + " epochs");
            assertTrue(trainedBeforeKill >= 2 && trainedBeforeKill < EPOCHS, "killed after " + trainedBeforeKill + " epochs");

            Process early = train(corpus, interrupted, true, dir.resolve("early.log"));
            assertEquals(Main.USAGE_ERROR, early.waitFor(), Files.readString(dir.resolve("early.log")));
            assertTrue(Files.readString(dir.resolve("early.log")).contains("is being written by another train run (pid "
                    + victim.pid()), Files.readString(dir.resolve("early.log")));

            Process full = train(corpus, reference, false, dir.resolve("reference.log"));
            assertEquals(0, full.waitFor(), Files.readString(dir.resolve("reference.log")));
            log(start, "uninterrupted run done");

            long heartbeat = heartbeat(fs, new org.apache.hadoop.fs.Path(interrupted + "/.lock"));
            long wait = heartbeat + LOCK_STALE_MILLIS + 1000 - System.currentTimeMillis();
            if (wait > 0) {
                log(start, "waiting " + wait / 1000 + " s for the killed run's lock to go stale");
                Thread.sleep(wait);
            }
            Process resumed = train(corpus, interrupted, true, dir.resolve("resumed.log"));
            String resumedLog;
            assertEquals(0, resumed.waitFor(), Files.readString(dir.resolve("resumed.log")));
            resumedLog = Files.readString(dir.resolve("resumed.log"));
            assertTrue(resumedLog.contains("taking over the lock of " + interrupted), resumedLog);
            assertTrue(resumedLog.contains("resuming hdfs://"), resumedLog);
            log(start, "resumed run done");

            List<JsonNode> expected = read(fs, new org.apache.hadoop.fs.Path(reference + "/metrics.jsonl"));
            List<JsonNode> actual = read(fs, metrics);
            assertEquals(EPOCHS, actual.size(), "every epoch once: " + actual);
            for (int e = 0; e < EPOCHS; e++) {
                assertEquals(e + 1, actual.get(e).get("epoch").asInt());
                assertEquals(expected.get(e).get("tokens").asLong(), actual.get(e).get("tokens").asLong());
                for (String key : List.of("train_perplexity", "val_perplexity")) {
                    double want = expected.get(e).get(key).asDouble();
                    assertEquals(want, actual.get(e).get(key).asDouble(), 1e-6 * want, key + " of epoch " + (e + 1));
                }
            }
            for (String file : List.of("model.zip", "vocab.json", "corpus.json", "config.properties", "report.html")) {
                assertTrue(fs.isFile(new org.apache.hadoop.fs.Path(interrupted + "/" + file)), file);
            }
            // A checkpoint the kill interrupted stays a staged .epoch-N.*.tmp folder, which no reader takes for one.
            List<String> checkpoints = new ArrayList<>();
            for (FileStatus s : fs.listStatus(new org.apache.hadoop.fs.Path(interrupted + "/checkpoints"))) {
                if (s.getPath().getName().startsWith("epoch-")) {
                    checkpoints.add(s.getPath().getName());
                }
            }
            assertEquals(List.of("epoch-000003", "epoch-000004"), checkpoints.stream().sorted().toList(), "keep 2");
            JsonNode provenance = new ObjectMapper().readTree(readText(fs, new org.apache.hadoop.fs.Path(interrupted + "/corpus.json")));
            assertEquals(corpus, provenance.at("/source/uri").asText());
            assertEquals(2, provenance.at("/source/files").asInt());

            // evaluate and generate read the run directory and the corpus from HDFS too
            CliTest.Result evaluate = CliTest.run("evaluate", "--model", interrupted, "--corpus", corpus, "--master", "local[2]");
            assertEquals(0, evaluate.exitCode(), evaluate.err());
            assertTrue(evaluate.out().contains("corpus: the text the model was trained on"), evaluate.out());
            CliTest.Result generate = CliTest.run("generate", "--model", interrupted, "--prefix", "the quick", "--length", "10");
            assertEquals(0, generate.exitCode(), generate.err());
            assertTrue(generate.out().startsWith("the quick"), generate.out());
            log(start, "done");
        } finally {
            cluster.shutdown();
        }
    }

    /** The pangram corpus as a folder of two part files on HDFS, the second gzip, and a _SUCCESS marker. */
    private static String upload(FileSystem fs, String hdfs) throws IOException {
        String line = "the quick brown fox jumps over the lazy dog ".repeat(10) + "\n";
        String folder = hdfs + "/corpora/pangrams";
        try (FSDataOutputStream out = fs.create(new org.apache.hadoop.fs.Path(folder + "/part-00000"))) {
            out.write(line.repeat(20).getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gzip)) {
            out.write(line.repeat(20).getBytes(StandardCharsets.UTF_8));
        }
        try (FSDataOutputStream out = fs.create(new org.apache.hadoop.fs.Path(folder + "/part-00001.gz"))) {
            out.write(gzip.toByteArray());
        }
        fs.create(new org.apache.hadoop.fs.Path(folder + "/_SUCCESS")).close();
        return folder;
    }

    private static Process train(String corpus, String out, boolean resume, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dorg.bytedeco.javacpp.platform.extension=" + System.getProperty("nd4j.platform.extension", ""),
                "-Dlog4j2.configurationFile=conf/log4j2.properties",
                // One DataNode: as spark-submit would pass it, a Hadoop setting for the driver and the executors.
                "-Dspark.hadoop.dfs.replication=1"));
        command.addAll(List.of(TestSupport.addOpens().split(" ")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "train",
                "--config", "conf/smoke.properties", "--corpus", corpus, "--epochs", Integer.toString(EPOCHS),
                "--out", out, "--master", "local[2]"));
        if (resume) {
            command.add("--resume");
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static long heartbeat(FileSystem fs, org.apache.hadoop.fs.Path lock) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(readText(fs, lock)));
        return Long.parseLong(p.getProperty("heartbeat"));
    }

    private static String readText(FileSystem fs, org.apache.hadoop.fs.Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int lines(FileSystem fs, org.apache.hadoop.fs.Path file) throws IOException {
        return fs.exists(file) ? (int) readText(fs, file).lines().filter(l -> !l.isBlank()).count() : 0;
    }

    private static List<JsonNode> read(FileSystem fs, org.apache.hadoop.fs.Path file) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : readText(fs, file).lines().toList()) {
            nodes.add(json.readTree(line));
        }
        return nodes;
    }

    private static void log(long start, String what) {
        System.out.printf("HdfsIT %5.1f s: %s%n", (System.nanoTime() - start) / 1e9, what);
    }
}
