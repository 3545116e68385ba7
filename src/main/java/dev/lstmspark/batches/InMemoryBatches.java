package dev.lstmspark.batches;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The minibatches of a plan over a corpus held in one array: the reference the distributed path must equal. */
public final class InMemoryBatches {

    private InMemoryBatches() {
    }

    public static List<TokenBatch> build(int[] corpus, WindowPlan plan) {
        Map<Long, List<TokenWindow>> byBatch = new TreeMap<>();
        int len = plan.windowLength();
        plan.forEachWindowStartingIn(0, corpus.length, (start, batch, row, chunk) -> {
            int[] window = new int[len];
            System.arraycopy(corpus, (int) start, window, 0, len);
            byBatch.computeIfAbsent(batch, b -> new ArrayList<>()).add(new TokenWindow(row, chunk, window));
        });
        List<TokenBatch> batches = new ArrayList<>();
        byBatch.forEach((id, windows) -> batches.add(TokenBatch.assemble(id, windows, plan.contextChunks(id))));
        return batches;
    }
}
