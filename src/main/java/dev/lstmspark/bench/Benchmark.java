package dev.lstmspark.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lstmspark.batches.InMemoryBatches;
import dev.lstmspark.batches.MinibatchBuilder;
import dev.lstmspark.batches.TokenBatch;
import dev.lstmspark.batches.WindowPlan;
import dev.lstmspark.cli.SparkContexts;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.corpus.CorpusLocator;
import dev.lstmspark.model.GlobalNormClipping;
import dev.lstmspark.model.RecurrentNetworks;
import dev.lstmspark.model.ModelSpec;
import dev.lstmspark.report.Hardware;
import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.training.SparkTrainer;
import dev.lstmspark.training.TrainingData;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.stats.EventStats;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Throughput of the training pipeline, in predicted tokens per second, in three parts:
 * <ol>
 *   <li>the network alone in this JVM: forward, backward, clipping and SGD update on the corpus's own
 *       minibatches, already one-hot (the one-hot construction is timed on its own);</li>
 *   <li>whole epochs through Spark with parameter averaging, exactly as {@code train} runs them (batching,
 *       fitting, averaging, metric accumulators, validation), after warm-up epochs that are not counted;</li>
 *   <li>where the measured epochs' time went: DL4J's {@link SparkTrainingStats} per key (driver-side keys are
 *       wall time; worker-side keys are summed over the workers, which run in parallel), validation as the
 *       epoch's time after fitting, and the minibatch RDD's construction timed separately.</li>
 * </ol>
 * Prints a summary and writes every figure to {@code --out} as JSON.
 */
public final class Benchmark {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String json = JSON.writeValueAsString(run(options));
        System.out.println(json);
        if (options.out() != null) {
            Path out = Path.of(options.out());
            if (out.toAbsolutePath().getParent() != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
            }
            Files.writeString(out, json + "\n");
            System.out.println("wrote " + out);
        }
    }

    static ObjectNode run(BenchmarkOptions options) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>(options.settings());
        settings.put("epochs", Integer.toString(Math.max(1, options.warmupEpochs() + options.epochs())));
        TrainConfig config = ConfigLoader.load(null, settings);
        String corpus = new CorpusLocator().resolve(config.corpus());
        Path scaledDir = null;
        if (options.scale() > 1) {
            scaledDir = Files.createTempDirectory("lstm-spark-bench");
            Path scaled = scaledDir.resolve("corpus-x" + options.scale() + ".txt");
            writeScaled(localPath(corpus), options.scale(), scaled);
            corpus = scaled.toString();
        }
        ObjectNode result = JSON.createObjectNode();
        result.put("started", Instant.now().toString());
        try (JavaSparkContext sc = SparkContexts.create("lstm-spark bench", config.master())) {
            Hardware hw = Hardware.ofThisDriver();
            ObjectNode machine = result.putObject("machine");
            machine.put("cores", hw.driverCores());
            machine.put("jvm", hw.jvm());
            machine.put("os", hw.os());
            machine.put("nd4j_backend", hw.nd4jBackend());
            machine.put("max_heap_mb", hw.driverMaxHeapBytes() >> 20);
            machine.put("omp_num_threads", String.valueOf(System.getenv("OMP_NUM_THREADS")));
            machine.put("spark_master", sc.master());
            System.out.printf(Locale.ROOT, "machine: %d cores, %s, %s, ND4J %s, Spark %s%n", hw.driverCores(), hw.jvm(),
                    hw.os(), hw.nd4jBackend(), sc.master());

            TrainingData data = TrainingData.load(sc, corpus, corpus, config);
            SparkTrainer trainer = new SparkTrainer(sc, config);
            ObjectNode setup = result.putObject("setup");
            setup.put("corpus", config.corpus());
            setup.put("scale", options.scale());
            setup.put("corpus_tokens", data.trainTokens() + data.valTokens());
            setup.put("train_tokens", data.trainTokens());
            setup.put("val_tokens", data.valTokens());
            setup.put("vocabulary", data.vocabulary().size());
            setup.put("batch_size", config.batchSize());
            setup.put("num_steps", config.numSteps());
            setup.put("hidden", config.hidden());
            setup.put("layers", config.layers());
            setup.put("cell", config.cell().name().toLowerCase(Locale.ROOT));
            setup.put("workers", trainer.workers());
            setup.put("averaging_frequency", config.averagingFrequency());
            setup.put("sampling", config.sampling().name().toLowerCase(Locale.ROOT));
            setup.put("warmup_epochs", options.warmupEpochs());
            setup.put("epochs", options.epochs());

            if (options.singleIterations() > 0) {
                int[] tokens = trainingTokens(data);
                result.set("single_jvm", singleJvm(config, trainer.epochPlan(1, tokens.length), tokens,
                        data.vocabulary().size(), options.singleWarmup(), options.singleIterations()));
            }
            if (options.epochs() > 0) {
                result.set("spark", sparkEpochs(sc, config, trainer, data, options));
            }
            data.corpus().unpersist();
        } finally {
            if (scaledDir != null) {
                try (var files = Files.list(scaledDir)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(scaledDir);
            }
        }
        return result;
    }

    /** The corpus's text {@code times} times over, each copy ending in a line break. */
    static void writeScaled(Path source, int times, Path target) throws IOException {
        byte[] text = Files.readAllBytes(source);
        boolean endsInNewline = text.length > 0 && text[text.length - 1] == '\n';
        try (OutputStream out = Files.newOutputStream(target)) {
            for (int i = 0; i < times; i++) {
                out.write(text);
                if (!endsInNewline) {
                    out.write('\n');
                }
            }
        }
    }

    /** A corpus location as {@code CorpusLocator} resolves it ({@code file:} URI or plain path) as a local path. */
    static Path localPath(String corpus) {
        return corpus.startsWith("file:") ? Path.of(URI.create(corpus)) : Path.of(corpus);
    }

    /**
     * The training tokens in one array, as the epochs train on them: the single-JVM measurement runs on this
     * driver alone, so here (and only here) the encoded corpus comes to the driver.
     */
    static int[] trainingTokens(TrainingData data) {
        return data.corpus().partitions().collect().stream().flatMapToInt(java.util.stream.IntStream::of)
                .limit(data.trainTokens()).toArray();
    }

    /**
     * Fits one network on the corpus's first epoch of minibatches (cycled) in this JVM, with the clipping listener
     * training uses. Times the one-hot {@code DataSet} construction separately.
     */
    static ObjectNode singleJvm(TrainConfig config, WindowPlan plan, int[] tokens, int vocabSize, int warmup,
                                int iterations) {
        MultiLayerNetwork net = RecurrentNetworks.create(ModelSpec.of(config, vocabSize));
        net.setListeners(new GlobalNormClipping(config.clip()));
        List<TokenBatch> batches = InMemoryBatches.build(tokens, plan);
        int n = Math.min(batches.size(), warmup + iterations);
        List<DataSet> dataSets = new ArrayList<>(n);
        for (int i = 0; i < Math.min(n, 5); i++) {
            batches.get(i).toDataSet(vocabSize); // warm up the conversion
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            dataSets.add(batches.get(i).toDataSet(vocabSize));
        }
        double oneHotSeconds = (System.nanoTime() - t0) / 1e9;
        for (int i = 0; i < warmup; i++) {
            net.fit(dataSets.get(i % n));
        }
        long predicted = 0;
        t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            DataSet ds = dataSets.get((warmup + i) % n);
            net.fit(ds);
            predicted += ds.getFeatures().size(0) * ds.getFeatures().size(2);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        ObjectNode o = JSON.createObjectNode();
        o.put("minibatches", iterations);
        o.put("tokens", predicted);
        o.put("seconds", round(seconds));
        o.put("tokens_per_sec", round(predicted / seconds));
        o.put("ms_per_minibatch", round(seconds * 1000 / iterations));
        o.put("one_hot_ms_per_minibatch", round(oneHotSeconds * 1000 / n));
        o.put("final_score", round(net.score()));
        System.out.printf(Locale.ROOT, "(1) single JVM, network alone: %,.0f tokens/s (%.1f ms per %dx%d minibatch, %d minibatches after %d warm-up); one-hot DataSet %.2f ms%n",
                predicted / seconds, seconds * 1000 / iterations, config.batchSize(), config.numSteps(), iterations, warmup,
                oneHotSeconds * 1000 / n);
        return o;
    }

    private static ObjectNode sparkEpochs(JavaSparkContext sc, TrainConfig config, SparkTrainer trainer, TrainingData data,
                                          BenchmarkOptions options) {
        trainer.setCollectStats(true);
        MultiLayerNetwork network = trainer.newNetwork(data.vocabulary().size());
        List<EpochMetrics> epochs = new ArrayList<>();
        List<Map<String, Double>> statsAfter = new ArrayList<>();
        trainer.fit(data, network, 1, List.of((metrics, net) -> {
            epochs.add(metrics);
            statsAfter.add(secondsByKey(trainer.trainingStats()));
            System.out.printf(Locale.ROOT, "    epoch %d%s: %,.0f tokens/s whole epoch (%.1f s), train ppl %.3f, val ppl %.3f%n",
                    metrics.epoch(), metrics.epoch() <= options.warmupEpochs() ? " (warm-up)" : "",
                    metrics.tokensPerSecond(), metrics.seconds(), metrics.trainPerplexity(), metrics.valPerplexity());
        }));
        ObjectNode o = JSON.createObjectNode();
        ArrayNode all = o.putArray("epochs");
        List<Double> rates = new ArrayList<>();
        List<Double> fitRates = new ArrayList<>();
        double seconds = 0;
        double fitSeconds = 0;
        long tokens = 0;
        for (EpochMetrics m : epochs) {
            ObjectNode e = all.addObject();
            e.put("epoch", m.epoch());
            e.put("warmup", m.epoch() <= options.warmupEpochs());
            e.put("tokens", m.tokens());
            e.put("minibatches", m.minibatches());
            e.put("seconds", round(m.seconds()));
            e.put("fit_seconds", round(m.fitSeconds()));
            e.put("tokens_per_sec", round(m.tokensPerSecond()));
            e.put("fit_tokens_per_sec", round(m.tokens() / m.fitSeconds()));
            e.put("train_perplexity", round(m.trainPerplexity()));
            e.put("val_perplexity", Double.isNaN(m.valPerplexity()) ? null : round(m.valPerplexity()));
            if (m.epoch() > options.warmupEpochs()) {
                rates.add(m.tokensPerSecond());
                fitRates.add(m.tokens() / m.fitSeconds());
                seconds += m.seconds();
                fitSeconds += m.fitSeconds();
                tokens += m.tokens();
            }
        }
        o.put("tokens_per_sec_median", round(median(rates)));
        o.put("fit_tokens_per_sec_median", round(median(fitRates)));
        System.out.printf(Locale.ROOT, "(2) Spark %s, %d workers, parameter averaging every %d: %,.0f tokens/s whole epoch (median of %d), %,.0f tokens/s without validation%n",
                sc.master(), trainer.workers(), config.averagingFrequency(), median(rates), rates.size(), median(fitRates));

        // (3) Where the measured epochs' time went.
        Map<String, Double> before = options.warmupEpochs() > 0 && options.warmupEpochs() <= statsAfter.size()
                ? statsAfter.get(options.warmupEpochs() - 1) : Map.of();
        Map<String, Double> after = statsAfter.get(statsAfter.size() - 1);
        ObjectNode split = o.putObject("time_split_seconds");
        split.put("epochs_wall", round(seconds));
        split.put("fit_wall", round(fitSeconds));
        split.put("validation_wall", round(seconds - fitSeconds));
        double batching = timeBatching(sc, trainer, config, data, options);
        split.put("minibatch_rdd_build_per_epoch_measured_separately", round(batching));
        ObjectNode dl4j = split.putObject("dl4j_stats");
        for (Map.Entry<String, Double> entry : after.entrySet()) {
            dl4j.put(entry.getKey(), round(entry.getValue() - before.getOrDefault(entry.getKey(), 0.0)));
        }
        int measured = rates.size();
        System.out.printf(Locale.ROOT, "(3) time split per measured epoch (s): wall %.2f = fit %.2f + validation %.2f; minibatch RDD build (separate run) %.2f%n",
                seconds / measured, fitSeconds / measured, (seconds - fitSeconds) / measured, batching);
        System.out.println("    DL4J SparkTrainingStats per epoch (ParameterAveragingMaster*: driver wall time; Worker*: summed over workers):");
        dl4j.fields().forEachRemaining(f -> System.out.printf(Locale.ROOT, "      %-52s %8.3f%n", f.getKey(),
                f.getValue().asDouble() / measured));
        o.put("measured_tokens", tokens);
        return o;
    }

    /** Builds and materializes one epoch's minibatch RDD, as training does before fitting; median of three, seconds. */
    private static double timeBatching(JavaSparkContext sc, SparkTrainer trainer, TrainConfig config, TrainingData data,
                                       BenchmarkOptions options) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WindowPlan plan = trainer.epochPlan(config.epochs() + 1 + i, data.trainTokens());
            long t0 = System.nanoTime();
            long count = MinibatchBuilder.build(data.corpus(), plan, trainer.workers()).count();
            times.add((System.nanoTime() - t0) / 1e9);
            if (count != plan.numBatches()) {
                throw new IllegalStateException("built " + count + " minibatches, the plan has " + plan.numBatches());
            }
        }
        return median(times);
    }

    /** Total duration in seconds of every event DL4J recorded, by statistic key. */
    static Map<String, Double> secondsByKey(SparkTrainingStats stats) {
        Map<String, Double> out = new TreeMap<>();
        if (stats == null) {
            return out;
        }
        for (String key : stats.getKeySet()) {
            List<EventStats> events;
            try {
                events = stats.getValue(key);
            } catch (RuntimeException e) {
                continue;
            }
            if (events == null) {
                continue;
            }
            long ms = 0;
            for (EventStats event : events) {
                ms += event.getDurationMs();
            }
            out.put(key, ms / 1000.0);
        }
        return out;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : v;
    }
}
