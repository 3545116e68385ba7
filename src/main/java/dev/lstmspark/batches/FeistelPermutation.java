package dev.lstmspark.batches;

import java.io.Serializable;

/**
 * A keyed pseudo-random permutation of {@code [0, n)}, computed one element at a time.
 *
 * <p>It lets every Spark partition learn where each of its windows lands in the epoch's shuffled order
 * without a global sort and without holding the permutation anywhere: a balanced Feistel network over the
 * smallest even-bit power-of-two domain that covers {@code n}, with cycle walking back into {@code [0, n)}.
 */
public final class FeistelPermutation implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int ROUNDS = 6;

    private final long n;
    private final int halfBits;
    private final long halfMask;
    private final long key;

    public FeistelPermutation(long n, long key) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative");
        }
        this.n = n;
        int bits = n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
        this.halfBits = Math.max(1, (bits + 1) / 2);
        this.halfMask = (1L << halfBits) - 1;
        this.key = key;
    }

    public long size() {
        return n;
    }

    /** The position of {@code x} in the permuted order. */
    public long apply(long x) {
        if (x < 0 || x >= n) {
            throw new IndexOutOfBoundsException(x + " not in [0, " + n + ")");
        }
        long y = x;
        do {
            y = encrypt(y);
        } while (y >= n);
        return y;
    }

    private long encrypt(long x) {
        long left = (x >>> halfBits) & halfMask;
        long right = x & halfMask;
        for (int round = 0; round < ROUNDS; round++) {
            long next = left ^ (mix(right ^ key ^ ((long) round << 56)) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    /** SplitMix64's finalizer: a fast, well-spread 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
