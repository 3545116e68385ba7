package dev.lstmspark.training;

import dev.lstmspark.batches.EncodedCorpus;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.corpus.CorpusException;
import dev.lstmspark.vocabulary.Vocabulary;
import dev.lstmspark.vocabulary.VocabularyCounter;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

import java.util.List;

/**
 * The corpus read, counted and encoded with Spark, split into a training head and a held-out tail of
 * {@code val-fraction} of its tokens.
 */
public record TrainingData(Vocabulary vocabulary, EncodedCorpus corpus, long trainTokens, long valTokens) {

    /** Reads {@code corpusUri} (any Hadoop-compatible path) and checks it can fill at least one minibatch. */
    public static TrainingData load(JavaSparkContext sc, String corpusUri, String corpusName, TrainConfig config) {
        JavaRDD<String> lines = readLines(sc, corpusUri, corpusName);
        Vocabulary vocabulary;
        EncodedCorpus corpus;
        try {
            vocabulary = VocabularyCounter.build(lines, config.tokens(), config.minFreq());
            if (vocabulary.size() < 2) {
                throw new CorpusException("corpus " + corpusName + " contains no letters (d2l preprocessing keeps only A-Z and a-z): give an English text file");
            }
            corpus = EncodedCorpus.encode(lines, vocabulary);
        } finally {
            lines.unpersist(false);
        }
        long total = corpus.size();
        long val = (long) Math.floor(total * config.valFraction());
        long train = total - val;
        long needed = minimumTrainTokens(config);
        if (train < needed) {
            corpus.unpersist();
            throw new CorpusException("corpus " + corpusName + " gives " + train + " training tokens but batch-size "
                    + config.batchSize() + " x num-steps " + config.numSteps() + " needs at least " + needed
                    + ": use a longer corpus or lower batch-size / num-steps" + (val > 0 ? " / val-fraction" : ""));
        }
        if (val > 0 && val < config.numSteps() + 1) {
            corpus.unpersist();
            throw new CorpusException("val-fraction " + config.valFraction() + " holds out only " + val + " tokens of "
                    + corpusName + ", fewer than one window of num-steps + 1 = " + (config.numSteps() + 1)
                    + ": raise val-fraction or set it to 0");
        }
        return new TrainingData(vocabulary, corpus, train, val);
    }

    /** One full minibatch whatever offset in {@code [0, num-steps)} an epoch draws: (batch-size + 1) x num-steps. */
    public static long minimumTrainTokens(TrainConfig config) {
        return (long) (config.batchSize() + 1) * config.numSteps();
    }

    /**
     * Lines of a text file (or directory of them) through Hadoop, failing with one line if the path is missing or
     * not UTF-8 text. The lines are persisted (serialized, spilling to disk), because checking, counting and
     * encoding each pass over them and a corpus on HDFS or S3 should be read once: the caller unpersists them
     * once the corpus is encoded.
     */
    public static JavaRDD<String> readLines(JavaSparkContext sc, String corpusUri, String corpusName) {
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(corpusUri);
            org.apache.hadoop.fs.FileSystem fs = path.getFileSystem(sc.hadoopConfiguration());
            if (!fs.exists(path)) {
                throw new CorpusException("corpus " + corpusName + " does not exist: pass --corpus with a text file or an hdfs:/s3a:/file: URI");
            }
        } catch (java.io.IOException e) {
            throw new CorpusException("corpus " + corpusName + " cannot be opened (" + e.getMessage() + "): check the path and its file system settings", e);
        }
        JavaRDD<String> lines = sc.textFile(corpusUri, Math.max(2, sc.defaultParallelism()))
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            requireText(lines, corpusName);
        } catch (RuntimeException e) {
            lines.unpersist(false);
            throw e;
        }
        return lines;
    }

    /**
     * Fails on a binary file (NUL characters) or bytes that are not UTF-8 (Hadoop decodes them to U+FFFD), which
     * preprocessing would otherwise quietly turn into spaces.
     */
    static void requireText(JavaRDD<String> lines, String corpusName) {
        List<String> bad = lines.filter(TrainingData::isSuspect).take(1);
        if (!bad.isEmpty()) {
            if (bad.get(0).indexOf('\u0000') >= 0) {
                throw new CorpusException("corpus " + corpusName + " looks like a binary file (it contains NUL bytes): give a UTF-8 text file");
            }
            throw new CorpusException("corpus " + corpusName + " is not valid UTF-8: convert it, e.g. iconv -f LATIN1 -t UTF-8");
        }
    }

    static boolean isSuspect(String line) {
        return line.indexOf('\u0000') >= 0 || line.indexOf('\uFFFD') >= 0;
    }
}
