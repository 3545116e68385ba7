package dev.lstmspark.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lstmspark.batches.InMemoryBatches;
import dev.lstmspark.batches.MinibatchBuilder;
import dev.lstmspark.batches.TokenBatch;
import dev.lstmspark.batches.TokenEncoding;
import dev.lstmspark.batches.WindowPlan;
import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.corpus.CorpusLocator;
import dev.lstmspark.model.ModelSpec;
import dev.lstmspark.model.RecurrentNetworks;
import dev.lstmspark.report.Hardware;
import dev.lstmspark.run.NativeBackend;
import dev.lstmspark.run.SparkContexts;
import dev.lstmspark.run.TrainingRun;
import dev.lstmspark.store.RunDirectory;
import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.training.SparkTrainer;
import dev.lstmspark.training.TrainingData;
import dev.lstmspark.training.TrainingListener;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.stats.EventStats;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Throughput of the training pipeline, in predicted tokens per second, in three parts:
 * <ol>
 *   <li>the network alone in this JVM: forward, backward, clipping and SGD update on the corpus's own
 *       minibatches, already encoded as the network takes them (one-hot or indices; the encoding is timed on its own);</li>
 *   <li>whole epochs through Spark with parameter averaging, exactly as {@code train} runs them (batching,
 *       fitting, averaging, metric accumulators, validation), after warm-up epochs that are not counted;</li>
 *   <li>where the measured epochs' time went: DL4J's {@link SparkTrainingStats} per key (driver-side keys are
 *       wall time; worker-side keys are summed over the workers, which run in parallel), validation as the
 *       epoch's time after fitting, and the minibatch RDD's construction timed separately.</li>
 * </ol>
 * With {@code --time-to}, (4) the wall time to given perplexities for one worker, two workers averaging plainly
 * and two with block momentum. Prints a summary and writes every figure to {@code --out} as JSON; the Spark part runs {@link TrainingRun}, the
 * very code {@code train} runs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Throughput of the training pipeline: the network alone, whole Spark epochs, and their time split.")
public final class Benchmark implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "N", description = "Spark epochs measured after the warm-up; 0 skips the Spark part (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--warmup-epochs", defaultValue = "1", paramLabel = "N", description = "Spark epochs run first and not counted: JIT, native libraries, Spark's first jobs (default ${DEFAULT-VALUE})")
    int warmupEpochs;

    @Option(names = "--scale", defaultValue = "1", paramLabel = "N", description = "train on the corpus repeated N times: the corpus-size test (default ${DEFAULT-VALUE})")
    int scale;

    @Option(names = "--single-iterations", defaultValue = "100", paramLabel = "N", description = "minibatches fitted in the single-JVM measurement; 0 skips it (default ${DEFAULT-VALUE})")
    int singleIterations;

    @Option(names = "--single-warmup", defaultValue = "20", paramLabel = "N", description = "minibatches fitted before the single-JVM measurement (default ${DEFAULT-VALUE})")
    int singleWarmup;

    @Option(names = "--out", paramLabel = "FILE.json", description = "where every figure goes as JSON (default target/bench/<time>.json)")
    Path out;

    @Option(names = "--corpus", paramLabel = "FILE", description = "shortcut for --set corpus=FILE")
    String corpus;

    @Option(names = "--master", defaultValue = "local[2]", paramLabel = "URL", description = "Spark master (default ${DEFAULT-VALUE})")
    String master;

    @Option(names = "--workers", defaultValue = "2", paramLabel = "N", description = "parameter-averaging workers (default ${DEFAULT-VALUE})")
    String workers;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "any train setting, e.g. --set cell=gru")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--gemm-iterations", defaultValue = "200", paramLabel = "N", description = "products per shape in the GEMM-bound probe; 0 skips it (default ${DEFAULT-VALUE})")
    int gemmIterations;

    @Option(names = "--time-to", split = ",", paramLabel = "PPL", description = "(4) wall time to these training perplexities, e.g. 9,5,2, for 1 worker, 2 workers with plain averaging and 2 workers with block momentum")
    List<Double> timeTo = new ArrayList<>();

    @Option(names = "--max-epochs", defaultValue = "500", paramLabel = "N", description = "with --time-to: epochs a variant trains at most (default ${DEFAULT-VALUE})")
    int maxEpochs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        NativeBackend.selectPackagedBuild();
        // jobs/bench.sh puts its defaults (--corpus, --out) first, so the user's own flags must win over them.
        System.exit(new CommandLine(new Benchmark()).setOverwrittenOptionsAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        for (String option : new String[] {"--epochs", "--warmup-epochs", "--single-iterations", "--single-warmup"}) {
            requireAtLeast(option, 0);
        }
        requireAtLeast("--scale", 1);
        ObjectNode result = run();
        Path file = out != null ? out : Path.of("target", "bench",
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(LocalDateTime.now()) + ".json");
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, JSON.writeValueAsString(result) + "\n");
        System.out.println("every figure in " + file);
        return 0;
    }

    private void requireAtLeast(String option, int min) {
        int value = switch (option) {
            case "--epochs" -> epochs;
            case "--warmup-epochs" -> warmupEpochs;
            case "--single-iterations" -> singleIterations;
            case "--single-warmup" -> singleWarmup;
            default -> scale;
        };
        if (value < min) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must be at least " + min + ", got " + value);
        }
    }

    /** The training settings: the train defaults, then the shortcuts, then every {@code --set}. */
    TrainConfig config() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("master", master);
        values.put("workers", workers);
        if (corpus != null) {
            values.put("corpus", corpus);
        }
        values.putAll(settings);
        values.put("epochs", Integer.toString(Math.max(1, warmupEpochs + epochs)));
        return ConfigLoader.load(null, values);
    }

    ObjectNode run() throws IOException {
        TrainConfig config = config();
        String corpusUri = new CorpusLocator().resolve(config.corpus());
        Path scaledDir = null;
        if (scale > 1) {
            scaledDir = Files.createTempDirectory("lstm-spark-bench");
            Path scaled = scaledDir.resolve("corpus-x" + scale + ".txt");
            writeScaled(localPath(corpusUri), scale, scaled);
            corpusUri = scaled.toUri().toString();
        }
        ObjectNode result = JSON.createObjectNode();
        result.put("started", Instant.now().toString());
        try (JavaSparkContext sc = SparkContexts.create("lstm-spark bench", config.master())) {
            Hardware hw = Hardware.ofThisDriver();
            ObjectNode machine = result.putObject("machine");
            machine.put("cpu", hw.cpu());
            machine.put("cores", hw.driverCores());
            machine.put("jvm", hw.jvm());
            machine.put("os", hw.os());
            machine.put("nd4j_backend", hw.nd4jBackend());
            machine.put("blas_core", hw.blasCore());
            machine.put("step_kernels", hw.stepKernels());
            machine.put("max_heap_mb", hw.driverMaxHeapBytes() >> 20);
            machine.put("omp_num_threads", String.valueOf(System.getenv("OMP_NUM_THREADS")));
            machine.put("spark_master", sc.master());
            System.out.printf(Locale.ROOT, "machine: %s, %d cores, %s, %s, ND4J %s, OpenBLAS core %s, time steps on %s, Spark %s%n",
                    hw.cpu(), hw.driverCores(), hw.jvm(), hw.os(), hw.nd4jBackend(), hw.blasCore(), hw.stepKernels(), sc.master());

            TrainingData data = TrainingData.load(sc, corpusUri, config.corpus(), config);
            int workerCount = SparkTrainer.workers(sc, config);
            ObjectNode setup = result.putObject("setup");
            setup.put("corpus", config.corpus());
            setup.put("scale", scale);
            setup.put("corpus_tokens", data.trainTokens() + data.valTokens());
            setup.put("train_tokens", data.trainTokens());
            setup.put("val_tokens", data.valTokens());
            setup.put("vocabulary", data.vocabulary().size());
            setup.put("batch_size", config.batchSize());
            setup.put("num_steps", config.numSteps());
            setup.put("hidden", config.hidden());
            setup.put("layers", config.layers());
            setup.put("cell", config.cell().name().toLowerCase(Locale.ROOT));
            setup.put("workers", workerCount);
            setup.put("averaging_frequency", config.averagingFrequencyFor(workerCount));
            setup.put("sampling", config.sampling().name().toLowerCase(Locale.ROOT));
            setup.put("warmup_epochs", warmupEpochs);
            setup.put("epochs", epochs);
            try {
                if (singleIterations > 0) {
                    int[] tokens = trainingTokens(data);
                    result.set("single_jvm", singleJvm(config, SparkTrainer.epochPlan(config, workerCount, 1, tokens.length), tokens,
                            data.vocabulary().size(), singleWarmup, singleIterations));
                }
                GemmBound bound = gemmIterations > 0 ? GemmBound.measure(config.cell(), config.batchSize(), config.numSteps(),
                        config.hidden(), data.vocabulary().size(), gemmIterations, 5) : null;
                if (bound != null) {
                    result.set("gemm_bound", gemmBound(bound, workerCount));
                }
                if (epochs > 0) {
                    double batching = timeBatching(sc, workerCount, config, data);
                    ObjectNode spark = sparkEpochs(sc, config, corpusUri, workerCount, batching);
                    result.set("spark", spark);
                    if (bound != null) {
                        double fraction = spark.get("tokens_per_sec_median").asDouble() / bound.tokensPerSecond(workerCount);
                        ((ObjectNode) result.get("gemm_bound")).put("pipeline_fraction", round(fraction));
                        System.out.printf(Locale.ROOT, "    whole-epoch median is %.1f%% of the GEMM bound%n", 100 * fraction);
                    }
                }
                if (!timeTo.isEmpty()) {
                    result.set("time_to_perplexity", timeToPerplexity(sc, corpusUri));
                }
            } finally {
                data.corpus().unpersist();
            }
        } finally {
            if (scaledDir != null) {
                deleteTree(scaledDir);
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
     * training uses. Times the {@code DataSet} construction (one-hot or indices) separately.
     */
    static ObjectNode singleJvm(TrainConfig config, WindowPlan plan, int[] tokens, int vocabSize, int warmup,
                                int iterations) {
        MultiLayerNetwork net = RecurrentNetworks.create(ModelSpec.of(config, vocabSize));
        net.setListeners(RecurrentNetworks.gradientListeners(config.clip()));
        List<TokenBatch> batches = InMemoryBatches.build(tokens, plan);
        TokenEncoding.Layout layout = RecurrentNetworks.layout(net);
        int n = Math.min(batches.size(), warmup + iterations);
        List<DataSet> dataSets = new ArrayList<>(n);
        for (int i = 0; i < Math.min(n, 5); i++) {
            batches.get(i).toDataSet(vocabSize, layout); // warm up the conversion
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            dataSets.add(batches.get(i).toDataSet(vocabSize, layout));
        }
        double encodeSeconds = (System.nanoTime() - t0) / 1e9;
        for (int i = 0; i < warmup; i++) {
            net.fit(dataSets.get(i % n));
        }
        long predicted = 0;
        t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            DataSet ds = dataSets.get((warmup + i) % n);
            net.fit(ds);
            predicted += RecurrentNetworks.predictedTokens(ds.getLabels(), ds.getLabelsMaskArray());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        ObjectNode o = JSON.createObjectNode();
        o.put("minibatches", iterations);
        o.put("tokens", predicted);
        o.put("seconds", round(seconds));
        o.put("tokens_per_sec", round(predicted / seconds));
        o.put("ms_per_minibatch", round(seconds * 1000 / iterations));
        o.put("encode_ms_per_minibatch", round(encodeSeconds * 1000 / n));
        o.put("final_score", round(net.score()));
        System.out.printf(Locale.ROOT, "(1) single JVM, network alone: %,.0f tokens/s (%.1f ms per %dx%d minibatch, %d minibatches after %d warm-up); DataSet encoding %.2f ms%n",
                predicted / seconds, seconds * 1000 / iterations, config.batchSize(), config.numSteps(), iterations, warmup,
                encodeSeconds * 1000 / n);
        return o;
    }

    /**
     * Whole epochs as {@code train} runs them, through the same {@link TrainingRun}, into a temporary run directory:
     * batching, fitting, averaging, accumulators, validation, report and checkpoint.
     */
    private ObjectNode sparkEpochs(JavaSparkContext sc, TrainConfig config, String corpusUri, int workerCount,
                                   double batchingSeconds) throws IOException {
        List<Map<String, Double>> statsAfter = new ArrayList<>();
        List<EpochMetrics> epochMetrics = trainInTemporaryRun(sc, config, corpusUri, true,
                run -> statsAfter.add(secondsByKey(run.trainingStats())));
        ObjectNode o = JSON.createObjectNode();
        ArrayNode all = o.putArray("epochs");
        List<Double> rates = new ArrayList<>();
        List<Double> fitRates = new ArrayList<>();
        double seconds = 0;
        double fitSeconds = 0;
        long tokens = 0;
        for (EpochMetrics m : epochMetrics) {
            boolean warmup = m.epoch() <= warmupEpochs;
            ObjectNode e = all.addObject();
            e.put("epoch", m.epoch());
            e.put("warmup", warmup);
            e.put("tokens", m.tokens());
            e.put("minibatches", m.minibatches());
            e.put("seconds", round(m.seconds()));
            e.put("fit_seconds", round(m.fitSeconds()));
            e.put("tokens_per_sec", round(m.tokensPerSecond()));
            e.put("fit_tokens_per_sec", round(m.tokens() / m.fitSeconds()));
            e.put("train_perplexity", round(m.trainPerplexity()));
            e.put("val_perplexity", Double.isNaN(m.valPerplexity()) ? null : round(m.valPerplexity()));
            System.out.printf(Locale.ROOT, "    epoch %d%s: %,.0f tokens/s whole epoch (%.1f s), train ppl %.3f, val ppl %.3f%n",
                    m.epoch(), warmup ? " (warm-up)" : "", m.tokensPerSecond(), m.seconds(), m.trainPerplexity(),
                    m.valPerplexity());
            if (!warmup) {
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
                sc.master(), workerCount, config.averagingFrequencyFor(workerCount), median(rates), rates.size(), median(fitRates));

        // (3) Where the measured epochs' time went.
        Map<String, Double> before = warmupEpochs > 0 && warmupEpochs <= statsAfter.size()
                ? statsAfter.get(warmupEpochs - 1) : Map.of();
        Map<String, Double> after = statsAfter.isEmpty() ? Map.of() : statsAfter.get(statsAfter.size() - 1);
        ObjectNode split = o.putObject("time_split_seconds");
        split.put("epochs_wall", round(seconds));
        split.put("fit_wall", round(fitSeconds));
        split.put("validation_wall", round(seconds - fitSeconds));
        split.put("minibatch_rdd_build_per_epoch_measured_separately", round(batchingSeconds));
        ObjectNode dl4j = split.putObject("dl4j_stats");
        for (Map.Entry<String, Double> entry : after.entrySet()) {
            dl4j.put(entry.getKey(), round(entry.getValue() - before.getOrDefault(entry.getKey(), 0.0)));
        }
        int measured = rates.size();
        System.out.printf(Locale.ROOT, "(3) time split per measured epoch (s): wall %.2f = fit %.2f + validation %.2f; minibatch RDD build (separate run) %.2f%n",
                seconds / measured, fitSeconds / measured, (seconds - fitSeconds) / measured, batchingSeconds);
        System.out.println("    DL4J SparkTrainingStats per epoch (ParameterAveragingMaster*: driver wall time; Worker*: summed over workers):");
        dl4j.fields().forEachRemaining(f -> System.out.printf(Locale.ROOT, "      %-52s %8.3f%n", f.getKey(),
                f.getValue().asDouble() / measured));
        o.put("measured_tokens", tokens);
        return o;
    }

    /**
     * (4) What users wait for: wall time (the run's {@code elapsed_seconds}) until the training perplexity first
     * reaches each of {@code --time-to}, for three variants trained through {@code TrainingRun} on the same Spark
     * context: one worker, two workers averaging plainly, two workers with block momentum auto. Each stops at the
     * lowest target or after {@code --max-epochs}.
     */
    private ObjectNode timeToPerplexity(JavaSparkContext sc, String corpusUri) throws IOException {
        double lowest = timeTo.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        variants.put("1 worker", Map.of("workers", "1"));
        variants.put("2 workers, plain averaging", Map.of("workers", "2", "block-momentum", "0"));
        variants.put("2 workers, block momentum auto", Map.of("workers", "2", "block-momentum", "auto"));
        ObjectNode o = JSON.createObjectNode();
        for (Map.Entry<String, Map<String, String>> variant : variants.entrySet()) {
            Map<String, String> values = new LinkedHashMap<>();
            values.put("master", master);
            if (corpus != null) {
                values.put("corpus", corpus);
            }
            values.putAll(settings);
            values.putAll(variant.getValue());
            values.put("epochs", Integer.toString(maxEpochs));
            values.put("target-perplexity", Double.toString(lowest));
            values.put("val-fraction", "0"); // the targets are training perplexities, as d2l reports them
            values.put("sample-every", "0");
            TrainConfig config = ConfigLoader.load(null, values);
            List<EpochMetrics> epochMetrics = trainInTemporaryRun(sc, config, corpusUri, false, run -> { });
            ObjectNode v = o.putObject(variant.getKey());
            ObjectNode reached = v.putObject("seconds_to_perplexity");
            StringBuilder line = new StringBuilder();
            for (double target : timeTo) {
                EpochMetrics first = epochMetrics.stream().filter(m -> m.trainPerplexity() <= target).findFirst().orElse(null);
                String key = java.math.BigDecimal.valueOf(target).stripTrailingZeros().toPlainString();
                if (first == null) {
                    reached.putNull(key);
                    line.append(String.format(Locale.ROOT, "  ppl %s: not in %d epochs", key, epochMetrics.size()));
                } else {
                    ObjectNode at = reached.putObject(key);
                    at.put("seconds", round(first.elapsedSeconds()));
                    at.put("epoch", first.epoch());
                    line.append(String.format(Locale.ROOT, "  ppl %s: %.0f s (epoch %d)", key, first.elapsedSeconds(), first.epoch()));
                }
            }
            ArrayNode curve = v.putArray("train_perplexity");
            epochMetrics.forEach(m -> curve.add(round(m.trainPerplexity())));
            System.out.printf(Locale.ROOT, "(4) %s:%s%n", variant.getKey(), line);
        }
        return o;
    }

    /** The GEMM bound as JSON and one summary line; {@code cores} is the workers, one task (and core) each. */
    private static ObjectNode gemmBound(GemmBound bound, int cores) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode shapes = o.putArray("shapes");
        for (GemmBound.Shape s : bound.shapes()) {
            ObjectNode shape = shapes.addObject();
            shape.put("product", s.name());
            shape.put("m", s.m());
            shape.put("n", s.n());
            shape.put("k", s.k());
            shape.put("gflops_one_thread", round(s.gflops()));
            shape.put("sgemm_gflops", round(s.sgemmGflops()));
            if (!Double.isNaN(s.vectorGflops())) {
                shape.put("vector_api_gflops", round(s.vectorGflops()));
            }
        }
        o.put("flops_per_token", Math.round(bound.flopsPerToken()));
        o.put("tokens_per_sec_one_core", round(bound.tokensPerSecond(1)));
        o.put("cores", cores);
        o.put("tokens_per_sec_bound", round(bound.tokensPerSecond(cores)));
        StringBuilder rates = new StringBuilder();
        bound.shapes().forEach(s -> rates.append(String.format(Locale.ROOT, " %.0f", s.gflops())));
        System.out.printf(Locale.ROOT, "(0) GEMM bound: %.2f MFLOP per token, single-thread GEMM at the layer's shapes%s GFLOP/s"
                        + " (the faster of ND4J's SGEMM and, per step, the Vector API kernel):"
                        + " %,.0f tokens/s on one core, %,.0f on %d%n", bound.flopsPerToken() / 1e6, rates,
                bound.tokensPerSecond(1), bound.tokensPerSecond(cores), cores);
        return o;
    }

    /**
     * Trains {@code config} as {@code train} does, into a temporary run directory deleted afterwards, and returns
     * every epoch's metrics; {@code afterEpoch} sees the run after each epoch (for its training statistics).
     */
    private static List<EpochMetrics> trainInTemporaryRun(JavaSparkContext sc, TrainConfig config, String corpusUri,
                                                          boolean collectStats, java.util.function.Consumer<TrainingRun> afterEpoch)
            throws IOException {
        Path runDir = Files.createTempDirectory("lstm-spark-bench-run");
        List<EpochMetrics> epochMetrics = new ArrayList<>();
        try (RunDirectory directory = RunDirectory.prepare(runDir.toString(), sc.hadoopConfiguration(), RunDirectory.Mode.NEW)) {
            TrainingRun run = new TrainingRun(config, corpusUri, directory, false, collectStats);
            run.addListener(new TrainingListener() {
                @Override
                public void onEpochEnd(EpochMetrics metrics, MultiLayerNetwork network) {
                    epochMetrics.add(metrics);
                    afterEpoch.accept(run);
                }
            });
            run.train(sc, new PrintWriter(new StringWriter()));
        } finally {
            deleteTree(runDir);
        }
        return epochMetrics;
    }

    /** Builds and materializes one epoch's minibatch RDD, as training does before fitting; median of three, seconds. */
    private static double timeBatching(JavaSparkContext sc, int workers, TrainConfig config, TrainingData data) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WindowPlan plan = SparkTrainer.epochPlan(config, workers, config.epochs() + 1 + i, data.trainTokens());
            long t0 = System.nanoTime();
            long count = MinibatchBuilder.build(data.corpus(), plan, workers).count();
            times.add((System.nanoTime() - t0) / 1e9);
            if (count != plan.numBatches()) {
                throw new IllegalStateException("built " + count + " minibatches, the plan has " + plan.numBatches());
            }
        }
        return median(times);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
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
