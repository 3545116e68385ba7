package dev.lstmspark.report;

import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.training.EpochMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Synthetic runs for the report tests: no Spark, no network. */
final class ReportFixtures {

    static final Hardware HARDWARE = new Hardware("AMD EPYC (avx2 fma)", 2, 3L << 30, "OpenJDK 64-Bit Server VM 17.0.15", "Linux 6.1 (amd64)",
            "CpuBackend", "Zen (OpenBLAS's own choice)", "Java Vector API, 16 float lanes");

    private ReportFixtures() {
    }

    /** The built-in defaults: char LSTM, hidden 256 x 1, minibatches 32 x 35, lr 1, clip 1, 10 epochs. */
    static TrainConfig defaults() {
        return ConfigLoader.load(null, Map.of("out", "runs/test", "epochs", "10"));
    }

    static TrainConfig with(Map<String, String> flags) {
        Map<String, String> all = new java.util.HashMap<>(flags);
        all.putIfAbsent("out", "runs/test");
        return ConfigLoader.load(null, all);
    }

    /**
     * Perplexity decaying from about 26 towards 1.05, the shape of a character model's curve; validation a little
     * above training, or NaN throughout when {@code validation} is false (nothing held out).
     */
    static List<EpochMetrics> decaying(int epochs, boolean validation) {
        List<EpochMetrics> metrics = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double train = 1.05 + 25 * Math.exp(-epoch / (epochs / 5.0));
            double val = validation ? train * 1.1 + 0.3 : Double.NaN;
            metrics.add(new EpochMetrics(epoch, train, val, 150_000 + epoch, 134, 12.5, 11.0, Double.NaN, List.of("0", "1")));
        }
        return metrics;
    }
}
