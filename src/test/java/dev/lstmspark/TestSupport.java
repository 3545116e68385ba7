package dev.lstmspark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.run.SparkContexts;
import dev.lstmspark.run.TrainingRun;
import dev.lstmspark.store.RunDirectory;
import dev.lstmspark.store.SavedModel;
import dev.lstmspark.store.RunLayout;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared test fixtures: the reference corpus and small local Spark contexts. */
public final class TestSupport {

    /** The Time Machine, read from the shared folder beside the project (never committed into it). */
    public static final Path TIME_MACHINE = Path.of("..", "shared", "data", "timemachine.txt");

    private TestSupport() {
    }

    public static Path timeMachine() {
        if (!Files.isRegularFile(TIME_MACHINE)) {
            throw new IllegalStateException("reference corpus missing: expected " + TIME_MACHINE.toAbsolutePath());
        }
        return TIME_MACHINE;
    }

    /**
     * The file {@code LSTM_SPARK_OPENBLAS=system} resolves to on this machine (jobs/common.sh's own answer), if it
     * has a system OpenBLAS; {@code cacheDir} is the JavaCPP cache the choice would use.
     */
    public static java.util.Optional<String> systemOpenBlas(Path cacheDir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source jobs/common.sh; choose_openblas_library system && echo \"$OPENBLAS_LIBRARY\"")
                .redirectErrorStream(true);
        pb.environment().put("LSTM_SPARK_OPENBLAS_CACHE", cacheDir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("choose_openblas_library system did not end: " + out);
        }
        return p.exitValue() == 0 ? java.util.Optional.of(out) : java.util.Optional.empty();
    }

    /** A local Spark context configured as the commands configure theirs. */
    public static JavaSparkContext spark(String master) {
        return new JavaSparkContext(SparkContexts.conf("lstm-spark-test", master));
    }

    /** The {@code --add-opens} flags Spark and ND4J need on Java 17, for JVMs the tests start themselves. */
    public static String addOpens() {
        StringBuilder sb = new StringBuilder();
        for (String p : new String[] {"java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio",
                "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch", "sun.nio.cs",
                "sun.security.action", "sun.util.calendar"}) {
            sb.append(sb.length() == 0 ? "" : " ").append("--add-opens=java.base/").append(p).append("=ALL-UNNAMED");
        }
        return sb.toString();
    }

    /**
     * Full command lines of this machine's processes, read from /proc: {@code ProcessHandle.Info} cuts them at
     * 4096 characters, before the main class of a JVM with a long classpath.
     */
    public static java.util.Map<Long, String> commandLines() {
        java.util.Map<Long, String> lines = new java.util.HashMap<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
                lines.put(p.pid(), new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' '));
            } catch (java.io.IOException | SecurityException ignored) {
                // the process ended meanwhile
            }
        });
        return lines;
    }

    /** A small, highly regular corpus: {@code lines} lines of ten pangrams each, which a small LSTM learns in seconds. */
    public static Path pangramCorpus(Path dir, int lines) throws java.io.IOException {
        return Files.writeString(dir.resolve("pangrams.txt"),
                ("the quick brown fox jumps over the lazy dog ".repeat(10) + "\n").repeat(lines));
    }

    /** {@code conf/smoke.properties} on {@code corpus}, writing to {@code out}, with more settings as key, value pairs. */
    public static TrainConfig smokeConfig(Path corpus, Path out, String... keyValues) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("corpus", corpus.toString());
        flags.put("out", out.toString());
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            flags.put(keyValues[i], keyValues[i + 1]);
        }
        return ConfigLoader.load(Path.of("conf/smoke.properties"), flags);
    }

    /** A whole new {@code train} run of {@code config} on {@code sc} into {@code out}, as the command runs it. */
    public static void train(JavaSparkContext sc, TrainConfig config, Path out, PrintWriter printed) {
        try (RunDirectory run = RunDirectory.prepare(out.toString(), sc.hadoopConfiguration(), RunDirectory.Mode.NEW)) {
            new TrainingRun(config, Path.of(config.corpus()).toUri().toString(), run, false, false).train(sc, printed);
        }
    }

    /** The model a run directory holds, read as {@code generate} and {@code evaluate} read it. */
    public static SavedModel savedModel(String runDir) {
        return SavedModel.load(runDir, new org.apache.hadoop.conf.Configuration());
    }

    /** As {@link #train(JavaSparkContext, TrainConfig, Path, PrintWriter)}, into {@code config.out()}, output discarded. */
    public static void train(JavaSparkContext sc, TrainConfig config) {
        train(sc, config, Path.of(config.out()), new PrintWriter(new StringWriter()));
    }

    /** The epochs of a run directory's {@code metrics.jsonl}, one JSON object each. */
    public static List<JsonNode> readMetrics(Path runDir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> epochs = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve(RunLayout.METRICS), StandardCharsets.UTF_8)) {
            epochs.add(json.readTree(line));
        }
        return epochs;
    }
}
