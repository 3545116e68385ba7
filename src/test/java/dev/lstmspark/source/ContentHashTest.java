package dev.lstmspark.source;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The content hash and the scan it is part of are the same however the records are cut into partitions. */
class ContentHashTest {
    private static final List<String> RECORDS = List.of("Der Ärger,", "", "\uD83D\uDE00 \uD840\uDC00 中文", "the quick brown fox",
            "jumps over", "the lazy dog", "x", "При этом", "", "end");

    @Test
    void arithmeticModuloTheMersennePrimeIsExact() {
        BigInteger p = BigInteger.valueOf(ContentHash.MODULUS);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long a = random.nextLong(ContentHash.MODULUS);
            long b = i < 10 ? ContentHash.MODULUS - 1 - i : random.nextLong(ContentHash.MODULUS);
            assertEquals(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(p).longValueExact(), ContentHash.multiply(a, b));
        }
        assertEquals(BigInteger.valueOf(ContentHash.BASE_1).modPow(BigInteger.valueOf(123_457), p).longValueExact(),
                ContentHash.power(ContentHash.BASE_1, 123_457));
    }

    @Test
    void partitionsCombineToTheHashOfTheWhole() {
        String whole = scan(List.of(RECORDS)).contentHash();
        SplittableRandom random = new SplittableRandom(42);
        for (int trial = 0; trial < 50; trial++) {
            List<List<String>> partitions = new ArrayList<>();
            List<String> current = new ArrayList<>();
            for (String record : RECORDS) {
                while (random.nextInt(3) == 0) {
                    partitions.add(current); // empty partitions too
                    current = new ArrayList<>();
                }
                current.add(record);
            }
            partitions.add(current);
            CorpusScan scan = scan(partitions);
            assertEquals(whole, scan.contentHash(), "partitions " + partitions);
            assertEquals(RECORDS.size(), scan.records());
        }
    }

    @Test
    void anyChangeOfTheTextChangesTheHash() {
        String original = scan(List.of(RECORDS)).contentHash();
        List<List<String>> changes = new ArrayList<>();
        List<String> oneCharacter = new ArrayList<>(RECORDS);
        oneCharacter.set(3, "the quick brown fix");
        changes.add(oneCharacter);
        List<String> swapped = new ArrayList<>(RECORDS);
        swapped.set(4, RECORDS.get(5));
        swapped.set(5, RECORDS.get(4));
        changes.add(swapped);
        List<String> boundaryMoved = new ArrayList<>(RECORDS);
        boundaryMoved.set(4, "jumps");
        boundaryMoved.set(5, " overthe lazy dog");
        changes.add(boundaryMoved);
        List<String> emptyRecordAdded = new ArrayList<>(RECORDS);
        emptyRecordAdded.add("");
        changes.add(emptyRecordAdded);
        for (List<String> changed : changes) {
            assertNotEquals(original, scan(List.of(changed)).contentHash(), changed.toString());
        }
    }

    @Test
    void theScanCountsCodePointsNullsAndLettersD2lWouldDrop() {
        List<String> rows = new ArrayList<>(List.of("Ärger", "a\uD83D\uDE00"));
        rows.add(1, null);
        CorpusScan scan = scan(List.of(rows));
        assertEquals(2, scan.records());
        assertEquals(1, scan.nullRecords());
        assertEquals(7, scan.characters(), "the emoji is one code point");
        assertEquals(6, scan.letters());
        assertEquals(1, scan.nonAsciiLetters());
        assertEquals('Ä', scan.exampleNonAscii());
        assertEquals(scan(List.of(List.of("Ärger", "a\uD83D\uDE00"))).contentHash(), scan.contentHash(), "null rows are not text");
        assertEquals(CorpusScan.BINARY, scan(List.of(List.of("PAR1\u0000\u0000"))).suspect());
        assertEquals(CorpusScan.REPLACEMENT, scan(List.of(List.of("caf\uFFFD"))).suspect());
    }

    private static CorpusScan scan(List<List<String>> partitions) {
        return CorpusScan.combine(partitions.stream().map(p -> CorpusScan.ofPartition(p.iterator())).toList());
    }
}
