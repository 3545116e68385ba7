package dev.lstmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lstmspark.TestSupport;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Corpora as a new user brings them, through the command line: a non-English novel with capitals, digits,
 * punctuation, line breaks and supplementary characters, stored as gzip part files with CRLF and a byte-order mark;
 * a Parquet table; a corpus that changed before a resume; and every bad input, each refused in one line.
 */
class CorporaTest {
    /** German, Russian and Chinese, a CJK ideograph outside the BMP (U+20000) and an emoji. */
    static final String NOVEL = String.join("\n",
            "Als Gregor Samsa eines Morgens aus unruhigen Träumen erwachte, fand er sich in seinem Bett",
            "zu einem ungeheueren Ungeziefer verwandelt. Er lag auf seinem panzerartig harten Rücken.",
            "",
            "Все счастливые семьи похожи друг на друга, 1877.",
            "\uD840\uDC00 学而时习之，不亦说乎？ \uD83D\uDE00") + "\n";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tables;
    private static Path parquet;
    private static Path emptyParquet;

    @BeforeAll
    static void writeTables() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("body", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            rows.add(RowFactory.create((long) i, i == 7 ? null : "the quick brown fox jumps over the lazy dog " + i));
        }
        parquet = tables.resolve("pangrams.parquet");
        emptyParquet = tables.resolve("empty.parquet");
        try (JavaSparkContext sc = TestSupport.spark("local[2]")) {
            SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
            spark.createDataFrame(rows, schema).coalesce(2).write().parquet(parquet.toString());
            spark.createDataFrame(List.<Row>of(), schema).write().parquet(emptyParquet.toString());
        }
    }

    @Test
    void rawCharPresetOnANonEnglishNovelKeepsWhatD2lWouldDrop(@TempDir Path dir) throws IOException {
        Path novel = Files.createDirectories(dir.resolve("novel"));
        ByteArrayOutputStream crlf = new ByteArrayOutputStream();
        crlf.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        crlf.write(NOVEL.repeat(6).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(novel.resolve("part-00000.gz")))) {
            out.write(crlf.toByteArray());
        }
        Files.writeString(novel.resolve("part-00001"), NOVEL.repeat(6));
        Files.writeString(novel.resolve("_SUCCESS"), "");
        Path out = dir.resolve("run");
        CliTest.Result train = CliTest.run("train", "--config", "conf/raw-char.properties", "--corpus", novel.toString(),
                "--batch-size", "8", "--num-steps", "12", "--hidden", "48", "--epochs", "2", "--averaging-frequency", "2",
                "--sample-every", "1", "--sample-prefixes", "Als Gregor", "--sample-length", "30", "--out", out.toString(),
                "--master", "local[2]");
        assertEquals(0, train.exitCode(), train.err());

        JsonNode vocab = JSON.readTree(out.resolve("vocab.json").toFile());
        assertEquals("raw", vocab.get("preprocess").asText());
        assertEquals(3000, vocab.get("max_vocab").asInt());
        List<String> tokens = new ArrayList<>();
        vocab.get("tokens").forEach(t -> tokens.add(t.asText()));
        for (String kept : List.of("A", "G", "В", "ä", ",", ".", "1", "\n", "\uD840\uDC00", "\uD83D\uDE00", "？")) {
            assertTrue(tokens.contains(kept), "'" + kept + "' in " + tokens);
        }
        assertFalse(tokens.contains("\r") || tokens.contains("\uFEFF"), "CRLF and the byte-order mark are not text: " + tokens);

        JsonNode corpus = JSON.readTree(out.resolve("corpus.json").toFile());
        assertEquals("text", corpus.at("/source/kind").asText());
        assertEquals(2, corpus.at("/source/files").asInt(), "part files, _SUCCESS left out");
        assertEquals(2 * 6 * 5, corpus.at("/fingerprint/records").asLong());
        assertEquals("raw", corpus.at("/preprocessing/preprocess").asText());
        assertEquals(2 * NOVEL.repeat(6).codePointCount(0, NOVEL.length() * 6), corpus.get("tokens").asLong(),
                "one token per code point, every line's new line included");
        String hash = corpus.at("/fingerprint/content_hash").asText();
        assertTrue(Files.readString(out.resolve("report.html")).contains(hash), "the report shows the corpus");
        for (String line : Files.readAllLines(out.resolve("samples.txt"))) {
            assertTrue(line.startsWith("epoch ") && line.contains(" | Als Gregor"), "one line per sample, case kept: " + line);
        }

        CliTest.Result generated = CliTest.run("generate", "--model", out.toString(), "--prefix", "Als Gregor", "--length", "20");
        assertEquals(0, generated.exitCode(), generated.err());
        String text = generated.out().substring(0, generated.out().length() - System.lineSeparator().length());
        assertTrue(text.startsWith("Als Gregor"), "the prefix keeps its capitals: " + text);
        assertEquals(10 + 20, text.codePointCount(0, text.length()), "[" + text + "]");

        CliTest.Result same = CliTest.run("evaluate", "--model", out.toString(), "--corpus", novel.toString(), "--master", "local[2]");
        assertEquals(0, same.exitCode(), same.err());
        assertTrue(same.out().contains("corpus: the text the model was trained on"), same.out());
        CliTest.Result part = CliTest.run("evaluate", "--model", out.toString(), "--corpus", novel.resolve("part-00001").toString(),
                "--master", "local[2]");
        assertEquals(0, part.exitCode(), part.err());
        assertTrue(part.out().contains("corpus: not the text the model was trained on (records 60 -> 30"), part.out());
    }

    /** A Parquet table by file: URIs, in and out; evaluate reads it as the model's corpus was read. */
    @Test
    void aParquetTableTrainsFromItsTextColumnThroughFileUris(@TempDir Path dir) throws IOException {
        String out = "file://" + dir.resolve("run");
        CliTest.Result train = CliTest.run("train", "--config", "conf/smoke.properties", "--corpus", "file://" + parquet,
                "--corpus-format", "parquet", "--text-column", "body", "--order-column", "id", "--epochs", "1",
                "--out", out, "--master", "local[2]");
        assertEquals(0, train.exitCode(), train.err());
        JsonNode corpus = JSON.readTree(dir.resolve("run").resolve("corpus.json").toFile());
        assertEquals("parquet", corpus.at("/source/kind").asText());
        assertEquals("body", corpus.at("/source/text_column").asText());
        assertEquals("id", corpus.at("/source/order_column").asText());
        assertEquals(59, corpus.at("/fingerprint/records").asLong());
        assertEquals(1, corpus.at("/fingerprint/null_records").asLong());
        assertTrue(Files.isRegularFile(dir.resolve("run").resolve("checkpoints/epoch-000001/corpus.json")));

        CliTest.Result evaluate = CliTest.run("evaluate", "--model", out, "--corpus", parquet.toString(), "--master", "local[2]");
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        assertTrue(evaluate.out().contains("corpus: the text the model was trained on"), evaluate.out());
    }

    @Test
    void resumeOnACorpusThatChangedIsRefusedNamingWhatChanged(@TempDir Path dir) throws IOException {
        Path corpus = TestSupport.pangramCorpus(dir, 15);
        String original = Files.readString(corpus);
        Path out = dir.resolve("run");
        assertEquals(0, CliTest.run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                "--out", out.toString(), "--master", "local[2]").exitCode());
        String[] resume = {"train", "--resume", "--config", "conf/smoke.properties", "--corpus", corpus.toString(),
                "--epochs", "2", "--out", out.toString(), "--master", "local[2]"};

        Files.writeString(corpus, original + "the quick brown fox\n");
        CliTest.Result grown = CliTest.run(resume);
        assertEquals(Main.USAGE_ERROR, grown.exitCode(), grown.err());
        assertTrue(grown.err().contains("--resume on corpus " + corpus + ", which changed since the run in " + out
                + " began: records 15 -> 16, characters 6,600 -> 6,619, content hash "), grown.err());
        assertTrue(grown.err().contains("; resume on the text the run was trained on, or start a new run"), grown.err());
        assertEquals(1, grown.err().strip().lines().count(), grown.err());

        // Same size, same letters, one word swapped: only the hash can tell.
        Files.writeString(corpus, original.replaceFirst("quick brown", "brown quick"));
        CliTest.Result edited = CliTest.run(resume);
        assertEquals(Main.USAGE_ERROR, edited.exitCode(), edited.err());
        assertTrue(edited.err().contains("began: content hash ") && !edited.err().contains("records"), edited.err());

        Files.writeString(corpus, original);
        CliTest.Result restored = CliTest.run(resume);
        assertEquals(0, restored.exitCode(), restored.err());
        assertEquals(2, TestSupport.readMetrics(out).size());
    }

    /** Item 5 of the issue: each bad input is one line naming it and the fix, exit 2, nothing written. */
    @Test
    void badCorporaAndSettingsAreRefusedInOneLineWithNothingWritten(@TempDir Path dir) throws IOException {
        Path notParquet = Files.writeString(dir.resolve("notes.parquet"), "just a text file\n");
        Path chinese = Files.writeString(dir.resolve("lunyu.txt"), "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？\n".repeat(20));
        String[][] cases = {
                {"--corpus", parquet.toString(), "--corpus-format", "parquet", "--text-column", "text",
                        "|text-column text is not a column of corpus " + parquet + " (its columns: id bigint, body string): pass --text-column with one of them"},
                {"--corpus", parquet.toString(), "--corpus-format", "parquet", "--text-column", "id",
                        "|text-column id of corpus " + parquet + " is bigint, not a string: name a string column"},
                {"--corpus", emptyParquet.toString(), "--corpus-format", "parquet", "--text-column", "body",
                        "|corpus " + emptyParquet + " (column body) has no rows: give a table with text in it"},
                {"--corpus", parquet.toString(), "--corpus-format", "xml",
                        "|corpus-format must be one of [csv, json, orc, parquet, text], got 'xml'"},
                {"--corpus", parquet.toString(), "--max-vocab", "1",
                        "|max-vocab must be 0 (no limit) or at least 2 (<unk> and one token), got 1"},
                {"--corpus", notParquet.toString(), "--corpus-format", "parquet", "--text-column", "body",
                        "|corpus " + notParquet + " cannot be read as parquet ("},
                {"--corpus", "table:no_such_table", "--text-column", "body",
                        "|corpus table:no_such_table does not exist: the Spark catalog (in-memory) has no table or view no_such_table: create it first, or check the name"},
                {"--corpus", chinese.toString(),
                        "|corpus " + chinese + " contains no letters (preprocess d2l keeps only the letters A-Z and a-z): give an English text, or --preprocess lower or raw for other languages"},
                {"--corpus", "table:novels", "--corpus-format", "parquet",
                        "|corpus-format parquet applies to files, but corpus table:novels is read from the Spark catalog: drop corpus-format"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("train", "--config", "conf/smoke.properties"));
            args.addAll(List.of(c).subList(0, c.length - 1));
            args.addAll(List.of("--out", dir.resolve("run").toString(), "--master", "local[2]"));
            String expected = c[c.length - 1].substring(1);
            CliTest.Result r = CliTest.run(args.toArray(String[]::new));
            assertEquals(Main.USAGE_ERROR, r.exitCode(), args + ": " + r.err());
            assertTrue(r.err().contains(expected), "expected [" + expected + "] in " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertFalse(Files.exists(dir.resolve("run")), "nothing written for " + args);
        }
    }

    /**
     * A run directory written before preprocess and corpus.json existed (simulated by removing them): it generates
     * as d2l, evaluates saying it has no fingerprint, and resumes with only its vocabulary compared.
     */
    @Test
    void aRunFromBeforeCorpusProvenanceStillGeneratesEvaluatesAndResumes(@TempDir Path dir) throws IOException {
        Path corpus = TestSupport.pangramCorpus(dir, 15);
        Path out = dir.resolve("run");
        assertEquals(0, CliTest.run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(), "--epochs", "1",
                "--out", out.toString(), "--master", "local[2]").exitCode());
        List<Path> runFolders = new ArrayList<>(List.of(out));
        try (var checkpoints = Files.list(out.resolve("checkpoints"))) {
            runFolders.addAll(checkpoints.toList());
        }
        for (Path folder : runFolders) {
            Files.delete(folder.resolve("corpus.json"));
            String vocab = Files.readString(folder.resolve("vocab.json"));
            Files.writeString(folder.resolve("vocab.json"), vocab.replaceAll("\"preprocess\" : \"d2l\",\\s*", "")
                    .replaceAll("\"max_vocab\" : 0,\\s*", ""));
            assertFalse(Files.readString(folder.resolve("vocab.json")).contains("preprocess"));
        }
        CliTest.Result generate = CliTest.run("generate", "--model", out.toString(), "--prefix", "The QUICK", "--length", "0");
        assertEquals("the quick", generate.out().strip(), "a vocabulary without preprocess is d2l's");
        CliTest.Result evaluate = CliTest.run("evaluate", "--model", out.toString(), "--corpus", corpus.toString(), "--master", "local[2]");
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        assertTrue(evaluate.out().contains("corpus: the model's run directory records no corpus fingerprint (it predates corpus.json)"),
                evaluate.out());
        CliTest.Result resumed = CliTest.run("train", "--resume", "--config", "conf/smoke.properties", "--corpus", corpus.toString(),
                "--epochs", "2", "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(Files.isRegularFile(out.resolve("corpus.json")), "the resumed run records its corpus");
    }
}
