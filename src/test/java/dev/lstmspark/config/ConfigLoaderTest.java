package dev.lstmspark.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @Test
    void defaultsThenFileThenFlags(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("preset.properties");
        Files.writeString(file, "epochs=7\nhidden=64\n");
        TrainConfig c = ConfigLoader.load(file, Map.of("hidden", "32", "sampling", "sequential"));
        assertEquals(7, c.epochs());
        assertEquals(32, c.hidden());
        assertEquals(Sampling.SEQUENTIAL, c.sampling());
        assertEquals(32, c.batchSize());
        assertEquals(35, c.numSteps());
        assertEquals(1.0, c.lr());
        assertEquals(1.0, c.clip());
        assertEquals(List.of("time traveller", "traveller"), c.samplePrefixes());
        assertTrue(c.out().startsWith("runs/"), c.out());
    }

    @Test
    void resolvedConfigRoundTripsThroughProperties() throws IOException {
        TrainConfig c = ConfigLoader.load(null, Map.of("tokens", "word", "min-freq", "3", "val-fraction", "0", "out", "x"));
        java.io.StringWriter w = new java.io.StringWriter();
        c.toProperties().store(w, null);
        Properties p = new Properties();
        p.load(new StringReader(w.toString()));
        assertEquals(c, ConfigLoader.fromProperties(p, "config.properties"));
    }

    @Test
    void everyShippedPresetLoads() throws IOException {
        try (var presets = Files.list(Path.of("conf"))) {
            List<Path> files = presets.filter(p -> p.toString().endsWith(".properties") && !p.getFileName().toString().startsWith("log4j"))
                    .toList();
            assertTrue(files.size() >= 2, "presets found: " + files);
            for (Path preset : files) {
                ConfigLoader.load(preset, Map.of());
            }
        }
        TrainConfig d2l = ConfigLoader.load(Path.of("conf/d2l-lstm.properties"), Map.of());
        assertEquals(500, d2l.epochs());
        assertEquals(0.0, d2l.valFraction());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "batch-size|0|batch-size must be positive, got 0",
            "batch-size|-3|batch-size must be positive, got -3",
            "batch-size|many|batch-size must be a whole number, got 'many'",
            "num-steps|0|num-steps must be positive",
            "hidden|1.5|hidden must be a whole number, got '1.5'",
            "layers|0|layers must be positive",
            "epochs|-1|epochs must be positive",
            "lr|0|lr must be greater than 0, got 0",
            "lr|-0.1|lr must be greater than 0",
            "lr|fast|lr must be a number, got 'fast'",
            "lr|NaN|lr must be a finite number",
            "clip|-1|clip must be 0 (off) or greater",
            "val-fraction|1|val-fraction must be in [0, 1), got 1",
            "val-fraction|-0.2|val-fraction must be in [0, 1)",
            "tokens|byte|tokens must be one of [char, word], got 'byte'",
            "sampling|shuffled|sampling must be one of [random, sequential]",
            "workers|-1|workers must be at least 0",
            "averaging-frequency|0|averaging-frequency must be auto or positive",
            "min-freq|-2|min-freq must be at least 0",
            "seed|x|seed must be a whole number",
            "plot-scale|cubic|plot-scale must be one of [linear, log], got 'cubic'",
            "keep|0|keep must be positive",
            "checkpoint-every|0|checkpoint-every must be positive",
            "cell|rnn|cell must be one of [gru, lstm], got 'rnn'",
            "preprocess|ascii|preprocess must be one of [d2l, lower, raw], got 'ascii'",
            "corpus-format|xml|corpus-format must be one of [csv, json, orc, parquet, text], got 'xml'",
            "text-column|''|text-column must not be empty: name the string column that holds the text",
            "max-vocab|1|max-vocab must be 0 (no limit) or at least 2 (<unk> and one token), got 1",
            "max-vocab|-5|max-vocab must be 0 (no limit) or at least 2",
            "max-vocab|lots|max-vocab must be a whole number, got 'lots'",
            "colour|red|unknown config key 'colour'"})
    void invalidValuesAreRejectedNamingTheKey(String key, String value, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of(key, value)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void unknownKeyInAFileNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "epochs=3\nbatchsize=8\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertTrue(e.getMessage().contains("'batchsize'") && e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void missingConfigFileIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Path.of("conf/nope.properties"), Map.of()));
        assertTrue(e.getMessage().contains("conf/nope.properties"), e.getMessage());
    }

    @Test
    void blockMomentumAndBlockLrAutoFollowTheWorkers() {
        TrainConfig auto = ConfigLoader.load(null, Map.of());
        assertEquals(0.0, auto.blockMomentumFor(1), "one worker: plain SGD");
        assertEquals(1.0, auto.blockLrFor(1));
        assertEquals(0.5, auto.blockMomentumFor(2));
        assertEquals(TrainConfig.AUTO_BLOCK_LR, auto.blockLrFor(2));
        assertEquals(0.875, auto.blockMomentumFor(8));
        assertEquals(TrainConfig.AUTO_BLOCK_LR, auto.blockLrFor(8));
        TrainConfig plain = ConfigLoader.load(null, Map.of("block-momentum", "0"));
        assertEquals(1.0, plain.blockLrFor(8), "block-momentum 0 alone is plain averaging");
        assertEquals(0.7, ConfigLoader.load(null, Map.of("block-lr", "0.7")).blockLrFor(1), "a number is taken as given");
        for (String bad : List.of("0", "-1", "fast", "NaN")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of("block-lr", bad)));
            assertTrue(e.getMessage().startsWith("block-lr "), e.getMessage());
        }
    }

    @Test
    void averagingFrequencyAutoKeepsAboutTwentyMinibatchesPerRound() {
        TrainConfig auto = ConfigLoader.load(null, Map.of());
        assertEquals(List.of(5, 5, 5, 5, 4, 2, 1, 1),
                java.util.stream.IntStream.of(1, 2, 3, 4, 5, 8, 16, 64).map(auto::averagingFrequencyFor).boxed().toList());
        TrainConfig sequential = ConfigLoader.load(null, Map.of("sampling", "sequential"));
        assertEquals(List.of(10, 10, 6, 5, 4, 2, 1, 1), java.util.stream.IntStream.of(1, 2, 3, 4, 5, 8, 16, 64)
                .map(sequential::averagingFrequencyFor).boxed().toList(), "a round is also a state's run");
        assertEquals(3, ConfigLoader.load(null, Map.of("averaging-frequency", "3")).averagingFrequencyFor(8));
        for (String bad : List.of("0", "-2", "often", "2.5")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.load(null, Map.of("averaging-frequency", bad)));
            assertTrue(e.getMessage().startsWith("averaging-frequency must be auto or"), e.getMessage());
        }
    }

    @Test
    void stateWarmupIsForSequentialSamplingAndNotNegative() {
        ConfigException random = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("state-warmup", "1")));
        assertTrue(random.getMessage().startsWith("state-warmup 1 applies to sampling sequential"), random.getMessage());
        ConfigException negative = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("sampling", "sequential", "state-warmup", "-1")));
        assertTrue(negative.getMessage().startsWith("state-warmup"), negative.getMessage());
        assertEquals(0, ConfigLoader.load(null, Map.of()).stateWarmup());
        assertEquals(1, ConfigLoader.load(null, Map.of("sampling", "sequential", "state-warmup", "1")).stateWarmup());
    }

    @Test
    void stateMinibatchesIsForSequentialSamplingAndDividesTheRound() {
        ConfigException random = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("state-minibatches", "2")));
        assertTrue(random.getMessage().startsWith("state-minibatches 2 applies to sampling sequential"), random.getMessage());
        ConfigException divide = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("sampling", "sequential", "averaging-frequency", "5", "state-minibatches", "2")));
        assertEquals("state-minibatches 2 must divide averaging-frequency 5: a recurrent state cannot outlive an"
                + " averaging round; choose a divisor of 5", divide.getMessage());
        assertEquals(2, ConfigLoader.load(null, Map.of("sampling", "sequential", "averaging-frequency", "6",
                "state-minibatches", "2")).stateMinibatches().getAsInt());
    }

    @Test
    void cellIsLstmUnlessGruIsAsked() {
        assertEquals(CellType.LSTM, ConfigLoader.load(null, Map.of()).cell());
        TrainConfig gru = ConfigLoader.load(null, Map.of("cell", "GRU"));
        assertEquals(CellType.GRU, gru.cell());
        assertEquals("gru", gru.toProperties().getProperty("cell"));
    }

    /** A GRU has no forget gate: a bias meant for one must not be silently ignored. */
    @Test
    void forgetGateBiasWithGruIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("cell", "gru", "forget-gate-bias", "1")));
        assertTrue(e.getMessage().contains("forget-gate-bias 1 applies only to cell lstm"), e.getMessage());
        assertEquals(1.0, ConfigLoader.load(null, Map.of("cell", "lstm", "forget-gate-bias", "1")).forgetGateBias());
    }

    @Test
    void corpusSettingsDefaultToD2lOnTextAndRoundTrip() {
        TrainConfig defaults = ConfigLoader.load(null, Map.of());
        assertEquals(Preprocessing.D2L, defaults.preprocess());
        assertEquals(CorpusFormat.TEXT, defaults.corpusFormat());
        assertEquals("text", defaults.textColumn());
        assertEquals("", defaults.orderColumn());
        assertEquals(0, defaults.maxVocab());
        TrainConfig table = ConfigLoader.load(null, Map.of("corpus", "data/books", "corpus-format", "Parquet",
                "text-column", "body", "order-column", "chapter", "preprocess", "raw", "max-vocab", "3000", "out", "x"));
        assertEquals(table, ConfigLoader.fromProperties(table.toProperties(), "config.properties"));
        assertEquals("parquet", table.toProperties().getProperty("corpus-format"));
        TrainConfig rawChar = ConfigLoader.load(Path.of("conf/raw-char.properties"), Map.of());
        assertEquals(Preprocessing.RAW, rawChar.preprocess());
        assertEquals(3000, rawChar.maxVocab());
    }

    @Test
    void corpusFormatAndOrderColumnOnlyWhereTheyApply() {
        ConfigException format = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("corpus", "table:books", "corpus-format", "orc")));
        assertEquals("corpus-format orc applies to files, but corpus table:books is read from the Spark catalog: drop corpus-format",
                format.getMessage());
        ConfigException order = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("corpus", "data/a.txt", "order-column", "id")));
        assertTrue(order.getMessage().startsWith("order-column id applies to tables, but corpus-format text"), order.getMessage());
        assertEquals("id", ConfigLoader.load(null, Map.of("corpus", "table:books", "order-column", "id")).orderColumn());
    }

    /** Only what changes nothing about the tokens trained on may change on resume; the corpus settings all do. */
    @Test
    void corpusSettingsCannotChangeOnResume() {
        for (Setting<?> s : List.of(Settings.CORPUS_FORMAT, Settings.TEXT_COLUMN, Settings.ORDER_COLUMN, Settings.PREPROCESS,
                Settings.MAX_VOCAB)) {
            assertFalse(s.changeableOnResume(), s.key());
        }
    }
}
