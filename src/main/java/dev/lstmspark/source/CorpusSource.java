package dev.lstmspark.source;

import dev.lstmspark.config.CorpusFormat;
import dev.lstmspark.config.TrainConfig;

/**
 * What to read: the corpus as the user named it, where it is (a Hadoop path, possibly a glob, or
 * {@code table:NAME}), its format and, for tables, the column of the text and the column that orders the rows.
 *
 * @param name        the corpus as given, for messages
 * @param uri         the resolved location ({@link dev.lstmspark.corpus.CorpusLocator#resolve})
 * @param orderColumn empty for the files' own order
 */
public record CorpusSource(String name, String uri, CorpusFormat format, String textColumn, String orderColumn) {

    /** The source a training configuration names, at the location the corpus resolved to. */
    public static CorpusSource of(TrainConfig config, String uri) {
        return new CorpusSource(config.corpus(), uri, config.corpusFormat(), config.textColumn(), config.orderColumn());
    }

    /** A table or view of the Spark session's catalog, rather than files. */
    public boolean isTable() {
        return CorpusFormat.isTable(uri);
    }

    /** Whether the text comes from a column of rows rather than from the lines of text files. */
    public boolean isTabular() {
        return isTable() || format.isTabular();
    }

    /** The kind of source as {@code corpus.json} and the report name it: {@code text}, {@code parquet}, ..., {@code table}. */
    public String kind() {
        return isTable() ? "table" : format.key();
    }

    /** The corpus and, for tables, its column, for messages: {@code data/x.parquet (column text)}. */
    public String describe() {
        return isTabular() ? name + " (column " + textColumn + ")" : name;
    }
}
