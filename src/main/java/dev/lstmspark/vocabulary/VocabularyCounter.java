package dev.lstmspark.vocabulary;

import dev.lstmspark.config.TokenKind;
import dev.lstmspark.corpus.TextPreprocessing;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

import java.util.HashMap;
import java.util.Map;

/** Counts token frequencies with Spark: only the distinct tokens and their counts reach the driver. */
public final class VocabularyCounter {

    private VocabularyCounter() {
    }

    public static Map<String, Long> countTokens(JavaRDD<String> rawLines, TokenKind kind) {
        Map<String, Long> counts = new HashMap<>();
        rawLines.flatMap(line -> TextPreprocessing.lineTokens(line, kind).iterator())
                .mapToPair(token -> new Tuple2<>(token, 1L))
                .reduceByKey(Long::sum)
                .collect()
                .forEach(t -> counts.put(t._1(), t._2()));
        return counts;
    }

    public static Vocabulary build(JavaRDD<String> rawLines, TokenKind kind, int minFreq) {
        return Vocabulary.fromCounts(kind, countTokens(rawLines, kind), minFreq);
    }
}
