package dev.lstmspark.vocabulary;

import dev.lstmspark.config.Preprocessing;
import dev.lstmspark.config.TokenKind;
import dev.lstmspark.corpus.Tokenizer;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

import java.io.Serializable;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts token frequencies with Spark: only the distinct tokens and their counts reach the driver, and with a
 * {@code max-vocab} only the most frequent of them (a word-level corpus has millions of distinct words).
 */
public final class VocabularyCounter {

    private VocabularyCounter() {
    }

    /** Counts of d2l-preprocessed tokens. */
    public static Map<String, Long> countTokens(JavaRDD<String> rawLines, TokenKind kind) {
        return countTokens(rawLines, new Tokenizer(Preprocessing.D2L, kind));
    }

    public static Map<String, Long> countTokens(JavaRDD<String> records, Tokenizer tokenizer) {
        Map<String, Long> counts = new HashMap<>();
        counts(records, tokenizer).collect().forEach(t -> counts.put(t._1(), t._2()));
        return counts;
    }

    /** A vocabulary of d2l-preprocessed tokens with no size limit. */
    public static Vocabulary build(JavaRDD<String> rawLines, TokenKind kind, int minFreq) {
        return build(rawLines, new Tokenizer(Preprocessing.D2L, kind), minFreq, 0);
    }

    public static Vocabulary build(JavaRDD<String> records, Tokenizer tokenizer, int minFreq, int maxVocab) {
        if (maxVocab == 0) {
            return Vocabulary.fromCounts(tokenizer, countTokens(records, tokenizer), minFreq, 0);
        }
        // The vocabulary's first maxVocab - 1 tokens are the most frequent: only those (and one spare, should a
        // word-level corpus hold the text "<unk>" itself) come to the driver.
        Map<String, Long> top = new HashMap<>();
        counts(records, tokenizer).takeOrdered(maxVocab, new FrequentFirst())
                .forEach(t -> top.put(t._1(), t._2()));
        return Vocabulary.fromCounts(tokenizer, top, minFreq, maxVocab);
    }

    private static JavaPairRDD<String, Long> counts(JavaRDD<String> records, Tokenizer tokenizer) {
        return records.flatMap(record -> tokenizer.recordTokens(record).iterator())
                .mapToPair(token -> new Tuple2<>(token, 1L))
                .reduceByKey(Long::sum);
    }

    /** The vocabulary's order ({@link Vocabulary#FREQUENT_FIRST}) on Spark's pairs, serializable for {@code takeOrdered}. */
    private static final class FrequentFirst implements Comparator<Tuple2<String, Long>>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Tuple2<String, Long> a, Tuple2<String, Long> b) {
            int byCount = Long.compare(b._2(), a._2());
            return byCount != 0 ? byCount : a._1().compareTo(b._1());
        }
    }
}
