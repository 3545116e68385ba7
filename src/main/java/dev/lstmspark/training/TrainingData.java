package dev.lstmspark.training;

import dev.lstmspark.batches.EncodedCorpus;
import dev.lstmspark.config.Preprocessing;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.corpus.CorpusException;
import dev.lstmspark.corpus.Tokenizer;
import dev.lstmspark.source.CorpusProvenance;
import dev.lstmspark.source.CorpusReader;
import dev.lstmspark.source.CorpusRecords;
import dev.lstmspark.source.CorpusScan;
import dev.lstmspark.source.CorpusSource;
import dev.lstmspark.vocabulary.Vocabulary;
import dev.lstmspark.vocabulary.VocabularyCounter;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * The corpus read, counted and encoded with Spark, split into a training head and a held-out tail of
 * {@code val-fraction} of its tokens, with the provenance a run directory records of it.
 */
public record TrainingData(Vocabulary vocabulary, EncodedCorpus corpus, long trainTokens, long valTokens,
                           CorpusProvenance provenance) {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingData.class);

    /**
     * Reads {@code corpusUri} (any Hadoop-compatible path or glob, or {@code table:NAME}) as the configuration's
     * corpus-format, text-column and order-column say, and checks it can fill at least one minibatch.
     *
     * @param corpusName the corpus as the user named it, for messages
     */
    public static TrainingData load(JavaSparkContext sc, String corpusUri, String corpusName, TrainConfig config) {
        CorpusSource source = new CorpusSource(corpusName, corpusUri, config.corpusFormat(), config.textColumn(),
                config.orderColumn());
        Tokenizer tokenizer = new Tokenizer(config.preprocess(), config.tokens());
        CorpusRecords read = CorpusReader.read(sc, source);
        Vocabulary vocabulary;
        EncodedCorpus corpus;
        try {
            warnAboutDroppedLetters(read.scan(), source, config.preprocess());
            vocabulary = VocabularyCounter.build(read.records(), tokenizer, config.minFreq(), config.maxVocab());
            if (vocabulary.size() < 2) {
                throw new CorpusException("corpus " + source.describe() + " contains no "
                        + (config.preprocess() == Preprocessing.D2L
                        ? "letters (" + tokenizer.whatIsKept() + "): give an English text, or --preprocess lower or raw for other languages"
                        : "text (" + tokenizer.whatIsKept() + "): give a text with words in it"));
            }
            corpus = EncodedCorpus.encode(read.records(), vocabulary);
        } finally {
            read.unpersist();
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
        CorpusProvenance provenance = CorpusProvenance.of(read, tokenizer, config.minFreq(), config.maxVocab(), total,
                vocabulary.size());
        return new TrainingData(vocabulary, corpus, train, val, provenance);
    }

    /** One full minibatch whatever offset in {@code [0, num-steps)} an epoch draws: (batch-size + 1) x num-steps. */
    public static long minimumTrainTokens(TrainConfig config) {
        return (long) (config.batchSize() + 1) * config.numSteps();
    }

    /** A German or French text under d2l preprocessing trains on mangled words ("m dchen"): say so, once. */
    private static void warnAboutDroppedLetters(CorpusScan scan, CorpusSource source, Preprocessing preprocessing) {
        if (preprocessing == Preprocessing.D2L && scan.nonAsciiLetters() > 0) {
            LOG.warn("corpus {}: preprocess d2l drops {} of its {} letters, those outside A-Z and a-z such as '{}'"
                            + " (--preprocess lower or raw keeps them)", source.name(),
                    String.format(Locale.ROOT, "%,d", scan.nonAsciiLetters()),
                    String.format(Locale.ROOT, "%,d", scan.letters()), Character.toString(scan.exampleNonAscii()));
        }
    }
}
