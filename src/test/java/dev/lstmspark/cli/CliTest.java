package dev.lstmspark.cli;

import dev.lstmspark.run.SparkContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every mistake a user can make on the command line ends in one line naming it and exit code 2. */
class CliTest {

    record Result(int exitCode, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--batch-size|0|batch-size must be positive, got 0",
            "--num-steps|-5|num-steps must be positive, got -5",
            "--hidden|big|hidden must be a whole number, got 'big'",
            "--layers|0|layers must be positive",
            "--epochs|0|epochs must be positive",
            "--lr|0|lr must be greater than 0",
            "--lr|abc|lr must be a number, got 'abc'",
            "--val-fraction|1.5|val-fraction must be in [0, 1), got 1.5",
            "--tokens|bytes|tokens must be one of [char, word]",
            "--sampling|x|sampling must be one of [random, sequential]",
            "--clip|-1|clip must be 0 (off) or greater",
            "--averaging-frequency|0|averaging-frequency must be auto or positive",
            "--bogus|1|Unknown options: '--bogus'",
            "--config|conf/missing.properties|config file conf/missing.properties does not exist"})
    void invalidTrainFlagFailsNamingIt(String flag, String value, String message, @TempDir Path dir) {
        Result r = run("train", flag, value, "--out", dir.resolve("run").toString());
        assertEquals(Main.USAGE_ERROR, r.exitCode(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(Files.exists(dir.resolve("run")), "nothing written before the configuration is valid");
    }

    @Test
    void missingCorpusFailsBeforeSparkStarts(@TempDir Path dir) {
        Result r = run("train", "--corpus", dir.resolve("missing.txt").toString(), "--out", dir.resolve("run").toString());
        assertEquals(Main.USAGE_ERROR, r.exitCode());
        assertTrue(r.err().contains("missing.txt does not exist"), r.err());
        assertFalse(Files.exists(dir.resolve("run")));
    }

    @Test
    void corpusWithoutLettersIsRejected(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("digits.txt"), "1234 5678\n---\n");
        Result r = run("train", "--corpus", corpus.toString(), "--out", dir.resolve("run").toString());
        assertEquals(Main.USAGE_ERROR, r.exitCode(), r.err());
        assertTrue(r.err().contains("contains no letters"), r.err());
        assertFalse(Files.exists(dir.resolve("run")), "a refused run leaves no out directory behind");
    }

    @Test
    void corpusTooShortSaysHowManyTokensAreNeeded(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("short.txt"), "the time machine\n");
        Result r = run("train", "--corpus", corpus.toString(), "--val-fraction", "0", "--out", dir.resolve("run").toString());
        assertEquals(Main.USAGE_ERROR, r.exitCode(), r.err());
        assertTrue(r.err().contains("gives 16 training tokens") && r.err().contains("needs at least 1155"), r.err());
        assertFalse(Files.exists(dir.resolve("run")), "a refused run leaves no out directory behind");
    }

    /**
     * A disk that fills up mid-run (here one that the test makes full, under the faulty: scheme that takes the
     * code's path for non-local file systems) ends the run with one line naming the file and the cause, exit 1,
     * and the newest checkpoint complete and loadable.
     */
    @Test
    void aFullDiskEndsTheRunWithOneLineAndKeepsTheLastCheckpoint(@TempDir Path dir) throws IOException {
        Path corpus = dev.lstmspark.TestSupport.pangramCorpus(dir, 15);
        Path out = dir.resolve("run");
        System.setProperty("spark.hadoop.fs.faulty.impl", dev.lstmspark.io.FaultyFileSystem.class.getName());
        System.setProperty("spark.hadoop.fs.faulty.impl.disable.cache", "true");
        dev.lstmspark.io.FaultyFileSystem.failAfter(900_000);
        Result r;
        try {
            r = run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "24",
                    "--out", dev.lstmspark.io.FaultyFileSystem.uri(out), "--master", "local[2]");
        } finally {
            dev.lstmspark.io.FaultyFileSystem.failAfter(Long.MAX_VALUE);
            System.clearProperty("spark.hadoop.fs.faulty.impl");
            System.clearProperty("spark.hadoop.fs.faulty.impl.disable.cache");
        }
        assertEquals(Main.FAILURE, r.exitCode(), r.err());
        assertTrue(r.err().matches("(?s)error: cannot write faulty:" + java.util.regex.Pattern.quote(out.toString())
                + "/\\S+: No space left on device\\R"), r.err());
        assertFalse(Files.exists(out.resolve("model.zip")));
        java.util.List<String> checkpoints;
        try (var folders = Files.list(out.resolve("checkpoints"))) {
            checkpoints = folders.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertFalse(checkpoints.isEmpty(), "epochs were checkpointed before the disk filled up");
        String newest = checkpoints.get(checkpoints.size() - 1);
        assertTrue(newest.startsWith("epoch-"), "no staged checkpoint left behind: " + checkpoints);
        Result generate = run("generate", "--model", out.resolve("checkpoints").resolve(newest).toString(), "--prefix", "the");
        assertEquals(0, generate.exitCode(), generate.err());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "generate --prefix x|Missing required option: '--model=DIR'",
            "generate --model /no/such/run --prefix x|model directory /no/such/run does not exist",
            "evaluate --corpus x.txt|Missing required option: '--model=DIR'",
            "generate --model . --prefix x --length many|Invalid value for option '--length'",
            "frobnicate|Unmatched argument at index 0: 'frobnicate'"})
    void invalidGenerateAndEvaluateArguments(String args, String message) {
        Result r = run(args.split(" "));
        assertEquals(Main.USAGE_ERROR, r.exitCode(), r.err());
        assertTrue(r.err().contains(message), r.err());
    }

    @Test
    void notAModelDirectoryNamesTheMissingFile(@TempDir Path dir) {
        Result r = run("generate", "--model", dir.toString(), "--prefix", "time");
        assertEquals(Main.USAGE_ERROR, r.exitCode());
        assertTrue(r.err().contains("model.zip is missing"), r.err());
    }

    @Test
    void trainThenGenerateThenEvaluateFromTheRunDirectory(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("abc.txt"), "abcd efgh ".repeat(60) + "\n");
        Path out = dir.resolve("run");
        Result train = run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "2",
                "--sample-prefixes", "abc", "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, train.exitCode(), train.err());
        for (String file : new String[] {"metrics.jsonl", "config.properties", "vocab.json", "model.zip", "samples.txt"}) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        assertTrue(train.out().contains("model saved to " + out), train.out());

        Result generate = run("generate", "--model", out.toString(), "--prefix", "abc", "--length", "5");
        assertEquals(0, generate.exitCode(), generate.err());
        String generated = generate.out().replaceAll("\\R$", "");
        assertTrue(generated.startsWith("abc") && generated.length() == 8, "[" + generated + "]");

        Result zero = run("generate", "--model", out.toString(), "--prefix", "ABC 123", "--length", "0");
        assertEquals("abc", zero.out().strip());

        Result evaluate = run("evaluate", "--model", out.toString(), "--corpus", corpus.toString(), "--master", "local[2]");
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        assertTrue(evaluate.out().startsWith("perplexity "), evaluate.out());

        Result again = run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--out", out.toString());
        assertEquals(Main.USAGE_ERROR, again.exitCode());
        assertTrue(again.err().contains("already holds a trained model: pass --resume to continue it, --overwrite to replace it"), again.err());
    }

    @Test
    void emptyBinaryAndNonUtf8CorporaAreRejected(@TempDir Path dir) throws IOException {
        Path empty = Files.write(dir.resolve("empty.txt"), new byte[0]);
        Path binary = Files.write(dir.resolve("image.bin"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13, 'I', 'H', 'D', 'R', '\n', 'a', 'b'});
        Path latin1 = Files.write(dir.resolve("latin1.txt"), "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e\n".getBytes(StandardCharsets.ISO_8859_1));
        String[][] cases = {
                {empty.toString(), "contains no letters"},
                {binary.toString(), "looks like a binary file"},
                {latin1.toString(), "is not valid UTF-8"}};
        for (String[] c : cases) {
            Result r = run("train", "--corpus", c[0], "--out", dir.resolve("run").toString(), "--master", "local[2]");
            assertEquals(Main.USAGE_ERROR, r.exitCode(), r.err());
            assertTrue(r.err().contains(c[1]) && r.err().contains(c[0]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(dir.resolve("run/model.zip")));
        }
    }

    /** Users train until good enough: the run stops at the first epoch that reaches the target, and saves. */
    @Test
    void targetPerplexityStopsTheRunAndSavesTheModel(@TempDir Path dir) throws IOException {
        Path corpus = dev.lstmspark.TestSupport.pangramCorpus(dir, 15);
        Path out = dir.resolve("run");
        Result r = run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "40",
                "--target-perplexity", "3", "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, r.exitCode(), r.err());
        java.util.List<com.fasterxml.jackson.databind.JsonNode> epochs = dev.lstmspark.TestSupport.readMetrics(out);
        assertTrue(epochs.size() < 40, "stopped early: " + epochs.size() + " epochs");
        double last = epochs.get(epochs.size() - 1).get("val_perplexity").asDouble();
        double before = epochs.get(epochs.size() - 2).get("val_perplexity").asDouble();
        assertTrue(last <= 3 && before > 3, "the first epoch at or under the target ends the run: " + before + ", " + last);
        assertTrue(Files.isRegularFile(out.resolve("model.zip")));
        double elapsed = 0;
        for (var epoch : epochs) {
            double e = epoch.get("elapsed_seconds").asDouble();
            assertTrue(e > elapsed, "elapsed time grows: " + epochs);
            elapsed = e;
        }
        assertTrue(r.out().contains("model saved to " + out), r.out());
    }

    /** A resume on a cluster whose default parallelism differs would silently change block momentum auto. */
    @Test
    void resumeOnAnotherNumberOfWorkersIsRefused(@TempDir Path dir) throws IOException {
        Path corpus = dev.lstmspark.TestSupport.pangramCorpus(dir, 15);
        Path out = dir.resolve("run");
        assertEquals(0, run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                "--out", out.toString(), "--master", "local[2]").exitCode());
        Result other = run("train", "--resume", "--config", "conf/smoke.properties", "--corpus", corpus.toString(),
                "--epochs", "2", "--out", out.toString(), "--master", "local[1]");
        assertEquals(Main.USAGE_ERROR, other.exitCode(), other.err());
        assertTrue(other.err().contains("--resume on 1 workers, but the run in " + out + " trained on 2 (workers 0 takes Spark's"
                + " default parallelism, which differs here), and averaging-frequency, block-momentum and block-lr auto depend on the workers: resume with --workers 2"),
                other.err());
    }

    /**
     * A checkpoint of a build whose {@code averaging-frequency auto} was at most 5 a worker holds no record of it:
     * resumed, the run goes on averaging every 5 (auto now gives 10 on two workers with sequential sampling), and
     * records it.
     */
    @Test
    void resumeKeepsTheAveragingFrequencyTheRunBeganWith(@TempDir Path dir) throws IOException {
        Path corpus = dev.lstmspark.TestSupport.pangramCorpus(dir, 120);
        Path out = dir.resolve("run");
        assertEquals(0, run("train", "--config", "conf/smoke.properties", "--averaging-frequency", "auto", "--sampling",
                "sequential", "--corpus", corpus.toString(), "--epochs", "1", "--out", out.toString(), "--master",
                "local[2]").exitCode());
        Path first = checkpointStates(out).get(0);
        assertTrue(Files.readString(first).contains("averaging-frequency=10"), Files.readString(first));
        List<String> older = Files.readAllLines(first).stream().filter(l -> !l.startsWith("averaging-frequency=")).toList();
        Files.write(first, older);

        Result resumed = run("train", "--resume", "--out", out.toString(), "--epochs", "2");
        assertEquals(0, resumed.exitCode(), resumed.err());
        List<Path> states = checkpointStates(out);
        String latest = Files.readString(states.get(states.size() - 1));
        assertTrue(latest.contains("averaging-frequency=5"), latest);
        assertTrue(Files.readString(out.resolve("config.properties")).contains("averaging-frequency=auto"));
    }

    private static List<Path> checkpointStates(Path run) throws IOException {
        try (var files = Files.walk(run.resolve("checkpoints"))) {
            return files.filter(f -> f.getFileName().toString().equals("state.properties")).sorted().toList();
        }
    }

    @Test
    void damagedModelFilesAreNamed(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("abc.txt"), "abcd efgh ".repeat(60) + "\n");
        Path out = dir.resolve("run");
        assertEquals(0, run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                "--out", out.toString(), "--master", "local[2]").exitCode());
        byte[] model = Files.readAllBytes(out.resolve("model.zip"));
        byte[] vocab = Files.readAllBytes(out.resolve("vocab.json"));

        Files.write(out.resolve("model.zip"), java.util.Arrays.copyOf(model, model.length / 2));
        Result truncated = run("generate", "--model", out.toString(), "--prefix", "abc");
        assertEquals(Main.USAGE_ERROR, truncated.exitCode());
        assertTrue(truncated.err().contains("model.zip is not a readable DL4J model"), truncated.err());

        Files.writeString(out.resolve("model.zip"), "not a zip at all");
        Result notAModel = run("evaluate", "--model", out.toString(), "--corpus", corpus.toString());
        assertEquals(Main.USAGE_ERROR, notAModel.exitCode());
        assertTrue(notAModel.err().contains("model.zip is not a readable DL4J model"), notAModel.err());

        Files.write(out.resolve("model.zip"), model);
        Files.writeString(out.resolve("vocab.json"), "{\"token_kind\": \"char\", \"tokens\": [\"<unk>\", \"a\", \"b\"]}");
        Result mismatch = run("generate", "--model", out.toString(), "--prefix", "abc");
        assertEquals(Main.USAGE_ERROR, mismatch.exitCode());
        assertTrue(mismatch.err().contains("the two files come from different runs"), mismatch.err());

        Files.write(out.resolve("vocab.json"), vocab);
        Result ok = run("generate", "--model", out.toString(), "--prefix", "abc xyz", "--length", "3");
        assertEquals(0, ok.exitCode(), ok.err());
    }

    @Test
    void resumeRefusesChangedSettingsAndMissingCheckpoints(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("abc.txt"), "abcd efgh ".repeat(60) + "\n");
        Path out = dir.resolve("run");
        Result none = run("train", "--resume", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--out", out.toString());
        assertEquals(Main.USAGE_ERROR, none.exitCode());
        assertTrue(none.err().contains("holds no checkpoint to resume from"), none.err());

        assertEquals(0, run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                "--out", out.toString(), "--master", "local[2]").exitCode());
        Result changed = run("train", "--resume", "--config", "conf/smoke.properties", "--corpus", corpus.toString(),
                "--epochs", "2", "--hidden", "16", "--out", out.toString(), "--master", "local[2]");
        assertEquals(Main.USAGE_ERROR, changed.exitCode());
        assertTrue(changed.err().contains("hidden (48 -> 16)"), changed.err());

        Result both = run("train", "--resume", "--overwrite", "--out", out.toString());
        assertTrue(both.err().contains("--resume and --overwrite exclude each other"), both.err());

        Result more = run("train", "--resume", "--config", "conf/smoke.properties", "--corpus", corpus.toString(),
                "--epochs", "2", "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, more.exitCode(), more.err());
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    }

    /** nanoGPT's way: the run directory knows how it was trained, so --out and --resume are enough. */
    @Test
    void resumeWithoutConfigContinuesWithTheRunsOwnSettings(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("abc.txt"), "abcd efgh ".repeat(60) + "\n");
        Path out = dir.resolve("run");
        assertEquals(0, run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                "--hidden", "32", "--out", out.toString(), "--master", "local[2]").exitCode());

        Result changed = run("train", "--resume", "--out", out.toString(), "--epochs", "2", "--hidden", "16");
        assertEquals(Main.USAGE_ERROR, changed.exitCode());
        assertTrue(changed.err().contains("hidden (32 -> 16)") && changed.err().contains("resume with the run's own settings"),
                changed.err());

        Result more = run("train", "--resume", "--out", out.toString(), "--epochs", "2");
        assertEquals(0, more.exitCode(), more.err());
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        String stored = Files.readString(out.resolve("config.properties"));
        assertTrue(stored.contains("hidden=32") && stored.contains("batch-size=8") && stored.contains("epochs=2")
                && stored.contains("master=local[2]"), stored);

        Files.delete(out.resolve("config.properties"));
        Result lost = run("train", "--resume", "--out", out.toString(), "--epochs", "3");
        assertEquals(Main.USAGE_ERROR, lost.exitCode());
        assertTrue(lost.err().contains("config.properties, which is missing: pass the interrupted run's --config and flags"),
                lost.err());
    }

    @Test
    void divergenceStopsWithAClearLine(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("abc.txt"), "abcd efgh ".repeat(60) + "\n");
        Result r = run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--lr", "1000",
                "--out", dir.resolve("run").toString(), "--master", "local[2]");
        assertEquals(Main.USAGE_ERROR, r.exitCode(), r.err());
        assertTrue(r.err().contains("training diverged in epoch 1") && r.err().contains("lower --lr (now 1000.0)"), r.err());
        assertFalse(Files.exists(dir.resolve("run/model.zip")));
    }

    @Test
    void statsFlagWritesDl4jTrainingTimeline(@TempDir Path dir) throws IOException {
        Path corpus = Files.writeString(dir.resolve("abc.txt"), "abcd efgh ".repeat(60) + "\n");
        Path out = dir.resolve("run");
        Result r = run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                "--stats", "--plot-scale", "linear", "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, r.exitCode(), r.err());
        String html = Files.readString(out.resolve("training-stats.html"));
        assertTrue(html.contains("<html") && html.length() > 10_000, "a DL4J stats page");
        assertTrue(Files.readString(out.resolve("report.html")).contains("<a href=\"training-stats.html\">"));
        assertFalse(Files.exists(out.resolve(".training-stats.html.crc")), "no checksum side file in the run directory");
        assertTrue(Files.readString(out.resolve("config.properties")).contains("plot-scale=linear"));
    }

    /** spark-submit passes Hadoop settings as spark.hadoop.* properties; the driver's own file systems see them. */
    @Test
    void driverSideFileSystemsSeeSparkHadoopProperties() {
        System.setProperty("spark.hadoop.lstmspark.test.setting", "from-spark-submit");
        try {
            assertEquals("from-spark-submit", SparkContexts.hadoopConfiguration().get("lstmspark.test.setting"));
        } finally {
            System.clearProperty("spark.hadoop.lstmspark.test.setting");
        }
    }
}
