package dev.lstmspark.batches;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowPlanTest {

    @ParameterizedTest
    @CsvSource({"0,1", "1,2", "2,3", "5,7", "1000,99", "4873,7", "65536,3", "65537,11"})
    void feistelPermutationIsABijection(long n, long key) {
        FeistelPermutation p = new FeistelPermutation(n, key);
        boolean[] seen = new boolean[(int) n];
        for (long x = 0; x < n; x++) {
            long y = p.apply(x);
            assertTrue(y >= 0 && y < n);
            assertTrue(!seen[(int) y], "duplicate image " + y);
            seen[(int) y] = true;
        }
    }

    /** d2l seq_data_iter_random: non-overlapping windows every num_steps from a random offset, B per batch. */
    @Test
    void randomPlanPlacesD2lWindowsIntoFullShuffledBatches() {
        int n = 1000;
        int steps = 7;
        int batch = 4;
        WindowPlan plan = WindowPlan.random(0, n, steps, batch, 42, 3);
        int offset = WindowPlan.epochOffset(42, 3, steps);
        long windows = (n - offset - 1) / steps;
        assertEquals(windows / batch, plan.numBatches());
        List<long[]> placed = new ArrayList<>();
        plan.forEachWindowStartingIn(0, n, (start, b, row, chunk) -> placed.add(new long[] {start, b, row}));
        assertEquals(plan.numBatches() * batch, placed.size());
        Set<Long> slots = new HashSet<>();
        for (long[] w : placed) {
            assertEquals(0, (w[0] - offset) % steps, "window start on the stride");
            assertTrue(w[0] + steps <= n - 1, "labels stay inside the corpus");
            assertTrue(slots.add(w[1] * batch + w[2]), "one window per slot");
        }
        // Shuffled: the first minibatch is not simply the first windows.
        long firstBatchMax = placed.stream().filter(w -> w[1] == 0).mapToLong(w -> w[0]).max().orElseThrow();
        assertTrue(firstBatchMax > (long) batch * steps + offset);
    }

    @Test
    void offsetAndShuffleChangeWithEpochAndSeedButNotOtherwise() {
        Set<Integer> offsets = new HashSet<>();
        for (int epoch = 1; epoch <= 40; epoch++) {
            int offset = WindowPlan.epochOffset(7, epoch, 35);
            assertTrue(offset >= 0 && offset < 35);
            offsets.add(offset);
            assertEquals(offset, WindowPlan.epochOffset(7, epoch, 35));
        }
        assertTrue(offsets.size() > 10, "offsets vary across epochs");
        assertNotEquals(starts(WindowPlan.random(0, 5000, 5, 4, 1, 1)), starts(WindowPlan.random(0, 5000, 5, 4, 2, 1)));
    }

    private static List<Long> starts(WindowPlan plan) {
        List<Long> s = new ArrayList<>();
        plan.forEachWindowStartingIn(0, Long.MAX_VALUE / 2, (start, b, row, chunk) -> {
            if (b == 0) {
                s.add(start);
            }
        });
        return s;
    }

    /** d2l seq_data_iter_sequential: B contiguous streams, batch i holds steps [i*T, (i+1)*T) of each. */
    @Test
    void sequentialPlanMatchesD2lReshape() {
        int[] corpus = new int[523];
        for (int i = 0; i < corpus.length; i++) {
            corpus[i] = i;
        }
        int steps = 5;
        int batch = 3;
        WindowPlan plan = WindowPlan.sequential(0, corpus.length, steps, batch, 1, 9, 2);
        int offset = WindowPlan.epochOffset(9, 2, steps);
        int numTokens = ((corpus.length - offset - 1) / batch) * batch;
        int streamLength = numTokens / batch;
        int numBatches = streamLength / steps;
        List<TokenBatch> batches = InMemoryBatches.build(corpus, plan);
        assertEquals(numBatches, batches.size());
        for (int i = 0; i < numBatches; i++) {
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < steps; t++) {
                    int x = corpus[offset + b * streamLength + i * steps + t];
                    int y = corpus[offset + 1 + b * streamLength + i * steps + t];
                    assertEquals(x, batches.get(i).rows()[b][t]);
                    assertEquals(y, batches.get(i).rows()[b][t + 1]);
                }
            }
        }
    }

    @Test
    void sequentialPlanPacksConsecutiveMinibatchesIntoOneSequence() {
        int[] corpus = new int[400];
        for (int i = 0; i < corpus.length; i++) {
            corpus[i] = i;
        }
        List<TokenBatch> single = InMemoryBatches.build(corpus, WindowPlan.sequential(0, 400, 4, 2, 1, 5, 1));
        List<TokenBatch> packed = InMemoryBatches.build(corpus, WindowPlan.sequential(0, 400, 4, 2, 3, 5, 1));
        assertEquals((single.size() + 2) / 3, packed.size());
        // The packed plan counts its sequences as batches, but makes as many minibatch updates as the single one.
        WindowPlan packedPlan = WindowPlan.sequential(0, 400, 4, 2, 3, 5, 1);
        assertEquals(packed.size(), packedPlan.numBatches());
        assertEquals(single.size(), packedPlan.numMinibatches());
        assertEquals(single.size(), WindowPlan.sequential(0, 400, 4, 2, 1, 5, 1).numMinibatches());
        for (int i = 0; i < single.size(); i++) {
            TokenBatch p = packed.get(i / 3);
            for (int r = 0; r < 2; r++) {
                for (int t = 0; t <= 4; t++) {
                    assertEquals(single.get(i).rows()[r][t], p.rows()[r][(i % 3) * 4 + t]);
                }
            }
        }
    }

    /**
     * With state warm-up every packed sequence after the first starts with the windows before it, masked out of the
     * loss: its own windows, and so its predicted tokens, are those of the plan without warm-up.
     */
    @ParameterizedTest(name = "{0} context chunks")
    @ValueSource(ints = {1, 2, 4})
    void sequentialWarmUpPrependsThePrecedingWindowsAsContext(int context) {
        int[] corpus = new int[400];
        for (int i = 0; i < corpus.length; i++) {
            corpus[i] = i;
        }
        int steps = 4;
        WindowPlan plain = WindowPlan.sequential(0, 400, steps, 2, 3, 5, 1);
        WindowPlan warm = WindowPlan.sequential(0, 400, steps, 2, 3, context, 5, 1);
        List<TokenBatch> single = InMemoryBatches.build(corpus, WindowPlan.sequential(0, 400, steps, 2, 1, 5, 1));
        List<TokenBatch> without = InMemoryBatches.build(corpus, plain);
        List<TokenBatch> with = InMemoryBatches.build(corpus, warm);
        assertEquals(without.size(), with.size());
        assertEquals(plain.numBatches(), warm.numBatches());
        assertEquals(plain.numWindows(), warm.numWindows());
        assertEquals(plain.numMinibatches(), warm.numMinibatches());
        assertEquals(plain.predictedTokens(), with.stream().mapToLong(TokenBatch::predictedTokens).sum());
        for (int j = 0; j < with.size(); j++) {
            TokenBatch b = with.get(j);
            int chunks = Math.min(context, j * 3);
            assertEquals(chunks, warm.contextChunks(j));
            assertEquals(chunks * steps, b.contextSteps());
            for (int r = 0; r < 2; r++) {
                // The row runs on through the stream (token i is i) from the first context minibatch's start.
                int start = single.get(j * 3 - chunks).rows()[r][0];
                for (int t = 0; t <= b.steps(); t++) {
                    assertEquals(start + t, b.rows()[r][t], "batch " + j + " row " + r + " step " + t);
                }
                // Its own part is the plain plan's sequence.
                int[] own = java.util.Arrays.copyOfRange(b.rows()[r], b.contextSteps(), b.rows()[r].length);
                assertArrayEquals(without.get(j).rows()[r], own);
            }
            float[] mask = b.labelsMask() == null ? null : b.labelsMask().data().asFloat();
            if (chunks == 0) {
                assertEquals(null, mask);
            } else {
                for (int t = 0; t < b.steps(); t++) {
                    assertEquals(t < b.contextSteps() ? 0f : 1f, mask[t], "mask step " + t);
                }
            }
        }
    }

    @Test
    void inOrderPlanCoversEveryWindowAndKeepsThePartialLastBatch() {
        WindowPlan plan = WindowPlan.inOrder(100, 53, 5, 4);
        assertEquals(10, plan.numWindows());
        assertEquals(3, plan.numBatches());
        List<Long> starts = new ArrayList<>();
        plan.forEachWindowStartingIn(0, 1000, (start, b, row, chunk) -> starts.add(start));
        assertEquals(List.of(100L, 105L, 110L, 115L, 120L, 125L, 130L, 135L, 140L, 145L), starts);
    }
}
