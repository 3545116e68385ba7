package dev.lstmspark.batches;

import dev.lstmspark.vocabulary.Vocabulary;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The corpus as token indices, spread over Spark partitions in file order: one {@code int[]} per partition.
 *
 * <p>The driver holds only what positions need: each partition's token count (hence its global start) and, on
 * request, the first few tokens of each partition, which windows crossing a partition boundary borrow.
 */
public final class EncodedCorpus {

    private final JavaRDD<int[]> partitions;
    private final long[] starts;

    private EncodedCorpus(JavaRDD<int[]> partitions, long[] starts) {
        this.partitions = partitions;
        this.starts = starts;
    }

    /**
     * Preprocesses, tokenizes and encodes every record (a line, a row's text) in its own partition, as the
     * vocabulary's tokenizer says; the result is persisted.
     */
    public static EncodedCorpus encode(JavaRDD<String> rawLines, Vocabulary vocabulary) {
        JavaRDD<int[]> parts = rawLines
                .mapPartitions(lines -> List.of(encodeLines(lines, vocabulary)).iterator(), true)
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        List<Integer> counts = parts.map(tokens -> tokens.length).collect();
        long[] starts = new long[counts.size() + 1];
        for (int p = 0; p < counts.size(); p++) {
            starts[p + 1] = starts[p] + counts.get(p);
        }
        return new EncodedCorpus(parts, starts);
    }

    /** Encodes the records of one partition in order, each with what separates it from the next (none for d2l). */
    public static int[] encodeLines(Iterator<String> lines, Vocabulary vocabulary) {
        IntArrayBuilder out = new IntArrayBuilder();
        while (lines.hasNext()) {
            for (String token : vocabulary.tokenizer().recordTokens(lines.next())) {
                out.add(vocabulary.indexOf(token));
            }
        }
        return out.toArray();
    }

    /**
     * How often {@code token} occurs, e.g. {@link Vocabulary#UNKNOWN_INDEX}: how many of the corpus's tokens its
     * vocabulary lacked (and, in a word-level corpus that holds it, the text {@code <unk>} itself).
     */
    public long count(int token) {
        return partitions.map(tokens -> {
            long n = 0;
            for (int t : tokens) {
                if (t == token) {
                    n++;
                }
            }
            return n;
        }).fold(0L, Long::sum);
    }

    /** Tokens in the whole corpus. */
    public long size() {
        return starts[starts.length - 1];
    }

    public int numPartitions() {
        return starts.length - 1;
    }

    /** Global position of each partition's first token; one extra entry holds {@link #size()}. */
    public long[] partitionStarts() {
        return starts.clone();
    }

    public JavaRDD<int[]> partitions() {
        return partitions;
    }

    /**
     * For each partition, the {@code n} tokens that follow it in the corpus (fewer at the end), gathered from
     * the heads of the partitions after it: the only tokens that ever cross a partition boundary.
     */
    public int[][] lookahead(int n) {
        List<int[]> heads = partitions.map(tokens -> Arrays.copyOf(tokens, Math.min(tokens.length, n))).collect();
        int[][] result = new int[heads.size()][];
        for (int p = 0; p < heads.size(); p++) {
            IntArrayBuilder next = new IntArrayBuilder();
            for (int q = p + 1; q < heads.size() && next.size() < n; q++) {
                int[] head = heads.get(q);
                for (int i = 0; i < head.length && next.size() < n; i++) {
                    next.add(head[i]);
                }
            }
            result[p] = next.toArray();
        }
        return result;
    }

    public void unpersist() {
        partitions.unpersist(false);
    }

    /** A growable {@code int[]}, to avoid boxing a partition's worth of tokens. */
    static final class IntArrayBuilder {
        private int[] data = new int[1024];
        private int size;

        void add(int value) {
            if (size == data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = value;
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
