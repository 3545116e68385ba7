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
}
