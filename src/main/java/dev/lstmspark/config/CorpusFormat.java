package dev.lstmspark.config;

import java.util.Locale;

/**
 * How the files of a corpus are read ({@code corpus-format}): as lines of text, or as rows of a table whose
 * {@code text-column} holds the text. A {@code table:NAME} corpus is a table or view of the Spark session's catalog.
 */
public enum CorpusFormat {
    /** Lines of text files, plain or compressed (gzip, bzip2: Hadoop's codecs by file extension). */
    TEXT,
    PARQUET,
    ORC,
    /** JSON Lines: one JSON object per line. */
    JSON,
    /** Comma-separated values with a header row naming the columns. */
    CSV;

    /** The prefix of a corpus that names a table or view of the catalog instead of files. */
    public static final String TABLE_PREFIX = "table:";

    /** Whether the corpus names a catalog table ({@code table:NAME}) rather than files. */
    public static boolean isTable(String corpus) {
        return corpus.startsWith(TABLE_PREFIX);
    }

    /** The table or view a {@code table:NAME} corpus names. */
    public static String tableName(String corpus) {
        return corpus.substring(TABLE_PREFIX.length()).trim();
    }

    /** Whether rows come from a column (every format but {@link #TEXT}). */
    public boolean isTabular() {
        return this != TEXT;
    }

    /** The name Spark's {@code DataFrameReader.format} and the settings use. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
