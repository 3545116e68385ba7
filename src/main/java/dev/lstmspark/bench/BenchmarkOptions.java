package dev.lstmspark.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Command-line options of {@link Benchmark}. Training settings not named here are passed as {@code --set key=value}
 * (any {@code train} configuration key); {@code --corpus}, {@code --master} and {@code --workers} are shortcuts.
 *
 * @param warmupEpochs     Spark epochs run first and not counted (JIT, native libraries, Spark's first jobs)
 * @param epochs           Spark epochs measured after the warm-up
 * @param scale            the corpus repeated this many times (the corpus-size test)
 * @param singleWarmup     minibatches fitted before the single-JVM measurement
 * @param singleIterations minibatches fitted in the single-JVM measurement
 * @param out              JSON file to write, or null
 * @param settings         training configuration keys and values
 */
public record BenchmarkOptions(int warmupEpochs, int epochs, int scale, int singleWarmup, int singleIterations,
                               String out, Map<String, String> settings) {

    public static final String USAGE = """
            usage: bench.sh [--epochs N] [--warmup-epochs N] [--corpus FILE] [--scale N] [--out FILE.json]
                            [--single-iterations N] [--single-warmup N] [--master URL] [--workers N] [--set key=value]...
            defaults: --epochs 1 --warmup-epochs 1 --scale 1 --single-iterations 100 --single-warmup 20 --master local[2] --workers 2
            --single-iterations 0 skips the single-JVM part, --epochs 0 the Spark part""";

    public BenchmarkOptions {
        settings = Map.copyOf(settings);
    }

    public static BenchmarkOptions parse(String... args) {
        int warmupEpochs = 1;
        int epochs = 1;
        int scale = 1;
        int singleWarmup = 20;
        int singleIterations = 100;
        String out = null;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("master", "local[2]");
        settings.put("workers", "2");
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("-h") || flag.equals("--help")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
            }
            String value = args[++i];
            switch (flag) {
                case "--epochs" -> epochs = atLeast(flag, value, 0);
                case "--warmup-epochs" -> warmupEpochs = atLeast(flag, value, 0);
                case "--scale" -> scale = atLeast(flag, value, 1);
                case "--single-warmup" -> singleWarmup = atLeast(flag, value, 0);
                case "--single-iterations" -> singleIterations = atLeast(flag, value, 0);
                case "--out" -> out = value;
                case "--corpus" -> settings.put("corpus", value);
                case "--master" -> settings.put("master", value);
                case "--workers" -> settings.put("workers", value);
                case "--set" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set needs key=value, got " + value);
                    }
                    settings.put(value.substring(0, eq), value.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
            }
        }
        return new BenchmarkOptions(warmupEpochs, epochs, scale, singleWarmup, singleIterations, out, settings);
    }

    private static int atLeast(String flag, String value, int min) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a whole number, got " + value);
        }
        if (n < min) {
            throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + n);
        }
        return n;
    }
}
