package dev.lstmspark;

import dev.lstmspark.cli.SparkContexts;
import org.apache.spark.api.java.JavaSparkContext;

import java.nio.file.Files;
import java.nio.file.Path;

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
}
