package dev.lstmspark.source;

import org.apache.spark.api.java.JavaRDD;

import java.util.Objects;

/**
 * A corpus read: its records in corpus order (persisted, so that counting and encoding, which each pass over them,
 * read the files or the table once), the scan of their sizes and content hash, and the files they came from.
 * The owner unpersists it once the corpus is encoded.
 *
 * @param files the files read; {@code null} for a table of the catalog
 */
public record CorpusRecords(CorpusSource source, JavaRDD<String> persisted, CorpusScan scan, CorpusFiles files) {

    /** The records, null rows (skipped, and counted in the scan) left out. */
    public JavaRDD<String> records() {
        return source.isTabular() ? persisted.filter(Objects::nonNull) : persisted;
    }

    public CorpusFingerprint fingerprint() {
        return CorpusFingerprint.of(scan);
    }

    public void unpersist() {
        persisted.unpersist(false);
    }
}
