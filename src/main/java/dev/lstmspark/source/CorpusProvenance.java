package dev.lstmspark.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lstmspark.corpus.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What a run was trained on, as its {@code corpus.json} (and every checkpoint's) records it: where the text came
 * from, how it was turned into tokens, and its {@link CorpusFingerprint}. {@code --resume} compares the
 * fingerprint with the corpus it reads now, {@code evaluate} with the corpus it scores, and the report shows it.
 *
 * @param corpus      the corpus setting as given
 * @param uri         where it was read: a Hadoop path or {@code table:NAME}
 * @param kind        {@code text}, {@code parquet}, {@code orc}, {@code json}, {@code csv} or {@code table}
 * @param textColumn  the column of the text; {@code null} for text files
 * @param orderColumn the column that ordered the rows; {@code null} when the files' own order was used
 * @param files       files read, or -1 for a table of the catalog
 * @param bytes       their size on the file system, or -1 for a table
 * @param tokens      tokens of the preprocessed corpus (training and held out)
 * @param vocabulary  size of the vocabulary, {@code <unk>} included
 */
public record CorpusProvenance(String corpus, String uri, String kind, String textColumn, String orderColumn,
                               int files, long bytes, String preprocess, String tokenKind, int minFreq, int maxVocab,
                               CorpusFingerprint fingerprint, long tokens, int vocabulary) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The provenance of a corpus read and encoded into {@code tokens} tokens of a vocabulary of {@code vocabulary}. */
    public static CorpusProvenance of(CorpusRecords read, Tokenizer tokenizer, int minFreq, int maxVocab, long tokens,
                                      int vocabulary) {
        CorpusSource source = read.source();
        CorpusFiles files = read.files();
        return new CorpusProvenance(source.name(), source.uri(), source.kind(),
                source.isTabular() ? source.textColumn() : null,
                source.orderColumn().isEmpty() ? null : source.orderColumn(),
                files == null ? -1 : files.size(), files == null ? -1 : files.bytes(),
                tokenizer.preprocessing().name().toLowerCase(Locale.ROOT), tokenizer.kind().name().toLowerCase(Locale.ROOT),
                minFreq, maxVocab, read.fingerprint(), tokens, vocabulary);
    }
    private static final int FORMAT = 1;

    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode source = root.putObject("source");
        source.put("corpus", corpus);
        source.put("uri", uri);
        source.put("kind", kind);
        source.put("text_column", textColumn);
        source.put("order_column", orderColumn);
        if (files >= 0) {
            source.put("files", files);
            source.put("bytes", bytes);
        }
        ObjectNode preprocessing = root.putObject("preprocessing");
        preprocessing.put("preprocess", preprocess);
        preprocessing.put("tokens", tokenKind);
        preprocessing.put("min_freq", minFreq);
        preprocessing.put("max_vocab", maxVocab);
        ObjectNode print = root.putObject("fingerprint");
        print.put("records", fingerprint.records());
        print.put("null_records", fingerprint.nullRecords());
        print.put("characters", fingerprint.characters());
        print.put("content_hash", fingerprint.contentHash());
        print.put("content_hash_of", CorpusFingerprint.HASH_OF);
        root.put("tokens", tokens);
        root.put("vocabulary", vocabulary);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads {@link #toJson()} output.
     *
     * @throws IllegalArgumentException naming {@code origin} when it is not such a file
     */
    public static CorpusProvenance fromJson(byte[] json, String origin) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || !root.path("source").isObject() || !root.path("fingerprint").isObject()) {
                throw new IllegalArgumentException("it lacks \"source\" or \"fingerprint\"");
            }
            JsonNode source = root.get("source");
            JsonNode preprocessing = root.path("preprocessing");
            JsonNode print = root.get("fingerprint");
            return new CorpusProvenance(text(source, "corpus"), text(source, "uri"), text(source, "kind"),
                    text(source, "text_column"), text(source, "order_column"),
                    source.path("files").asInt(-1), source.path("bytes").asLong(-1),
                    preprocessing.path("preprocess").asText("d2l"), preprocessing.path("tokens").asText("char"),
                    preprocessing.path("min_freq").asInt(0), preprocessing.path("max_vocab").asInt(0),
                    new CorpusFingerprint(number(print, "records"), number(print, "null_records"),
                            number(print, "characters"), required(print, "content_hash")),
                    root.path("tokens").asLong(-1), root.path("vocabulary").asInt(-1));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("corpus provenance " + origin + " is not a valid corpus.json (" + e.getMessage() + ")", e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String required(JsonNode node, String field) {
        String value = text(node, field);
        if (value == null) {
            throw new IllegalArgumentException("it lacks \"" + field + "\"");
        }
        return value;
    }

    private static long number(JsonNode node, String field) {
        if (!node.path(field).isNumber()) {
            throw new IllegalArgumentException("it lacks \"" + field + "\"");
        }
        return node.get(field).asLong();
    }

    /** One line for logs and reports: what was read, from where, how many records, tokens and which hash. */
    public String summary() {
        StringBuilder s = new StringBuilder(uri).append(" (").append(kind);
        if (textColumn != null) {
            s.append(", column ").append(textColumn);
        }
        if (orderColumn != null) {
            s.append(", ordered by ").append(orderColumn);
        }
        s.append(")");
        if (files >= 0) {
            s.append(String.format(Locale.ROOT, ", %,d file%s, %,d bytes", files, files == 1 ? "" : "s", bytes));
        }
        s.append(String.format(Locale.ROOT, ", %,d records", fingerprint.records()));
        if (fingerprint.nullRecords() > 0) {
            s.append(String.format(Locale.ROOT, " (%,d null rows skipped)", fingerprint.nullRecords()));
        }
        s.append(String.format(Locale.ROOT, ", %,d characters, preprocess %s, %s tokens: %,d, content hash %s",
                fingerprint.characters(), preprocess, tokenKind, tokens, fingerprint.contentHash()));
        return s.toString();
    }
}
