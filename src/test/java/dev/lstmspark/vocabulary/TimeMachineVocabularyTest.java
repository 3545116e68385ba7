package dev.lstmspark.vocabulary;

import dev.lstmspark.TestSupport;
import dev.lstmspark.batches.EncodedCorpus;
import dev.lstmspark.config.Preprocessing;
import dev.lstmspark.config.TokenKind;
import dev.lstmspark.config.CorpusFormat;
import dev.lstmspark.corpus.Tokenizer;
import dev.lstmspark.source.CorpusReader;
import dev.lstmspark.source.CorpusRecords;
import dev.lstmspark.source.CorpusSource;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Counting and encoding through Spark give the figures the shared corpus README lists. */
class TimeMachineVocabularyTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = TestSupport.spark("local[2]");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    @Test
    void vocabularyHasD2lSizeAndOrder() {
        JavaRDD<String> lines = sc.textFile(TestSupport.timeMachine().toString(), 4);
        Map<String, Long> counts = VocabularyCounter.countTokens(lines, TokenKind.CHAR);
        Vocabulary v = Vocabulary.fromCounts(TokenKind.CHAR, counts, 0);
        assertEquals(28, v.size());
        assertEquals(List.of("<unk>", " ", "e", "t", "a", "i", "n", "o", "s", "h", "r"), v.tokens().subList(0, 11));
        assertEquals(29_927L, counts.get(" "));
        assertEquals(17_838L, counts.get("e"));
        assertEquals(7_674L, counts.get("r"));

        EncodedCorpus corpus = EncodedCorpus.encode(lines, v);
        assertEquals(170_580, corpus.size());
        assertEquals(4, corpus.numPartitions());
        corpus.unpersist();
    }

    @Test
    void byteOrderMarkAndCrlfLineEndsGiveTheSameTokens(@TempDir Path dir) throws IOException {
        String text = "The Time Machine\nby H. G. Wells\n\nI. Introduction\n";
        Path lf = dir.resolve("lf.txt");
        Files.writeString(lf, text, StandardCharsets.UTF_8);
        Path crlfBom = dir.resolve("crlf-bom.txt");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        bytes.write(text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
        Files.write(crlfBom, bytes.toByteArray());

        Vocabulary v = VocabularyCounter.build(sc.textFile(lf.toString()), TokenKind.CHAR, 0);
        assertEquals(v, VocabularyCounter.build(sc.textFile(crlfBom.toString()), TokenKind.CHAR, 0));
        int[] expected = collect(EncodedCorpus.encode(sc.textFile(lf.toString(), 1), v));
        int[] actual = collect(EncodedCorpus.encode(sc.textFile(crlfBom.toString(), 1), v));
        assertArrayEquals(expected, actual);
        assertEquals("the time machineby h g wellsi introduction".length(), actual.length);
    }

    /**
     * The reader the runs use (explicit file list, fingerprint scan) gives d2l's tokens of the Time Machine exactly as
     * the plain textFile did, so the README's figures still hold.
     */
    @Test
    void theCorpusReaderGivesTheSameD2lTokensAsTextFile() {
        String uri = "file:" + TestSupport.timeMachine().toAbsolutePath().normalize();
        CorpusRecords read = CorpusReader.read(sc, new CorpusSource(uri, uri, CorpusFormat.TEXT, "text", ""));
        JavaRDD<String> lines = sc.textFile(TestSupport.timeMachine().toString(), 4);
        Vocabulary v = VocabularyCounter.build(read.records(), TokenKind.CHAR, 0);
        assertEquals(VocabularyCounter.build(lines, TokenKind.CHAR, 0), v);
        int[] viaReader = collect(EncodedCorpus.encode(read.records(), v));
        read.unpersist();
        assertEquals(170_580, viaReader.length);
        assertArrayEquals(collect(EncodedCorpus.encode(lines, v)), viaReader);
        assertEquals(3_208, read.fingerprint().records(), "the lines of the file, as wc -l counts them");
    }

    /** With max-vocab only the most frequent tokens reach the driver, and they are the full vocabulary's head. */
    @Test
    void maxVocabIsTheHeadOfTheFullVocabulary() {
        JavaRDD<String> lines = sc.textFile(TestSupport.timeMachine().toString(), 4);
        for (TokenKind kind : TokenKind.values()) {
            Tokenizer tokenizer = new Tokenizer(Preprocessing.LOWER, kind);
            Vocabulary full = VocabularyCounter.build(lines, tokenizer, 2, 0);
            Vocabulary top = VocabularyCounter.build(lines, tokenizer, 2, 12);
            assertEquals(12, top.size());
            assertEquals(full.tokens().subList(0, 12), top.tokens());
            assertEquals(Vocabulary.fromCounts(tokenizer, VocabularyCounter.countTokens(lines, tokenizer), 2, 12), top);
        }
    }

    private static int[] collect(EncodedCorpus corpus) {
        return corpus.partitions().collect().stream().flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
