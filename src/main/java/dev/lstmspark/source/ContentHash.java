package dev.lstmspark.source;

import java.util.HexFormat;

/**
 * A hash of a sequence of text records that does not depend on how the sequence is cut into Spark partitions:
 * each partition hashes its own records, and the driver combines the partitions' hashes in partition order into
 * exactly the hash of the whole sequence read in one piece. So the fingerprint of a corpus is the same on 2 or 200
 * partitions, on a laptop and on a cluster.
 *
 * <p>It is a polynomial (Rabin-Karp) hash modulo the Mersenne prime 2^61 - 1, twice, with two fixed bases: a
 * sequence {@code x_1 ... x_n} hashes to {@code sum x_i * B^(n-i) mod p}, and two pieces combine as
 * {@code h(a + b) = h(a) * B^len(b) + h(b)}. Each code point {@code c} of a record contributes {@code c + 1}, and
 * every record ends with {@link #RECORD_END}, a value no code point has, so {@code ["ab", "c"]} and
 * {@code ["a", "bc"]} differ. Two different texts of n code points collide with probability about n / 2^122: it
 * detects a corpus that changed, not a corpus forged to collide (it is not a cryptographic hash).
 *
 * <p>A state is a {@code long[3]}: the two hashes and the length of the sequence, which Spark ships as it is.
 */
public final class ContentHash {
    static final long MODULUS = (1L << 61) - 1;
    /** Two fixed bases below the modulus; any fixed pair works, these are arbitrary 61-bit odd numbers. */
    static final long BASE_1 = 0x1F3D_5B79_A2C4_E687L & MODULUS;
    static final long BASE_2 = 0x0B5A_D4EC_E8C1_7F39L & MODULUS;
    /** What ends every record: one more than the largest code point, plus one. */
    static final long RECORD_END = Character.MAX_CODE_POINT + 2L;

    private ContentHash() {
    }

    /** The hash of the empty sequence. */
    public static long[] empty() {
        return new long[] {0, 0, 0};
    }

    /** Adds one record (all its code points, then its end) to {@code state}, in place. */
    public static void addRecord(long[] state, String record) {
        long h1 = state[0];
        long h2 = state[1];
        long n = state[2];
        for (int i = 0; i < record.length(); ) {
            int cp = record.codePointAt(i);
            i += Character.charCount(cp);
            h1 = add(multiply(h1, BASE_1), cp + 1L);
            h2 = add(multiply(h2, BASE_2), cp + 1L);
            n++;
        }
        state[0] = add(multiply(h1, BASE_1), RECORD_END);
        state[1] = add(multiply(h2, BASE_2), RECORD_END);
        state[2] = n + 1;
    }

    /** The hash of {@code first} followed by {@code second}. */
    public static long[] combine(long[] first, long[] second) {
        return new long[] {
                add(multiply(first[0], power(BASE_1, second[2])), second[0]),
                add(multiply(first[1], power(BASE_2, second[2])), second[1]),
                first[2] + second[2]};
    }

    /** The two hashes as 32 hex digits, as {@code corpus.json} records them. */
    public static String hex(long[] state) {
        return HexFormat.of().toHexDigits(state[0]) + HexFormat.of().toHexDigits(state[1]);
    }

    /** {@code a * b mod (2^61 - 1)} for {@code a, b < 2^61 - 1}, from the 122-bit product. */
    static long multiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        // product = high * 2^64 + low (unsigned); 2^61 = 1 mod p, so fold the bits above 61 back onto the low 61.
        long folded = (low & MODULUS) + ((low >>> 61) | (high << 3));
        folded = (folded & MODULUS) + (folded >>> 61);
        return folded >= MODULUS ? folded - MODULUS : folded;
    }

    static long add(long a, long b) {
        long sum = a + b;
        return sum >= MODULUS ? sum - MODULUS : sum;
    }

    static long power(long base, long exponent) {
        long result = 1;
        long b = base;
        for (long e = exponent; e > 0; e >>= 1) {
            if ((e & 1) != 0) {
                result = multiply(result, b);
            }
            b = multiply(b, b);
        }
        return result;
    }
}
