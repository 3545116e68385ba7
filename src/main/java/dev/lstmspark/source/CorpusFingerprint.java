package dev.lstmspark.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What identifies the text of a corpus, computed on the executors: its records (lines of the files, or non-null
 * values of the text column), the null rows skipped, the code points of the records, and the {@link ContentHash}
 * of the records in corpus order. It is taken over the text as read, before preprocessing, so it identifies the
 * corpus whatever the settings: two runs on the same text with different {@code preprocess} have the same one, and
 * a Parquet table holding a text file's lines as rows has the text file's.
 */
public record CorpusFingerprint(long records, long nullRecords, long characters, String contentHash) {

    /** What the content hash is taken over, as {@code corpus.json} explains it. */
    public static final String HASH_OF = "code points of every record as read (each line of the files, or each non-null"
            + " value of the text column), in corpus order, each record ended by a separator, before preprocessing;"
            + " two polynomial hashes modulo 2^61-1, combined across partitions in order";

    public static CorpusFingerprint of(CorpusScan scan) {
        return new CorpusFingerprint(scan.records(), scan.nullRecords(), scan.characters(), scan.contentHash());
    }

    /** The fields that differ from {@code other}, as {@code "records 400 -> 401"}; empty when the text is the same. */
    public List<String> differences(CorpusFingerprint other) {
        List<String> changed = new ArrayList<>();
        compare(changed, "records", records, other.records);
        compare(changed, "null rows", nullRecords, other.nullRecords);
        compare(changed, "characters", characters, other.characters);
        if (!contentHash.equals(other.contentHash)) {
            changed.add("content hash " + contentHash + " -> " + other.contentHash);
        }
        return changed;
    }

    private static void compare(List<String> changed, String name, long was, long now) {
        if (was != now) {
            changed.add(String.format(Locale.ROOT, "%s %,d -> %,d", name, was, now));
        }
    }
}
