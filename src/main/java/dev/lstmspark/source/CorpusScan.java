package dev.lstmspark.source;

import java.util.Iterator;
import java.util.List;

/**
 * One pass over a corpus's records on the executors: their sizes and content hash (the corpus's fingerprint), and
 * what the checks before training need (text that is binary or not UTF-8, letters d2l preprocessing would drop).
 * Each partition scans its own records ({@link #ofPartition}, a plain function tests call without Spark) into a
 * {@code long[]}; the driver combines them in partition order ({@link #combine}).
 *
 * @param records         records read (lines, or non-null rows), the null rows not included
 * @param nullRecords     rows whose text column is null, skipped
 * @param characters      Unicode code points of the records as read (line ends not included)
 * @param letters         of those, letters
 * @param nonAsciiLetters of those, letters outside A-Z and a-z
 * @param exampleNonAscii the first letter outside A-Z and a-z, or -1
 * @param suspect         {@link #BINARY} if a record holds a NUL, else {@link #REPLACEMENT} if one holds U+FFFD
 *                        (what decoding bytes that are not UTF-8 gives), else {@link #CLEAN}
 * @param hash            the {@link ContentHash} state of the records in order
 */
public record CorpusScan(long records, long nullRecords, long characters, long letters, long nonAsciiLetters,
                         int exampleNonAscii, int suspect, long[] hash) {
    public static final int CLEAN = 0;
    public static final int REPLACEMENT = 1;
    public static final int BINARY = 2;

    private static final int WIDTH = 10;

    /** Scans one partition's records (nulls included, as a table gives them) into a plain array for Spark. */
    public static long[] ofPartition(Iterator<String> partition) {
        long records = 0;
        long nulls = 0;
        long characters = 0;
        long letters = 0;
        long nonAscii = 0;
        int example = -1;
        int suspect = CLEAN;
        long[] hash = ContentHash.empty();
        while (partition.hasNext()) {
            String record = partition.next();
            if (record == null) {
                nulls++;
                continue;
            }
            records++;
            for (int i = 0; i < record.length(); ) {
                int cp = record.codePointAt(i);
                i += Character.charCount(cp);
                characters++;
                if (cp == 0) {
                    suspect = BINARY;
                } else if (cp == 0xFFFD && suspect == CLEAN) {
                    suspect = REPLACEMENT;
                } else if (Character.isLetter(cp)) {
                    letters++;
                    if (cp > 0x7F) {
                        nonAscii++;
                        if (example < 0) {
                            example = cp;
                        }
                    }
                }
            }
            ContentHash.addRecord(hash, record);
        }
        return new long[] {records, nulls, characters, letters, nonAscii, example, suspect, hash[0], hash[1], hash[2]};
    }

    /** The scan of the whole corpus from its partitions' scans, in partition order. */
    public static CorpusScan combine(List<long[]> partitions) {
        long records = 0;
        long nulls = 0;
        long characters = 0;
        long letters = 0;
        long nonAscii = 0;
        int example = -1;
        int suspect = CLEAN;
        long[] hash = ContentHash.empty();
        for (long[] p : partitions) {
            if (p.length != WIDTH) {
                throw new IllegalArgumentException("a partition scan has " + WIDTH + " entries, got " + p.length);
            }
            records += p[0];
            nulls += p[1];
            characters += p[2];
            letters += p[3];
            nonAscii += p[4];
            if (example < 0) {
                example = (int) p[5];
            }
            suspect = Math.max(suspect, (int) p[6]);
            hash = ContentHash.combine(hash, new long[] {p[7], p[8], p[9]});
        }
        return new CorpusScan(records, nulls, characters, letters, nonAscii, example, suspect, hash);
    }

    /** The content hash as {@code corpus.json} records it. */
    public String contentHash() {
        return ContentHash.hex(hash);
    }
}
