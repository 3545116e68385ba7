package dev.lstmspark.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lstmspark.TestSupport;
import dev.lstmspark.model.fused.VectorApi;
import dev.lstmspark.run.SparkContexts;
import dev.lstmspark.config.TrainConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training on {@code local-cluster[2,1,2048]}: two executors in JVMs of their own, so serialization,
 * classpath and native-library problems that {@code local[*]} hides show up here.
 */
class ClusterTrainingIT {
    static final String LOCAL_CLUSTER = "local-cluster[2,1,2048]";

    /**
     * With block momentum on (auto: 0.5 for two workers), for the default LSTM with random sampling and for a
     * two-layer GRU with sequential sampling: the driver-side update is the same on real executor JVMs.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"lstm, random, 1", "gru, sequential, 2"})
    void bothExecutorsTrainEveryMinibatchAndMetricsMatchLocalMode(String cell, String sampling, String layers,
                                                                  @TempDir Path dir) throws IOException {
        Path corpus = TestSupport.pangramCorpus(dir, 15);
        TrainConfig config = TestSupport.smokeConfig(corpus, dir.resolve("unused"), "epochs", "3", "workers", "2",
                "cell", cell, "sampling", sampling, "layers", layers);
        assertEquals(0.5, config.blockMomentumFor(2), "block momentum is on");

        List<JsonNode> local = train(SparkContexts.conf("lstm-spark-it", "local[2]"), config, dir.resolve("local"));
        List<JsonNode> cluster = train(clusterConf(), config, dir.resolve("cluster"));

        long expectedMinibatches;
        try (JavaSparkContext sc = new JavaSparkContext(SparkContexts.conf("count", "local[1]"))) {
            TrainingData data = TrainingData.load(sc, corpus.toUri().toString(), corpus.toString(), config);
            expectedMinibatches = SparkTrainer.epochPlan(config, 2, 1, data.trainTokens()).numMinibatches();
            data.corpus().unpersist();
        }
        for (int e = 0; e < config.epochs(); e++) {
            JsonNode c = cluster.get(e);
            Set<String> ids = new TreeSet<>();
            c.get("executor_ids").forEach(n -> ids.add(n.asText()));
            assertEquals(2, c.get("executors").asInt(), "both executors trained in epoch " + (e + 1) + ": " + c);
            assertFalse(ids.contains("driver"), "training ran in executor JVMs, not the driver: " + ids);
            assertEquals(Set.of("driver"), Set.of(local.get(e).get("executor_ids").get(0).asText()));
            // Same plan on both: every minibatch the corpus gives is trained exactly once.
            assertTrue(c.get("minibatches").asLong() >= expectedMinibatches, c.toString());
            assertEquals(local.get(e).get("tokens").asLong(), c.get("tokens").asLong());
            assertEquals(local.get(e).get("minibatches").asLong(), c.get("minibatches").asLong());
            assertEquals(local.get(e).get("train_perplexity").asDouble(), c.get("train_perplexity").asDouble(),
                    1e-4 * local.get(e).get("train_perplexity").asDouble(), "epoch " + (e + 1));
            assertEquals(local.get(e).get("val_perplexity").asDouble(), c.get("val_perplexity").asDouble(),
                    1e-4 * local.get(e).get("val_perplexity").asDouble(), "epoch " + (e + 1));
        }
        assertEquals(expectedMinibatches, cluster.get(0).get("minibatches").asLong());
    }

    /** Executors of local-cluster mode are separate JVMs that need the driver's classpath and JVM options. */
    static SparkConf clusterConf() throws IOException {
        Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
        String jvmOptions = String.join(" ",
                "-Dorg.bytedeco.javacpp.platform.extension=" + System.getProperty("nd4j.platform.extension", ""),
                "-Dorg.bytedeco.javacpp.maxbytes=1G",
                VectorApi.FLAG,
                TestSupport.addOpens());
        return SparkContexts.conf("lstm-spark-it", LOCAL_CLUSTER)
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executor.extraJavaOptions", jvmOptions)
                .set("spark.executor.memory", "1g");
    }

    private static List<JsonNode> train(SparkConf conf, TrainConfig config, Path out) throws IOException {
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            TestSupport.train(sc, config, out, new PrintWriter(new StringWriter()));
        }
        List<JsonNode> epochs = TestSupport.readMetrics(out);
        assertEquals(config.epochs(), epochs.size());
        return epochs;
    }
}
