package dev.lstmspark.source;

import dev.lstmspark.TestSupport;
import dev.lstmspark.config.CorpusFormat;
import dev.lstmspark.config.Preprocessing;
import dev.lstmspark.config.TokenKind;
import dev.lstmspark.corpus.CorpusException;
import dev.lstmspark.corpus.Tokenizer;
import dev.lstmspark.batches.EncodedCorpus;
import dev.lstmspark.vocabulary.Vocabulary;
import dev.lstmspark.vocabulary.VocabularyCounter;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading corpora as Spark users hold them: folders of part files, gzip, CRLF with a byte-order mark, and the text
 * column of Parquet, ORC, JSON and CSV files or of a catalog table, always in corpus order, with the same
 * fingerprint for the same text however it is stored.
 */
class CorpusReaderTest {
    private static JavaSparkContext sc;
    private static SparkSession spark;

    /** German, Russian, Chinese with a supplementary ideograph (U+20000) and an emoji, and some English. */
    static final List<String> LINES = List.of(
            "Als Gregor Samsa eines Morgens aus unruhigen Träumen erwachte,",
            "fand er sich in seinem Bett zu einem ungeheueren Ungeziefer verwandelt.",
            "",
            "Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему.",
            "\uD840\uDC00 学而时习之，不亦说乎？ \uD83D\uDE00",
            "The Time Traveller (for so it will be convenient to speak of him) 1895.");

    @BeforeAll
    static void start() {
        sc = TestSupport.spark("local[2]");
        spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private static CorpusRecords read(String uri, CorpusFormat format, String column, String order) {
        return CorpusReader.read(sc, new CorpusSource(uri, uri, format, column, order));
    }

    private static List<String> records(CorpusRecords read) {
        try {
            return read.records().collect();
        } finally {
            read.unpersist();
        }
    }

    private static String text(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }

    @Test
    void partFilesAreReadInPathOrderWhateverTheFileSystemListsFirst(@TempDir Path dir) throws IOException {
        Path parts = Files.createDirectories(dir.resolve("parts"));
        // Created last to first: a local folder lists in its own (hash) order, which must not be the corpus's.
        for (int i = 11; i >= 0; i--) {
            Files.writeString(parts.resolve(String.format("part-%05d", i)), "line " + i + " a\nline " + i + " b\n");
        }
        Files.writeString(parts.resolve("_SUCCESS"), "");
        Files.writeString(parts.resolve(".part-00000.crc"), "\u0000\u0001binary");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            expected.add("line " + i + " a");
            expected.add("line " + i + " b");
        }
        CorpusRecords folder = read("file:" + parts, CorpusFormat.TEXT, "text", "");
        assertEquals(12, folder.files().size(), "_SUCCESS and .crc files are not corpus");
        assertEquals(expected, records(folder));
        assertEquals(expected.subList(0, 20), records(read("file:" + parts + "/part-0000?", CorpusFormat.TEXT, "text", "")));
    }

    /** A gzip of the file with CRLF line ends and a byte-order mark is the same corpus: same tokens, same fingerprint. */
    @ParameterizedTest
    @EnumSource(Preprocessing.class)
    void gzipCrlfAndByteOrderMarkGiveThePlainFilesTokensAndFingerprint(Preprocessing preprocessing, @TempDir Path dir)
            throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.txt"), text(LINES));
        ByteArrayOutputStream crlf = new ByteArrayOutputStream();
        crlf.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        crlf.write(text(LINES).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
        Path gzip = dir.resolve("crlf-bom.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzip))) {
            out.write(crlf.toByteArray());
        }
        Tokenizer tokenizer = new Tokenizer(preprocessing, TokenKind.CHAR);
        CorpusRecords a = read("file:" + plain, CorpusFormat.TEXT, "text", "");
        CorpusRecords b = read("file:" + gzip, CorpusFormat.TEXT, "text", "");
        Vocabulary va = VocabularyCounter.build(a.records(), tokenizer, 0, 0);
        assertEquals(va, VocabularyCounter.build(b.records(), tokenizer, 0, 0));
        assertArrayEquals(encoded(a, va), encoded(b, va));
        assertEquals(a.fingerprint(), b.fingerprint());
        assertEquals(LINES.size(), a.fingerprint().records());
        a.unpersist();
        b.unpersist();
    }

    @Test
    void rawCharactersAreCodePointsWithTheirCaseDigitsPunctuationAndNewLines(@TempDir Path dir) throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.txt"), text(LINES));
        CorpusRecords read = read("file:" + plain, CorpusFormat.TEXT, "text", "");
        Vocabulary v = VocabularyCounter.build(read.records(), new Tokenizer(Preprocessing.RAW, TokenKind.CHAR), 0, 0);
        for (String token : List.of("A", "G", "В", "\n", ",", "1", "\uD840\uDC00", "\uD83D\uDE00", "？")) {
            assertTrue(v.contains(token), token + " in " + v.tokens());
        }
        int[] tokens = encoded(read, v);
        assertEquals(text(LINES).codePointCount(0, text(LINES).length()), tokens.length, "one token per code point, new lines included");
        assertEquals(text(LINES), v.decode(tokens));
        read.unpersist();
    }

    /** Spark reads the largest file splits first; the corpus comes back in file order all the same. */
    @ParameterizedTest
    @ValueSource(strings = {"parquet", "orc", "json", "csv"})
    void tableFormatsGiveTheTextColumnInFileOrderSkippingNulls(String format, @TempDir Path dir) {
        List<Row> rows = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String line = LINES.get(i % LINES.size()) + (i % 7 == 0 ? " " + "lang ".repeat(i % 30) : "") + i;
            boolean isNull = i % 50 == 13;
            // ids of one width: CSV columns are strings, and sort as strings
            rows.add(RowFactory.create((long) (11_000 - i), isNull ? null : line));
            if (!isNull) {
                expected.add(line);
            }
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("body", DataTypes.StringType);
        String multi = dir.resolve("multi").toString();
        // Files of 70 rows, the last smaller, rows of different lengths: Spark's largest-first packing reorders them.
        spark.createDataFrame(rows, schema).coalesce(1)
                .write().format(format).option("header", "true").option("maxRecordsPerFile", 70)
                .option("ignoreLeadingWhiteSpace", "false").option("ignoreTrailingWhiteSpace", "false").save(multi);
        CorpusRecords read = read("file:" + multi, CorpusFormat.valueOf(format.toUpperCase()), "body", "");
        assertTrue(read.files().size() >= 4, read.files().size() + " files");
        assertEquals(6, read.fingerprint().nullRecords());
        List<String> got = records(read);
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), got.get(i), "record " + i);
        }

        Path asText = dir.resolve("same.txt");
        try {
            Files.writeString(asText, String.join("\n", expected) + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        CorpusRecords text = read("file:" + asText, CorpusFormat.TEXT, "text", "");
        assertEquals(text.fingerprint().contentHash(), read.fingerprint().contentHash(), "the same text, stored as rows");
        text.unpersist();

        List<String> byId = new ArrayList<>(expected);
        java.util.Collections.reverse(byId);
        assertEquals(byId, records(read("file:" + multi, CorpusFormat.valueOf(format.toUpperCase()), "body", "id")));
    }

    @Test
    void aCatalogTableIsReadByItsOrderColumnOrAsSparkGivesIt() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add(RowFactory.create(i % 2 == 0 ? 40 - i : i, "row " + i, i == 5 ? null : "text " + i));
        }
        StructType schema = new StructType().add("seq", DataTypes.IntegerType).add("label", DataTypes.StringType)
                .add("Text", DataTypes.StringType);
        spark.createDataFrame(rows, schema).createOrReplaceTempView("novel_rows");
        CorpusRecords inOrder = read("table:novel_rows", CorpusFormat.TEXT, "text", "");
        assertEquals(1, inOrder.fingerprint().nullRecords());
        List<String> spark = records(inOrder);
        assertEquals(39, spark.size());
        assertEquals("text 0", spark.get(0), "a local view comes back in its own order");

        List<String> bySeq = records(read("table:novel_rows", CorpusFormat.TEXT, "text", "seq"));
        List<String> expected = rows.stream()
                .filter(r -> r.get(2) != null)
                .sorted(java.util.Comparator.comparingInt((Row r) -> r.getInt(0)).thenComparing(r -> r.getString(2)))
                .map(r -> r.getString(2)).toList();
        assertEquals(expected, bySeq);
    }

    @Test
    void badTablesFailWithOneLineNamingTheInputAndTheFix(@TempDir Path dir) throws IOException {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("body", DataTypes.StringType);
        String table = dir.resolve("t.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create(1L, "a"), RowFactory.create(2L, "b")), schema).write().parquet(table);
        String empty = dir.resolve("empty.parquet").toString();
        spark.createDataFrame(List.<Row>of(), schema).write().parquet(empty);
        String nulls = dir.resolve("nulls.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create(1L, null)), schema).write().parquet(nulls);
        Path notParquet = Files.writeString(dir.resolve("notes.parquet"), "just some text\n");
        Path notJson = Files.writeString(dir.resolve("notes.json"), "just some text\n");

        assertFails("text-column text is not a column of corpus file:" + table + " (its columns: id bigint, body string):"
                + " pass --text-column with one of them", "file:" + table, CorpusFormat.PARQUET, "text", "");
        assertFails("text-column id of corpus file:" + table + " is bigint, not a string: name a string column",
                "file:" + table, CorpusFormat.PARQUET, "id", "");
        assertFails("order-column seq is not a column of corpus", "file:" + table, CorpusFormat.PARQUET, "body", "seq");
        assertFails("corpus file:" + empty + " (column body) has no rows: give a table with text in it",
                "file:" + empty, CorpusFormat.PARQUET, "body", "");
        assertFails("has only null values in its 1 rows: pass --text-column with the column that holds the text",
                "file:" + nulls, CorpusFormat.PARQUET, "body", "");
        assertFails("corpus file:" + notParquet + " cannot be read as parquet (", "file:" + notParquet, CorpusFormat.PARQUET, "body", "");
        assertFails("is not a Parquet file", "file:" + notParquet, CorpusFormat.PARQUET, "body", "");
        assertFails("corpus file:" + notJson + " is not JSON Lines", "file:" + notJson, CorpusFormat.JSON, "body", "");
        assertFails("corpus table:no_such_table does not exist: the Spark catalog (in-memory) has no table or view no_such_table",
                "table:no_such_table", CorpusFormat.TEXT, "text", "");
        assertFails("looks like a binary file (it contains NUL bytes): give a UTF-8 text file, or pass --corpus-format parquet",
                "file:" + table, CorpusFormat.TEXT, "text", "");
        assertFails("corpus file:" + dir + "/*.missing matches no files", "file:" + dir + "/*.missing", CorpusFormat.TEXT, "text", "");
        assertEquals(0, sc.sc().getPersistentRDDs().size(), "a refused corpus leaves nothing cached");
    }

    private static void assertFails(String message, String uri, CorpusFormat format, String column, String order) {
        CorpusException e = assertThrows(CorpusException.class, () -> read(uri, format, column, order).unpersist(), uri);
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    private static int[] encoded(CorpusRecords read, Vocabulary vocabulary) {
        EncodedCorpus corpus = EncodedCorpus.encode(read.records(), vocabulary);
        int[] tokens = corpus.partitions().collect().stream().flatMapToInt(Arrays::stream).toArray();
        corpus.unpersist();
        return tokens;
    }
}
