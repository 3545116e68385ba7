package dev.lstmspark.bench;

import dev.lstmspark.config.CellType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GemmBoundTest {

    /** d2l's LSTM: 3 products of 2 h 4h flops per token in the recurrence, 3 of 2 h v in the output layer. */
    @Test
    void countsTheFlopsOfOneTrainingToken() {
        GemmBound lstm = GemmBound.measure(CellType.LSTM, 32, 35, 256, 28, 1, 1);
        assertEquals(3 * 2.0 * 256 * 1024 + 3 * 2.0 * 256 * 28, lstm.flopsPerToken(), 1e-6);
        GemmBound gru = GemmBound.measure(CellType.GRU, 32, 35, 256, 28, 1, 1);
        assertEquals(3 * 2.0 * 256 * 768 + 3 * 2.0 * 256 * 28, gru.flopsPerToken(), 1e-6);
        assertEquals(6, lstm.shapes().size());
        lstm.shapes().forEach(s -> assertTrue(s.gflops() > 0 && Double.isFinite(s.gflops()), s.toString()));
        // the per-step products are timed through the Vector API kernel too (test JVMs have it), the others not
        lstm.shapes().forEach(s -> assertEquals(s.perStep(), Double.isFinite(s.vectorGflops()), s.toString()));
        assertEquals(2, lstm.shapes().stream().filter(GemmBound.Shape::perStep).count());
        assertEquals(2 * lstm.tokensPerSecond(1), lstm.tokensPerSecond(2), 1e-6, "one task per core, each with its own products");
    }
}
