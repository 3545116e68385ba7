package dev.lstmspark.batches;

import dev.lstmspark.TestSupport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The distributed batching equals the single-array reference, whatever the partitioning. */
class MinibatchBuilderTest {
    private static JavaSparkContext sc;
    private static final int VOCAB = 11;

    @BeforeAll
    static void start() {
        sc = TestSupport.spark("local[2]");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    static Stream<Arguments> partitionsAndSeeds() {
        List<Arguments> args = new ArrayList<>();
        for (int partitions : new int[] {1, 2, 7}) {
            for (long seed : new long[] {1, 42, 20261127}) {
                args.add(Arguments.of(partitions, seed));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} partitions, seed {1}")
    @MethodSource("partitionsAndSeeds")
    void distributedBatchesEqualTheInMemoryReference(int partitions, long seed) {
        int[] corpus = randomCorpus(2_345, seed);
        // Lines of random length in uneven partitions, so windows straddle partition boundaries.
        EncodedCorpusFixture fixture = EncodedCorpusFixture.of(sc, corpus, partitions, seed);
        for (int epoch = 1; epoch <= 2; epoch++) {
            for (WindowPlan plan : List.of(
                    WindowPlan.random(0, corpus.length, 35, 8, seed, epoch),
                    WindowPlan.random(0, 2_000, 9, 5, seed, epoch),
                    WindowPlan.sequential(0, corpus.length, 7, 4, 3, seed, epoch),
                    WindowPlan.sequential(0, corpus.length, 7, 4, 3, 1, seed, epoch),
                    WindowPlan.sequential(0, corpus.length, 5, 3, 2, 5, seed, epoch),
                    WindowPlan.inOrder(2_000, corpus.length - 2_000, 6, 4))) {
                List<TokenBatch> expected = InMemoryBatches.build(corpus, plan);
                List<TokenBatch> actual = new ArrayList<>(MinibatchBuilder.build(fixture.corpus(), plan, 3).collect());
                actual.sort(Comparator.comparingLong(TokenBatch::id));
                assertEquals(plan.numBatches(), actual.size());
                assertEquals(expected, actual, "plan " + plan.getClass().getSimpleName() + " epoch " + epoch);
                assertEquals(plan.predictedTokens(), actual.stream().mapToLong(TokenBatch::predictedTokens).sum());
            }
        }
        fixture.corpus().unpersist();
    }

    /**
     * Minibatch {@code i} is in partition {@code i mod numPartitions}: a training round of consecutive ids that
     * starts at a multiple of its size then holds the same number of minibatches in every partition, which the
     * trainer relies on instead of counting them.
     */
    @Test
    void minibatchIdModuloPartitionsIsItsPartition() {
        int[] corpus = randomCorpus(2_345, 5);
        EncodedCorpusFixture fixture = EncodedCorpusFixture.of(sc, corpus, 3, 5);
        for (WindowPlan plan : List.of(
                WindowPlan.random(0, corpus.length, 9, 4, 5, 1),
                WindowPlan.sequential(0, corpus.length, 7, 4, 3, 5, 1))) {
            for (int partitions : new int[] {2, 3}) {
                List<List<TokenBatch>> byPartition = MinibatchBuilder.build(fixture.corpus(), plan, partitions).glom().collect();
                assertEquals(partitions, byPartition.size());
                for (int p = 0; p < partitions; p++) {
                    for (TokenBatch batch : byPartition.get(p)) {
                        assertEquals(p, batch.id() % partitions, "minibatch " + batch.id());
                    }
                }
            }
        }
        fixture.corpus().unpersist();
    }

    /** Every window of the epoch is used once; only the tail after the last full minibatch is dropped. */
    @Test
    void randomEpochUsesEachWindowOnceAndDropsOnlyTheTail() {
        int[] corpus = new int[3_001];
        for (int i = 0; i < corpus.length; i++) {
            corpus[i] = i % VOCAB;
        }
        int steps = 10;
        int batch = 7;
        WindowPlan plan = WindowPlan.random(0, corpus.length, steps, batch, 3, 1);
        int offset = WindowPlan.epochOffset(3, 1, steps);
        long windows = (corpus.length - offset - 1) / steps;
        List<Long> starts = new ArrayList<>();
        plan.forEachWindowStartingIn(0, corpus.length, (s, b, r, c) -> starts.add(s));
        assertEquals(windows - windows % batch, starts.size());
        assertEquals(starts.size(), starts.stream().distinct().count());
    }

    @Test
    void dataSetsAreOneHotInputsWithLabelsShiftedByOne() {
        int[][] rows = {{1, 2, 3, 4}, {4, 3, 2, 1}};
        DataSet ds = new TokenBatch(0, rows).toDataSet(5);
        assertArrayEquals(new long[] {2, 5, 3}, ds.getFeatures().shape());
        assertArrayEquals(new long[] {2, 5, 3}, ds.getLabels().shape());
        for (int r = 0; r < 2; r++) {
            for (int t = 0; t < 3; t++) {
                assertEquals(rows[r][t], ds.getFeatures().get(
                        org.nd4j.linalg.indexing.NDArrayIndex.point(r), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(t)).argMax().getInt(0));
                assertEquals(rows[r][t + 1], ds.getLabels().get(
                        org.nd4j.linalg.indexing.NDArrayIndex.point(r), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(t)).argMax().getInt(0));
            }
        }
        assertEquals(6.0, ds.getFeatures().sumNumber().doubleValue(), 0);
    }

    private static int[] randomCorpus(int n, long seed) {
        Random random = new Random(seed);
        int[] corpus = new int[n];
        for (int i = 0; i < n; i++) {
            corpus[i] = random.nextInt(VOCAB);
        }
        return corpus;
    }

    /** An {@link EncodedCorpus} over given tokens, split into uneven partitions as a text file would be. */
    record EncodedCorpusFixture(EncodedCorpus corpus) {
        static EncodedCorpusFixture of(JavaSparkContext sc, int[] tokens, int partitions, long seed) {
            Random random = new Random(seed);
            List<String> lines = new ArrayList<>();
            int i = 0;
            while (i < tokens.length) {
                int len = Math.min(tokens.length - i, 1 + random.nextInt(120));
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < len; k++) {
                    sb.append((char) ('a' + tokens[i + k]));
                }
                lines.add(sb.toString());
                i += len;
            }
            JavaRDD<String> rdd = sc.parallelize(lines, partitions);
            List<String> letters = new ArrayList<>();
            letters.add(dev.lstmspark.vocabulary.Vocabulary.UNKNOWN);
            for (int v = 0; v < VOCAB - 1; v++) {
                letters.add(String.valueOf((char) ('a' + v + 1)));
            }
            // Index v encodes letter 'a' + v; letter 'a' is absent from the vocabulary, so 0 stays <unk>.
            dev.lstmspark.vocabulary.Vocabulary vocabulary = new dev.lstmspark.vocabulary.Vocabulary(
                    dev.lstmspark.config.TokenKind.CHAR, letters);
            return new EncodedCorpusFixture(EncodedCorpus.encode(rdd, vocabulary));
        }
    }
}
