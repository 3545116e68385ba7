package dev.lstmspark.security;

import dev.lstmspark.TestSupport;
import dev.lstmspark.cli.Main;
import dev.lstmspark.run.SparkContexts;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Spark secret or an S3A key given to spark-submit never reaches a run's files (config, metrics, samples, report,
 * plot, checkpoints, model, stats), its printed output or its log, even with {@code spark.logConf} making Spark log
 * its whole configuration.
 */
class SecretsStayOutOfRunsTest {

    @TempDir
    Path dir;

    @Test
    void plantedSecretsAppearInNoFileOrLogOfARun() throws IOException {
        String salt = UUID.randomUUID().toString().replace("-", "");
        // What spark-submit turns --conf into: system properties of the driver JVM.
        Map<String, String> planted = new LinkedHashMap<>();
        planted.put("spark.authenticate.secret", "spark-secret-" + salt);
        planted.put("spark.hadoop.fs.s3a.access.key", "AKIAACCESS" + salt);
        planted.put("spark.hadoop.fs.s3a.secret.key", "s3a-secret-" + salt);
        planted.put("spark.hadoop.fs.s3a.session.token", "s3a-token-" + salt);
        planted.put("spark.hadoop.fs.s3a.encryption.key", "s3a-sse-c-key-" + salt);
        planted.put("spark.hadoop.fs.s3a.bucket.runs.secret.key", "bucket-secret-" + salt);
        planted.put("spark.hadoop.fs.azure.account.key.store.blob.core.windows.net", "azure-key-" + salt);
        Map<String, String> settings = new LinkedHashMap<>(planted);
        settings.put("spark.authenticate", "true");
        settings.put("spark.logConf", "true");

        Path corpus = TestSupport.pangramCorpus(dir, 15);
        Path run = dir.resolve("run");
        StringBuilder printed = new StringBuilder();
        StringWriter log = new StringWriter();
        settings.forEach(System::setProperty);
        try (LogCapture ignored = LogCapture.into(log)) {
            assertEquals(planted.get("spark.hadoop.fs.s3a.secret.key"), SparkContexts.hadoopConfiguration().get("fs.s3a.secret.key"),
                    "the planted settings reach the driver's Hadoop configuration");
            String[] train = {"train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "2",
                    "--sample-every", "1", "--stats", "--out", run.toString(), "--master", "local[2]"};
            assertEquals(0, run(printed, train));
            String[] resume = {"train", "--resume", "--config", "conf/smoke.properties", "--corpus", corpus.toString(),
                    "--epochs", "3", "--sample-every", "1", "--stats", "--out", run.toString(), "--master", "local[2]"};
            assertEquals(0, run(printed, resume));
            assertEquals(0, run(printed, "evaluate", "--model", run.toString(), "--corpus", corpus.toString(), "--master", "local[2]"));
            assertEquals(0, run(printed, "generate", "--model", run.toString(), "--prefix", "the quick", "--length", "20"));
            assertEquals(Main.USAGE_ERROR, run(printed, "--verbose", "train", "--config", "conf/smoke.properties",
                    "--corpus", corpus.toString(), "--out", run.toString(), "--master", "local[2]"));
        } finally {
            settings.keySet().forEach(System::clearProperty);
        }

        String logged = log.toString();
        assertTrue(logged.contains("Spark configuration:") && logged.contains("spark.authenticate.secret=*********(redacted)"),
                "Spark logged its configuration, redacted: the log holds what a leak would be in");
        List<String> files = new ArrayList<>();
        try (Stream<Path> all = Files.walk(run)) {
            all.filter(Files::isRegularFile).forEach(f -> files.add(run.relativize(f).toString()));
        }
        assertTrue(files.containsAll(List.of("config.properties", "metrics.jsonl", "samples.txt", "report.html", "perplexity.png",
                "model.zip", "vocab.json", "training-stats.html")) && files.stream().anyMatch(f -> f.startsWith("checkpoints/")), files.toString());

        Map<String, String> haystacks = new LinkedHashMap<>();
        for (String f : files) {
            haystacks.put(f, new String(Files.readAllBytes(run.resolve(f)), StandardCharsets.ISO_8859_1));
        }
        haystacks.put("the printed output", printed.toString());
        haystacks.put("the log", logged);
        for (Map.Entry<String, String> secret : planted.entrySet()) {
            haystacks.forEach((where, text) -> assertTrue(!text.contains(secret.getValue()),
                    secret.getKey() + " leaked into " + where));
        }
    }

    private static int run(StringBuilder printed, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        printed.append(out.toString(StandardCharsets.UTF_8)).append(err.toString(StandardCharsets.UTF_8));
        return code;
    }

    /** Everything logged at INFO and above, by Spark, Hadoop, DL4J and this project, also written to a writer. */
    private static final class LogCapture implements AutoCloseable {
        private final LoggerContext context;
        private final WriterAppender appender;
        private final List<LoggerConfig> loggers;
        private final Level rootLevel;

        private LogCapture(StringWriter target) {
            context = (LoggerContext) LogManager.getContext(false);
            Configuration config = context.getConfiguration();
            appender = WriterAppender.newBuilder().setName("secrets-test").setTarget(target)
                    .setLayout(PatternLayout.newBuilder().withPattern("%p %c: %m%n%ex").build()).build();
            appender.start();
            config.addAppender(appender);
            // The project's logger does not pass its lines on to the root logger (see log4j2-test.properties).
            loggers = List.of(config.getRootLogger(), config.getLoggerConfig("dev.lstmspark"));
            loggers.forEach(l -> l.addAppender(appender, Level.INFO, null));
            rootLevel = config.getRootLogger().getLevel();
            config.getRootLogger().setLevel(Level.INFO);
            context.updateLoggers();
        }

        static LogCapture into(StringWriter target) {
            return new LogCapture(target);
        }

        @Override
        public void close() {
            Configuration config = context.getConfiguration();
            loggers.forEach(l -> l.removeAppender(appender.getName()));
            config.getRootLogger().setLevel(rootLevel);
            context.updateLoggers();
            appender.stop();
        }
    }
}
